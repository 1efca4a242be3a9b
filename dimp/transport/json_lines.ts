/**
 * Plain newline-separated JSON, the 2021-early "raw" framing (transport.md §6):
 * one message per line, an empty line is a heartbeat.
 *
 * @module
 */
import { ByteQueue } from "./_byte_queue.ts";
import { byteLength, writeBytes } from "./_bytes.ts";
import type { Payload } from "./endpoint.ts";
import { FramingError } from "./errors.ts";

const LF = 0x0a;
const CR = 0x0d;

/** Limits of a {@linkcode JsonLinesDecoder}. */
export interface JsonLinesDecoderOptions {
  /** Longest line (without its newline); checked while buffering. */
  readonly maxLineLength?: number;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === CR || b === LF;
}

/**
 * Cuts a byte stream at `\n` into lines (a trailing `\r` and leading
 * whitespace removed; an empty line is returned as an empty array, the
 * heartbeat). Push bytes, then call {@linkcode JsonLinesDecoder.next} until it
 * returns `null`.
 *
 * @example
 * ```ts
 * import { JsonLinesDecoder } from "./json_lines.ts";
 * const decoder = new JsonLinesDecoder();
 * decoder.push(new TextEncoder().encode('{"a":1}\r\n\n'));
 * console.assert(decoder.next()?.length === 7 && decoder.next()?.length === 0);
 * ```
 */
export class JsonLinesDecoder {
  readonly #queue = new ByteQueue();
  readonly #maxLineLength: number;
  #scanned = 0;

  /** A decoder with the given limits. */
  constructor(options: JsonLinesDecoderOptions = {}) {
    this.#maxLineLength = options.maxLineLength ?? 1024 * 1024;
  }

  /** Bytes buffered and not yet returned as a line. */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    this.#queue.push(chunk);
  }

  /**
   * The next line, or `null` when no complete line is buffered.
   *
   * @throws {FramingError} `too-large` when a line grows over the cap.
   */
  next(): Uint8Array | null {
    const view = this.#queue.view();
    const end = view.indexOf(LF, this.#scanned);
    if (end < 0) {
      this.#scanned = view.length;
      if (view.length > this.#maxLineLength + 1) {
        throw new FramingError(
          "too-large",
          `JSON line of more than ${this.#maxLineLength} bytes`,
        );
      }
      return null;
    }
    let start = 0;
    while (start < end && isSpace(view[start])) start++;
    let stop = end;
    if (stop > start && view[stop - 1] === CR) stop--;
    if (stop - start > this.#maxLineLength) {
      throw new FramingError("too-large", `JSON line of ${stop - start} bytes`);
    }
    const line = view.slice(start, stop);
    this.#queue.consume(end + 1);
    this.#scanned = 0;
    return line;
  }
}

/**
 * One line on the wire: the payload and `\n`.
 *
 * @example
 * ```ts
 * import { encodeJsonLine } from "./json_lines.ts";
 * console.assert(encodeJsonLine(new TextEncoder().encode("{}")).length === 3);
 * ```
 */
export function encodeJsonLine(payload: Payload): Uint8Array {
  const out = new Uint8Array(byteLength(payload) + 1);
  out[writeBytes(out, 0, payload)] = LF;
  return out;
}
