/**
 * The bench's own signatures looked up by a frame's bytes (private to
 * `cli/bench`): what `signatureOf` and a map by string find, without
 * making the string — a hash of the value's last bytes picks the
 * candidates, whose bytes are compared. The table is typed arrays (open
 * addressing) over one pool of the signatures' bytes: a look-up touches a
 * few cache lines, where a `Map` and an array per signature chased
 * pointers through ten thousands of objects.
 *
 * @module
 */
import { lastSignatureStart, signatureStart } from "./_signature_of.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The hash reads at most this many bytes at the end of a value. */
const HASHED = 16;

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
  /** Per slot: the entry's number + 1 (0: empty). */
  #slots = new Int32Array(1024);
  /** Per slot: its entry's hash. */
  #hashes = new Int32Array(1024);
  /** Per entry: where its bytes begin in {@link #pool}, and end. */
  #from = new Int32Array(256);
  #to = new Int32Array(256);
  /** Per entry: its value. */
  #values = new Float64Array(256);
  #pool = new Uint8Array(16 * 1024);
  #poolLength = 0;
  #count = 0;

  /**
   * Indexes `signature` with `value` (≥ 0; a signature indexed before keeps
   * its value); one JSON would escape is left out.
   */
  add(signature: string, value: number): void {
    const length = signature.length;
    if (this.#poolLength + length > this.#pool.length) {
      const grown = new Uint8Array(2 * (this.#poolLength + length));
      grown.set(this.#pool.subarray(0, this.#poolLength));
      this.#pool = grown;
    }
    // its bytes go to the end of the pool, kept only if it is a new one
    const pool = this.#pool;
    const from = this.#poolLength;
    for (let i = 0; i < length; i++) {
      const code = signature.charCodeAt(i);
      if (code >= 0x80 || code === QUOTE || code === BACKSLASH) return;
      pool[from + i] = code;
    }
    const to = from + length;
    if (this.value(pool, from, to) >= 0) return; // the first value stays
    if (2 * (this.#count + 1) > this.#slots.length) this.#rehash();
    const entry = this.#count++;
    if (entry === this.#values.length) this.#growEntries();
    this.#from[entry] = from;
    this.#to[entry] = to;
    this.#values[entry] = value;
    this.#poolLength = to;
    this.#place(entry, hashOf(pool, from, to));
  }

  /**
   * The value of the signature that the JSON in `bytes` from `start` to
   * `end` carries: its last member when that is a `"signature"` string (the
   * message's own: what parsing it reads, whatever attached documents sign),
   * else its one `"signature"` member; -1 when none, several, or one not
   * indexed.
   */
  find(bytes: Uint8Array, start: number, end: number): number {
    const json = bytes.subarray(start, end);
    let from = lastSignatureStart(json);
    if (from < 0) from = signatureStart(json);
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
    const slots = this.#slots;
    const mask = slots.length - 1;
    const hash = hashOf(bytes, from, to);
    for (let slot = hash & mask;; slot = (slot + 1) & mask) {
      const entry = slots[slot] - 1;
      if (entry < 0) return -1;
      if (this.#hashes[slot] === hash && this.#equals(entry, bytes, from, to)) {
        return this.#values[entry];
      }
    }
  }

  /** Whether entry `entry`'s bytes are `bytes[from..to)`. */
  #equals(entry: number, bytes: Uint8Array, from: number, to: number): boolean {
    const at = this.#from[entry];
    if (this.#to[entry] - at !== to - from) return false;
    const pool = this.#pool;
    for (let i = from; i < to; i++) {
      if (bytes[i] !== pool[at + i - from]) return false;
    }
    return true;
  }

  /** Puts `entry` in the first free slot from its hash on. */
  #place(entry: number, hash: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
    this.#hashes[slot] = hash;
  }

  /** Twice the slots, every entry placed again. */
  #rehash(): void {
    const hashes = this.#hashes;
    const slots = this.#slots;
    this.#slots = new Int32Array(2 * slots.length);
    this.#hashes = new Int32Array(2 * slots.length);
    for (let slot = 0; slot < slots.length; slot++) {
      if (slots[slot] !== 0) this.#place(slots[slot] - 1, hashes[slot]);
    }
  }

  #growEntries(): void {
    const size = 2 * this.#values.length;
    const from = new Int32Array(size);
    const to = new Int32Array(size);
    const values = new Float64Array(size);
    from.set(this.#from);
    to.set(this.#to);
    values.set(this.#values);
    this.#from = from;
    this.#to = to;
    this.#values = values;
  }
}

/** FNV-1a of the last {@link HASHED} bytes from `from` to `to` (an int32). */
function hashOf(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = Math.max(from, to - HASHED); i < to; i++) {
    hash = Math.imul(hash ^ bytes[i], 0x01000193);
  }
  return hash;
}
