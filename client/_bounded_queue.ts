/**
 * A bounded first-in first-out queue between one producer that may wait
 * for room and one consumer that waits for items.
 *
 * @module
 */

/** A bounded async queue; {@link BoundedQueue.close} ends the consumer's loop. */
export class BoundedQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #head = 0;
  #closed = false;
  #taker: ((item: IteratorResult<T>) => void) | undefined;
  #room: (() => void)[] = [];

  /** A queue holding at most `capacity` items. */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Whether {@link BoundedQueue.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds an item, waiting while the queue is full; `false` when the queue
   * is (or gets) closed and the item was dropped.
   */
  async push(item: T): Promise<boolean> {
    while (!this.#closed && this.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#room.push(resolve));
    }
    if (this.#closed) return false;
    const taker = this.#taker;
    if (taker !== undefined) {
      this.#taker = undefined;
      taker({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
    return true;
  }

  /** The next item; `done` once closed and drained. */
  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const item = this.#items[this.#head++];
      if (this.#head > 64 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      this.#room.shift()?.();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#taker = resolve;
    });
  }

  /** Ends the queue: waiting producers give up, the consumer drains then stops. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of this.#room) wake();
    this.#room = [];
    const taker = this.#taker;
    this.#taker = undefined;
    taker?.({ value: undefined, done: true });
  }

  /** Iterates until closed and drained. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const { value, done } = await this.next();
      if (done) return;
      yield value;
    }
  }
}
