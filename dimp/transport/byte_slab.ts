/**
 * Byte arrays carved out of shared chunks. A new `Uint8Array` costs Deno a
 * backing store of its own (an allocation, the GC's external-memory
 * bookkeeping and a sweep later: ~0.5–2 µs for a frame-sized one, against
 * ~0.05 µs for a view); an endpoint encodes and copies several frames per
 * routed message, so it takes them from a slab instead — one backing store
 * per chunk.
 *
 * A piece keeps its whole chunk alive: pieces are for bytes that live about
 * as long as their neighbours (one connection's frames and packages, in
 * order), and the owner lets go of the chunk when it goes quiet
 * ({@link ByteSlab.release}). Larger requests get arrays of their own, and
 * so do the first chunk's worth of bytes after a release: only a busy
 * connection gets a chunk.
 *
 * @module
 */

/** Bytes per chunk. */
const CHUNK_BYTES = 16 * 1024;
/** The largest piece taken from a chunk; larger ones are allocated alone. */
const MAX_PIECE_BYTES = CHUNK_BYTES / 4;

/**
 * Hands out zero-filled byte arrays, small ones as views of a shared chunk.
 *
 * @example
 * ```ts
 * import { ByteSlab } from "./byte_slab.ts";
 * const slab = new ByteSlab();
 * slab.alloc(16 * 1024); // a busy connection: the next ones share a chunk
 * const a = slab.alloc(100);
 * const b = slab.alloc(100);
 * console.assert(a.length === 100 && a.buffer === b.buffer);
 * ```
 */
export class ByteSlab {
  #chunk: Uint8Array | undefined;
  #at = 0;
  /** Bytes handed out as arrays of their own since the last release. */
  #alone = 0;

  /** `length` fresh zero bytes, never handed out before. */
  alloc(length: number): Uint8Array {
    let chunk = this.#chunk;
    if (
      length > MAX_PIECE_BYTES ||
      (chunk === undefined && this.#alone < CHUNK_BYTES)
    ) {
      // a quiet connection (a handshake, a text now and then) makes no
      // chunk: it would hold one while idle
      if (chunk === undefined) this.#alone += length;
      return new Uint8Array(length);
    }
    if (chunk === undefined || this.#at + length > CHUNK_BYTES) {
      chunk = this.#chunk = new Uint8Array(CHUNK_BYTES);
      this.#at = 0;
    }
    const at = this.#at;
    this.#at = at + length;
    return chunk.subarray(at, at + length);
  }

  /**
   * Lets go of the current chunk (its pieces keep it while they live): a
   * quiet connection holds no chunk.
   */
  release(): void {
    this.#chunk = undefined;
    this.#alone = 0;
  }
}
