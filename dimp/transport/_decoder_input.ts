/**
 * The input of the MTP and Mars stream decoders: the bytes received, and
 * the junk skipped before a header, counted against a limit.
 *
 * @module
 */
import { ByteQueue } from "./_byte_queue.ts";
import type { ByteSlab } from "./byte_slab.ts";
import { FramingError } from "./errors.ts";

/**
 * Buffered bytes of a stream decoder; skipping more than `maxJunk` bytes
 * in a row without a package is a `junk` {@link FramingError}.
 *
 * @example
 * ```ts
 * import { DecoderInput } from "./_decoder_input.ts";
 * const input = new DecoderInput("an MTP header", 2);
 * input.push(new Uint8Array([1, 2, 3]));
 * input.skip(2); // 1 byte left; a third skipped byte would throw
 * ```
 */
export class DecoderInput {
  readonly #queue = new ByteQueue();
  readonly #header: string;
  readonly #maxJunk: number;
  #junk = 0;

  /** `header` names what junk lacks in the error ("an MTP header"). */
  constructor(header: string, maxJunk = 65536) {
    this.#header = header;
    this.#maxJunk = maxJunk;
  }

  /** Bytes buffered. */
  get length(): number {
    return this.#queue.length;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    this.#queue.push(chunk);
  }

  /** Appends received bytes read in place until {@link DecoderInput.own}. */
  lend(chunk: Uint8Array): void {
    this.#queue.lend(chunk);
  }

  /**
   * Keeps a copy of what is left of lent bytes, with room for `expected`
   * bytes in all (see {@link ByteQueue.own}).
   */
  own(expected = 0): void {
    this.#queue.own(expected);
  }

  /** The buffered bytes (valid until the next push or consume). */
  view(): Uint8Array {
    return this.#queue.view();
  }

  /** The buffered byte at `index` (0 = oldest). */
  at(index: number): number {
    return this.#queue.at(index);
  }

  /** The big-endian unsigned 32-bit integer at `index`. */
  u32(index: number): number {
    const queue = this.#queue;
    return (queue.at(index) * 0x1000000) +
      ((queue.at(index + 1) << 16) | (queue.at(index + 2) << 8) |
        queue.at(index + 3));
  }

  /**
   * A copy of a package of `count` bytes (from `slab` when given),
   * consumed: the junk run ends.
   */
  take(count: number, slab?: ByteSlab): Uint8Array {
    this.#junk = 0;
    return this.#queue.take(count, slab);
  }

  /**
   * A view of a package of `count` bytes, consumed: the junk run ends. Valid
   * until the next push (see {@link ByteQueue.takeView}).
   */
  takeView(count: number): Uint8Array {
    this.#junk = 0;
    return this.#queue.takeView(count);
  }

  /** Consumes a package of `count` bytes: the junk run ends. */
  consume(count: number): void {
    this.#queue.consume(count);
    this.#junk = 0;
  }

  /**
   * Skips `count` bytes that start no package.
   *
   * @throws {FramingError} `junk` beyond the limit
   */
  skip(count: number): void {
    this.#queue.consume(count);
    this.#junk += count;
    if (this.#junk > this.#maxJunk) {
      throw new FramingError(
        "junk",
        `${this.#junk} bytes without ${this.#header}`,
      );
    }
  }
}
