/**
 * The bench's own signatures looked up by a frame's bytes (private to
 * `cli/bench`): what `signatureOf` and a map by string find, without
 * making the string — a hash of the value's last bytes picks the one
 * candidate, whose bytes are compared.
 *
 * @module
 */
import { signatureStart } from "./_signature_of.ts";

const QUOTE = 0x22;
const ASCII = new TextDecoder();
const BACKSLASH = 0x5c;
/** The hash reads at most this many bytes at the end of a value. */
const HASHED = 16;
/** A hash two signatures share: the value is then looked up by its string. */
const SHARED = -1;

/**
 * Signatures (ASCII, no quote or backslash: base64) with a number each.
 *
 * @example
 * ```ts
 * import { SignatureIndex } from "./_signature_index.ts";
 * const index = new SignatureIndex();
 * index.add("c2ln", 7);
 * const json = new TextEncoder().encode('{"data":"x","signature":"c2ln"}');
 * console.assert(index.find(json, 0, json.length) === 7);
 * ```
 */
export class SignatureIndex {
  /** Hash → entry, or {@link SHARED}. */
  readonly #byHash = new Map<number, number>();
  /** Entries whose hash another one has too. */
  readonly #byText = new Map<string, number>();
  readonly #texts: string[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #values: number[] = [];

  /**
   * Indexes `signature` with `value` (≥ 0; a signature indexed before keeps
   * its value); one JSON would escape is left out.
   */
  add(signature: string, value: number): void {
    const bytes = new TextEncoder().encode(signature);
    if (bytes.length !== signature.length || bytes.includes(QUOTE)) return;
    if (bytes.includes(BACKSLASH)) return;
    const hash = hashOf(bytes, 0, bytes.length);
    const other = this.#byHash.get(hash);
    if (
      other === SHARED ? this.#byText.has(signature) : other !== undefined &&
        this.#texts[other] === signature
    ) return; // the first value stays
    const entry = this.#values.length;
    this.#texts.push(signature);
    this.#bytes.push(bytes);
    this.#values.push(value);
    if (other === undefined) {
      this.#byHash.set(hash, entry);
      return;
    }
    if (other !== SHARED) {
      this.#byText.set(this.#texts[other], this.#values[other]);
      this.#byHash.set(hash, SHARED);
    }
    this.#byText.set(signature, value);
  }

  /**
   * The value of the signature that the JSON in `bytes` from `start` to
   * `end` carries as its one `"signature"` member, or -1 (none, several, or
   * one not indexed).
   */
  find(bytes: Uint8Array, start: number, end: number): number {
    const json = bytes.subarray(start, end);
    const from = signatureStart(json);
    if (from < 0) return -1;
    const to = json.indexOf(QUOTE, from);
    if (to < 0) return -1;
    return this.value(json, from, to);
  }

  /**
   * The value of the signature that is `bytes[from..to)` (no quotes, no
   * escapes), or -1 (not indexed).
   *
   * @example
   * ```ts
   * import { SignatureIndex } from "./_signature_index.ts";
   * const index = new SignatureIndex();
   * index.add("c2ln", 7);
   * const bytes = new TextEncoder().encode('["c2ln"]');
   * console.assert(index.value(bytes, 2, 6) === 7);
   * ```
   */
  value(bytes: Uint8Array, from: number, to: number): number {
    const entry = this.#byHash.get(hashOf(bytes, from, to));
    if (entry === undefined) return -1;
    if (entry === SHARED) {
      return this.#byText.get(ASCII.decode(bytes.subarray(from, to))) ?? -1;
    }
    const mine = this.#bytes[entry];
    if (mine.length !== to - from) return -1;
    for (let i = 0; i < mine.length; i++) {
      if (bytes[from + i] !== mine[i]) return -1;
    }
    return this.#values[entry];
  }
}

/** FNV-1a of the last {@link HASHED} bytes from `from` to `to`. */
function hashOf(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(from, to - HASHED); i < to; i++) {
    hash = Math.imul(hash ^ bytes[i], 0x01000193);
  }
  return hash >>> 0;
}
