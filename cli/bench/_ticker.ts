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
import { BenchError } from "./bench_error.ts";

/**
 * The words the bench and the ticker thread share (a `SharedArrayBuffer`
 * of {@link TICKER_BYTES}): as `Int32Array` the asks so far (index
 * {@link ASKS}, what the thread sleeps on) and not 0 once stopped (index
 * {@link STOPPED}); as `Float64Array` the last ask's time (index
 * {@link DUE}, `performance.timeOrigin + performance.now()`).
 */
export const TICKER_BYTES = 16;
/** Int32 index: the asks so far. */
export const ASKS = 0;
/** Int32 index: not 0 once the ticker stopped. */
export const STOPPED = 1;
/** Float64 index: the last ask's time. */
export const DUE = 1;

/**
 * Wakes its owner at the times it asks for, one wake outstanding at a time,
 * without a busy wait: the thread sleeps in `Atomics.wait` between and until
 * the asks, which cost the bench's thread a store and a notify (no message);
 * each wake is one message back.
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
  readonly #shared = new SharedArrayBuffer(TICKER_BYTES);
  readonly #words = new Int32Array(this.#shared);
  readonly #due = new Float64Array(this.#shared);
  #wake: (() => void) | undefined;

  private constructor() {
    this.#worker = new Worker(
      new URL("./_ticker_worker.ts", import.meta.url).href,
      { type: "module" },
    );
  }

  /** Starts the thread; resolves once it listens ({@link BenchError} if it cannot start). */
  static async start(): Promise<Ticker> {
    const ticker = new Ticker();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    ticker.#worker.onmessage = () => resolve();
    ticker.#worker.onerror = (event) => {
      event.preventDefault();
      reject(new BenchError(`ticker thread: ${event.message}`));
    };
    ticker.#worker.postMessage(ticker.#shared);
    try {
      await promise;
    } catch (error) {
      ticker.#worker.terminate();
      throw error;
    }
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
    if (Atomics.load(this.#words, STOPPED) !== 0) return;
    const armed = this.#wake !== undefined;
    this.#wake = wake;
    if (armed) return;
    this.#due[DUE] = performance.timeOrigin + due;
    Atomics.add(this.#words, ASKS, 1);
    Atomics.notify(this.#words, ASKS);
  }

  /** Drops the outstanding wake and ends the thread (again: nothing). */
  stop(): void {
    this.#wake = undefined;
    if (Atomics.exchange(this.#words, STOPPED, 1) !== 0) return;
    Atomics.add(this.#words, ASKS, 1);
    Atomics.notify(this.#words, ASKS);
    this.#worker.terminate();
  }
}
