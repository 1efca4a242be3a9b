/**
 * The send slots of `dim bench --rate`.
 *
 * @module
 */
import type { Ticker } from "./_ticker.ts";

/** Who waits for a slot: marked while it waits. */
export interface PacedSender {
  waiting: boolean;
}

/**
 * Spreads `rate` sends per second over everyone who wants to send: a slot
 * is due every `1000 / rate` ms from the first; who finds none due waits,
 * and everyone waiting is woken (by the {@link Ticker}) when the next one
 * is.
 *
 * @example
 * ```ts ignore
 * const pacer = new Pacer(2000, await Ticker.start(), (peer) => pump(peer));
 * const planned = pacer.take(performance.now());
 * if (planned < 0) pacer.wait(peer); // pump(peer) again when a slot is due
 * pacer.stop();
 * ```
 */
export class Pacer<T extends PacedSender> {
  readonly #rate: number;
  readonly #ticker: Ticker;
  readonly #wake: (sender: T) => void;
  #start = 0;
  #taken = 0;
  #waiting: T[] = [];

  /** `rate` slots a second; `wake` is called for each sender woken. */
  constructor(rate: number, ticker: Ticker, wake: (sender: T) => void) {
    this.#rate = rate;
    this.#ticker = ticker;
    this.#wake = wake;
  }

  /**
   * Takes a send slot, if one is due by `now`: the time it was planned for
   * (the first slot's time plus its share of the rate), or -1.
   */
  take(now: number): number {
    if (this.#start === 0) this.#start = now;
    if (
      this.#taken < Math.floor(((now - this.#start) * this.#rate) / 1000) + 1
    ) {
      return this.#start + (this.#taken++ * 1000) / this.#rate;
    }
    return -1;
  }

  /** When the next slot is due (`performance.now()` time; 0 before the first). */
  get next(): number {
    return this.#start === 0
      ? 0
      : this.#start + (this.#taken * 1000) / this.#rate;
  }

  /** `sender` is woken when the next slot is due. */
  wait(sender: T): void {
    sender.waiting = true;
    this.#waiting.push(sender);
    if (this.#ticker.armed) return;
    this.#ticker.wakeAt(this.next, () => this.#wakeAll());
  }

  /** No more slots: the waiting are dropped, the ticker ends. */
  stop(): void {
    this.#ticker.stop();
    this.#waiting = [];
  }

  #wakeAll(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const sender of waiting) {
      sender.waiting = false;
      this.#wake(sender);
    }
  }
}
