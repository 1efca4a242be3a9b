/**
 * The JSON texts of messages pushed live while their stores are held
 * (dispatcher.ts), kept as UTF-8 bytes in shared chunks outside the V8
 * heap: a text is a chunk, an offset and a length — no object per text
 * besides its holder's fields. A text of a few KB costs a copy here
 * instead of ~1 KB of parsed message that lives through scavenges until
 * its receiver's acknowledgement.
 *
 * A chunk lives while any text in it is held (tens of ms; at most the
 * store's hold time, then the text is written and let go of).
 *
 * @module
 */
import { utf8Decode, utf8Encode } from "../dimp/crypto/mod.ts";
import type { TextParts } from "../dimp/transport/mod.ts";

/** Bytes per chunk. */
const CHUNK_BYTES = 64 * 1024;
/** The largest text kept in a chunk; larger ones get bytes of their own. */
const MAX_SHARED_BYTES = CHUNK_BYTES / 8;

const ENCODER = new TextEncoder();

/**
 * Where a text was put: `bytes[at, at + length)`.
 *
 * @example
 * ```ts
 * import { HeldTexts } from "./_held_texts.ts";
 * const place = new HeldTexts().put(['{"a":1', "}"], () => '{"a":1}');
 * console.assert(place.length === 7);
 * ```
 */
export interface TextPlace {
  /** The chunk (or the text's own bytes). */
  readonly bytes: Uint8Array;
  /** Where the text starts in {@link TextPlace.bytes}. */
  readonly at: number;
  /** Its length in bytes. */
  readonly length: number;
}

/**
 * Puts texts into shared chunks.
 *
 * @example
 * ```ts
 * import { HeldTexts, textAt } from "./_held_texts.ts";
 * const texts = new HeldTexts();
 * const place = texts.put(['{"sender":"a"', ',"b":2}'], () => "");
 * console.assert(textAt(place.bytes, place.at, place.length) === '{"sender":"a","b":2}');
 * ```
 */
export class HeldTexts {
  #chunk: Uint8Array | undefined;
  #at = 0;

  /**
   * Puts the text made of `parts` (strings written one after the other;
   * another part, or a text not in ASCII, is put as `whole()` gives it).
   */
  put(parts: string | TextParts, whole: () => string): TextPlace {
    const list = typeof parts === "string" ? [parts] : parts;
    let length = 0;
    for (const part of list) {
      if (typeof part !== "string") return _alone(whole());
      length += part.length;
    }
    if (length > MAX_SHARED_BYTES) return _alone(whole());
    let chunk = this.#chunk;
    if (chunk === undefined || this.#at + length > CHUNK_BYTES) {
      chunk = this.#chunk = new Uint8Array(CHUNK_BYTES);
      this.#at = 0;
    }
    const start = this.#at;
    let at = start;
    for (const part of list) {
      const text = part as string;
      const { read, written } = ENCODER.encodeInto(
        text,
        chunk.subarray(at, start + length),
      );
      // not ASCII: longer in UTF-8 than in UTF-16 units (what was written
      // here is overwritten by the next text)
      if (read !== text.length) return _alone(whole());
      at += written;
    }
    this.#at = at;
    return { bytes: chunk, at: start, length };
  }
}

/**
 * The text at `bytes[at, at + length)` (as {@link HeldTexts.put} put it).
 *
 * @throws {EncodingError} bytes that are not UTF-8 (never for a text put)
 * @example
 * ```ts
 * import { textAt } from "./_held_texts.ts";
 * textAt(new TextEncoder().encode("xhiy"), 1, 2); // "hi"
 * ```
 */
export function textAt(bytes: Uint8Array, at: number, length: number): string {
  return utf8Decode(bytes.subarray(at, at + length));
}

function _alone(text: string): TextPlace {
  const bytes = utf8Encode(text);
  return { bytes, at: 0, length: bytes.length };
}
