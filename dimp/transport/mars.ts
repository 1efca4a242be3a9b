/**
 * Mars, the Tencent-Mars long-link framing of legacy mobile clients
 * (transport.md §4): header parse/build, an incremental stream decoder with
 * resync, and the `Mars SN:` push prefix.
 *
 * @module
 */
import { DecoderInput } from "./_decoder_input.ts";
import {
  byteLength,
  concatBytes,
  readU32,
  startsWith,
  utf8,
  writeBytes,
  writeU32,
} from "./_bytes.ts";
import type { Payload } from "./endpoint.ts";
import { FramingError } from "./errors.ts";

/** Mars commands accepted on the wire. */
export const MarsCmd = {
  SEND_MSG: 3,
  NOOP: 6,
  PUSH_MESSAGE: 10001,
} as const;

/** One of the {@linkcode MarsCmd} values. */
export type MarsCommand = typeof MarsCmd[keyof typeof MarsCmd];

/** The only protocol version (200). */
export const MARS_VERSION = 200;
/** The fixed part of a head (20 bytes). */
export const MARS_MIN_HEAD_LENGTH = 20;
/** The largest head (with options) the stream decoder accepts. */
export const MARS_MAX_HEAD_LENGTH = 32;

const CMDS: ReadonlySet<number> = new Set(Object.values(MarsCmd));
const VERSION_BYTES = new Uint8Array([0, 0, 0, MARS_VERSION]);

/** A parsed Mars head. */
export interface MarsHeader {
  /** Head length in bytes (20 + options). */
  readonly headLength: number;
  /** The command. */
  readonly cmd: MarsCommand;
  /** The request/response correlation number. */
  readonly seq: number;
  /** The body length. */
  readonly bodyLength: number;
  /** Head bytes after the fixed 20 (usually empty). */
  readonly options: Uint8Array;
}

/** A head and its body. */
export interface MarsPackage {
  /** The head. */
  readonly header: MarsHeader;
  /** The body bytes. */
  readonly body: Uint8Array;
}

/** What to build. */
export interface MarsPackageInit {
  /** The command. */
  readonly cmd: MarsCommand;
  /** The correlation number. */
  readonly seq: number;
  /** The body. */
  readonly body: Payload;
  /** Extra head bytes. */
  readonly options?: Uint8Array;
}

/**
 * Parses the Mars head at `offset` with the reference rules: version 200, cmd
 * 3, 6 or 10001, head length ≥ 20.
 *
 * @example
 * ```ts
 * import { encodeMarsPackage, parseMarsHeader } from "./mars.ts";
 * const head = parseMarsHeader(encodeMarsPackage({ cmd: 6, seq: 5, body: new Uint8Array(0) }));
 * console.assert(typeof head === "object" && head.seq === 5);
 * ```
 */
export function parseMarsHeader(
  bytes: Uint8Array,
  offset = 0,
): MarsHeader | "incomplete" | "invalid" {
  const available = bytes.length - offset;
  if (available < MARS_MIN_HEAD_LENGTH) return "incomplete";
  const headLength = readU32(bytes, offset);
  const version = readU32(bytes, offset + 4);
  const cmd = readU32(bytes, offset + 8);
  if (
    headLength < MARS_MIN_HEAD_LENGTH || version !== MARS_VERSION ||
    !CMDS.has(cmd)
  ) {
    return "invalid";
  }
  if (available < headLength) return "incomplete";
  return {
    headLength,
    cmd: cmd as MarsCommand,
    seq: readU32(bytes, offset + 12),
    bodyLength: readU32(bytes, offset + 16),
    options: bytes.slice(offset + MARS_MIN_HEAD_LENGTH, offset + headLength),
  };
}

/**
 * Builds a package: the 20-byte head (+ options) and the body.
 *
 * @example
 * ```ts
 * import { encodeMarsPackage, MarsCmd } from "./mars.ts";
 * const noop = encodeMarsPackage({ cmd: MarsCmd.NOOP, seq: 5, body: new Uint8Array(0) });
 * console.assert(noop.length === 20 && noop[7] === 200);
 * ```
 */
export function encodeMarsPackage(init: MarsPackageInit): Uint8Array {
  const options = init.options ?? new Uint8Array(0);
  const headLength = MARS_MIN_HEAD_LENGTH + options.length;
  const bodyLength = byteLength(init.body);
  const out = new Uint8Array(headLength + bodyLength);
  writeU32(out, 0, headLength);
  writeU32(out, 4, MARS_VERSION);
  writeU32(out, 8, init.cmd);
  writeU32(out, 12, init.seq >>> 0);
  writeU32(out, 16, bodyLength);
  out.set(options, MARS_MIN_HEAD_LENGTH);
  writeBytes(out, headLength, init.body);
  return out;
}

/** Limits of a {@linkcode MarsDecoder}. */
export interface MarsDecoderOptions {
  /** Largest accepted body; a head announcing more is a `too-large` error. */
  readonly maxBodyLength?: number;
  /** Consecutive junk bytes tolerated before a `junk` error (64 KiB). */
  readonly maxJunk?: number;
}

/**
 * Cuts a TCP byte stream into Mars packages, whatever the read boundaries;
 * junk is skipped to the next plausible head (version bytes `00 00 00 c8` at
 * offset 4, transport.md §4.4). Push bytes, then call
 * {@linkcode MarsDecoder.next} until it returns `null`.
 *
 * @example
 * ```ts
 * import { encodeMarsPackage, MarsDecoder } from "./mars.ts";
 * const decoder = new MarsDecoder();
 * decoder.push(encodeMarsPackage({ cmd: 3, seq: 9, body: new Uint8Array([0x7b, 0x7d]) }));
 * console.assert(decoder.next()?.header.seq === 9);
 * ```
 */
export class MarsDecoder {
  readonly #input: DecoderInput;
  readonly #maxBodyLength: number;

  /** A decoder with the given limits. */
  constructor(options: MarsDecoderOptions = {}) {
    this.#maxBodyLength = options.maxBodyLength ?? 0xffffffff;
    this.#input = new DecoderInput("a Mars head", options.maxJunk);
  }

  /** Bytes buffered and not yet returned as a package. */
  get bufferedBytes(): number {
    return this.#input.length;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    this.#input.push(chunk);
  }

  /**
   * The next complete package, or `null` when more bytes are needed.
   *
   * @throws {FramingError} `too-large` for a body over the cap, `junk` after
   *   too many bytes that are no head.
   */
  next(): MarsPackage | null {
    const input = this.#input;
    while (input.length > 0) {
      const view = input.view();
      if (!plausibleStart(view)) {
        this.#skipToHead(view);
        continue;
      }
      const header = parseMarsHeader(view);
      if (header === "incomplete") return null;
      if (header === "invalid" || header.headLength > MARS_MAX_HEAD_LENGTH) {
        this.#input.skip(1);
        continue;
      }
      if (header.bodyLength > this.#maxBodyLength) {
        throw new FramingError(
          "too-large",
          `Mars body of ${header.bodyLength} bytes exceeds the limit of ${this.#maxBodyLength}`,
        );
      }
      const total = header.headLength + header.bodyLength;
      if (view.length < total) return null;
      const body = view.slice(header.headLength, total);
      input.consume(total);
      return { header, body };
    }
    return null;
  }

  #skipToHead(view: Uint8Array): void {
    for (let i = 1; i < view.length; i++) {
      if (plausibleStart(view.subarray(i))) return this.#input.skip(i);
    }
    this.#input.skip(view.length);
  }
}

/**
 * Whether `view` may start a head: the available bytes of the head-length
 * high bytes (a head is < 256 bytes) and of the version agree.
 */
function plausibleStart(view: Uint8Array): boolean {
  const n = Math.min(view.length, 8);
  for (let i = 0; i < n; i++) {
    const expected = i < 3 ? 0 : i === 3 ? -1 : VERSION_BYTES[i - 4];
    if (expected >= 0 && view[i] !== expected) return false;
  }
  return true;
}

const SN_PREFIX = utf8("Mars SN:");
const LF = 0x0a;
const lenient = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Splits a `Mars SN:<base64>\n` prefix off a body: the SN text (or `null`
 * when absent) and the payload after it (transport.md §4.2).
 *
 * @example
 * ```ts
 * import { splitMarsSn } from "./mars.ts";
 * const { sn, payload } = splitMarsSn(new TextEncoder().encode("Mars SN:BE5LWw==\n{}"));
 * console.assert(sn === "BE5LWw==" && payload.length === 2);
 * ```
 */
export function splitMarsSn(
  body: Uint8Array,
): { sn: string | null; payload: Uint8Array } {
  if (!startsWith(body, SN_PREFIX)) return { sn: null, payload: body };
  const end = body.indexOf(LF, SN_PREFIX.length);
  if (end < 0) return { sn: null, payload: body };
  return {
    sn: lenient.decode(body.subarray(SN_PREFIX.length, end)),
    payload: body.subarray(end + 1),
  };
}

/** The SN text of a 32-bit push number: base64 of its 4 big-endian bytes. */
export function marsSnOf(seq32: number): string {
  const bytes = new Uint8Array(4);
  writeU32(bytes, 0, seq32 >>> 0);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * A push body: `Mars SN:<sn>\n` followed by the payload.
 *
 * @example
 * ```ts
 * import { marsPushBody } from "./mars.ts";
 * const body = marsPushBody("BE5LWw==", new TextEncoder().encode("{}"));
 * console.assert(new TextDecoder().decode(body) === "Mars SN:BE5LWw==\n{}");
 * ```
 */
export function marsPushBody(sn: string, payload: Uint8Array): Uint8Array {
  return concatBytes(
    SN_PREFIX,
    encoder.encode(sn),
    new Uint8Array([LF]),
    payload,
  );
}
