/**
 * A growable FIFO of bytes for the incremental decoders: appends are amortised
 * O(1) (capacity doubles), so a peer that trickles a frame one byte at a time
 * costs linear, not quadratic, copying.
 *
 * @module
 */
import type { ByteSlab } from "./byte_slab.ts";

const EMPTY = new Uint8Array(0);
/**
 * Storage up to this size is kept when the queue empties (no allocation per
 * small frame); larger storage goes, so that an idle connection's decoder
 * holds no buffer sized for the largest frame it once received.
 */
const KEEP_CAPACITY = 512;

/** Bytes received and not yet consumed by a decoder. */
export class ByteQueue {
  #data: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  /** `#data` is the caller's chunk (see {@link ByteQueue.lend}). */
  #lent = false;

  /** How many bytes are buffered. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** The same as `length` (so that a queue is a byte sink like a decoder). */
  get bufferedBytes(): number {
    return this.length;
  }

  /** Appends a copy of `chunk`. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#lent) this.own();
    if (this.#end + chunk.length > this.#data.length) {
      this.#makeRoom(chunk.length);
    }
    this.#data.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Appends `chunk` without a copy when nothing is buffered (else as
   * {@link ByteQueue.push}): its bytes are read in place until
   * {@link ByteQueue.own}, which the caller must call before it changes or
   * reuses them (a decoder: before it returns for more input).
   */
  lend(chunk: Uint8Array): void {
    if (this.length > 0 || chunk.length === 0) return this.push(chunk);
    this.#data = chunk;
    this.#start = 0;
    this.#end = chunk.length;
    this.#lent = true;
  }

  /**
   * Copies what is left of a lent chunk into storage of its own, with room
   * for `expected` bytes in all when the caller knows how long the package
   * it holds the start of is (at most twice what is left: a peer that
   * announces a large package and stops makes us hold little): the rest of
   * the package then needs no second allocation.
   */
  own(expected = 0): void {
    if (!this.#lent) return;
    this.#lent = false;
    const rest = this.#data.subarray(this.#start, this.#end);
    this.#data = EMPTY;
    this.#start = 0;
    this.#end = 0;
    if (rest.length === 0) return;
    const room = Math.min(expected, 2 * rest.length);
    if (room > rest.length) this.#data = new Uint8Array(Math.max(256, room));
    this.push(rest);
  }

  /** A view of the buffered bytes (valid until the next push or consume). */
  view(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  /** The buffered byte at `index` (0 = oldest). */
  at(index: number): number {
    return this.#data[this.#start + index];
  }

  /** Drops the oldest `count` bytes. */
  consume(count: number): void {
    this.#start += count;
    if (this.#start >= this.#end) this.clear();
  }

  /**
   * A copy of the oldest `count` bytes, which are consumed (into an array
   * from `slab` when given).
   */
  take(count: number, slab?: ByteSlab): Uint8Array {
    const start = this.#start;
    let out: Uint8Array;
    if (slab === undefined) {
      out = this.#data.slice(start, start + count);
    } else {
      out = slab.alloc(count);
      out.set(this.#data.subarray(start, start + count));
    }
    this.consume(count);
    return out;
  }

  /**
   * A view of the oldest `count` bytes, which are consumed: no copy, valid
   * until the next push (lent bytes: until the caller reuses them).
   */
  takeView(count: number): Uint8Array {
    const start = this.#start;
    const out = this.#data.subarray(start, start + count);
    this.consume(count);
    return out;
  }

  /** Drops everything; storage over 512 bytes is released, smaller is kept for reuse. */
  clear(): void {
    if (this.#lent || this.#data.length > KEEP_CAPACITY) this.#data = EMPTY;
    this.#lent = false;
    this.#start = 0;
    this.#end = 0;
  }

  #makeRoom(extra: number): void {
    const length = this.length;
    const needed = length + extra;
    if (needed <= this.#data.length && this.#start >= this.#data.length / 2) {
      this.#data.copyWithin(0, this.#start, this.#end);
    } else {
      let capacity = Math.max(256, this.#data.length);
      while (capacity < needed) capacity *= 2;
      const data = new Uint8Array(capacity);
      data.set(this.#data.subarray(this.#start, this.#end));
      this.#data = data;
    }
    this.#start = 0;
    this.#end = length;
  }
}
