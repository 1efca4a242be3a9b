/**
 * The clock of `dim bench --rate`: a thread of its own
 * (`_ticker_worker.ts`) sleeps until the time the bench asks for and then
 * wakes the bench's thread, a fraction of a millisecond after it. A
 * `setTimeout` on the bench's thread cannot: it waits whole milliseconds
 * and fires ~1.6 ms after a slot due in 0.5 ms — lateness the paced
 * texts' latency counts (from their planned send) and a population of
 * clients on machines of their own would not add.
 *
 * @module
 */

/** What the bench asks of the ticker thread. */
export type TickerRequest =
  /** The shared word the thread sleeps on; not 0 once the ticker stopped. */
  | { readonly init: SharedArrayBuffer }
  /** A wake at this time (`performance.timeOrigin + performance.now()`). */
  | { readonly at: number };

/**
 * Wakes its owner at the times it asks for, one wake outstanding at a time,
 * without a busy wait (the thread sleeps in `Atomics.wait`).
 *
 * @example
 * ```ts ignore
 * const ticker = await Ticker.start();
 * ticker.wakeAt(performance.now() + 0.5, () => console.log("due"));
 * // … and once the run is over:
 * ticker.stop();
 * ```
 */
export class Ticker {
  readonly #worker: Worker;
  readonly #stopped = new Int32Array(new SharedArrayBuffer(4));
  #wake: (() => void) | undefined;

  private constructor() {
    this.#worker = new Worker(
      new URL("./_ticker_worker.ts", import.meta.url).href,
      { type: "module" },
    );
  }

  /** Starts the thread; resolves once it listens. */
  static async start(): Promise<Ticker> {
    const ticker = new Ticker();
    const { promise, resolve } = Promise.withResolvers<void>();
    ticker.#worker.onmessage = () => resolve();
    ticker.#worker.postMessage(
      { init: ticker.#stopped.buffer } satisfies TickerRequest,
    );
    await promise;
    ticker.#worker.onmessage = () => {
      const wake = ticker.#wake;
      ticker.#wake = undefined;
      wake?.();
    };
    return ticker;
  }

  /** A wake is asked for and has not come yet. */
  get armed(): boolean {
    return this.#wake !== undefined;
  }

  /**
   * Calls `wake` once `due` (`performance.now()`) has come. A second call
   * before the first wake came changes only the callback: the first time
   * asked for stands.
   */
  wakeAt(due: number, wake: () => void): void {
    if (Atomics.load(this.#stopped, 0) !== 0) return;
    const armed = this.#wake !== undefined;
    this.#wake = wake;
    if (armed) return;
    this.#worker.postMessage(
      { at: performance.timeOrigin + due } satisfies TickerRequest,
    );
  }

  /** Drops the outstanding wake and ends the thread (again: nothing). */
  stop(): void {
    this.#wake = undefined;
    if (Atomics.exchange(this.#stopped, 0, 1) !== 0) return;
    Atomics.notify(this.#stopped, 0);
    this.#worker.terminate();
  }
}
