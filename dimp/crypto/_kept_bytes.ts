/**
 * Small byte strings kept as long as a key is (private to `dimp/crypto`),
 * copied into shared chunks: in Deno every typed array with a buffer of its
 * own carries ~0.5 KiB (an `ArrayBuffer` object and a backing store outside
 * the heap), a view into a shared chunk only its `Uint8Array`. A station
 * keeps a user's key point and message keys while the user is known: three
 * such arrays per idle session. A chunk lives while any view into it does.
 *
 * @module
 */

/** Bytes per shared chunk (a few dozen keys: little held by one survivor). */
const CHUNK_BYTES = 1024;
/** Longer arrays keep their own buffer. */
const MAX_KEPT = 128;

let _chunk = new Uint8Array(0);
let _used = 0;

/**
 * `bytes` as an array meant to be kept: up to 128 bytes, a copy in a shared
 * chunk; longer, `bytes` itself. Never written to afterwards.
 *
 * @example
 * ```ts
 * import { keptBytes } from "./_kept_bytes.ts";
 * const a = keptBytes(new Uint8Array([1, 2, 3]));
 * const b = keptBytes(new Uint8Array([4, 5]));
 * console.assert(a.buffer === b.buffer && b[1] === 5);
 * ```
 */
export function keptBytes(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  if (length > MAX_KEPT) return bytes;
  if (_used + length > _chunk.length) {
    _chunk = new Uint8Array(CHUNK_BYTES);
    _used = 0;
  }
  const kept = _chunk.subarray(_used, _used + length);
  kept.set(bytes);
  _used += length;
  return kept;
}
