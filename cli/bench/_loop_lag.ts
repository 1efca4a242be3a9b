/**
 * The bench's own event-loop lag (private to `cli/bench`): how late a
 * short interval timer fires. A late bench reads and writes late, which a
 * text's latency would otherwise blame on the station.
 *
 * @module
 */

/** How often the probe's timer is due (ms). */
const PERIOD_MS = 10;

/**
 * Samples how late a {@link PERIOD_MS} interval timer fires, from
 * {@link LoopLag.start} to {@link LoopLag.stop}.
 *
 * @example
 * ```ts
 * import { LoopLag } from "./_loop_lag.ts";
 * const lag = new LoopLag();
 * lag.start();
 * await new Promise((resolve) => setTimeout(resolve, 50));
 * const late = lag.stop(); // ms, one value per firing
 * console.assert(late.length >= 1);
 * ```
 */
export class LoopLag {
  #lags: number[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts sampling (again, from no samples). */
  start(): void {
    this.stop();
    this.#lags = [];
    let due = performance.now() + PERIOD_MS;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lags.push(Math.max(0, now - due));
      due = now + PERIOD_MS;
    }, PERIOD_MS);
  }

  /** Stops sampling; the lags seen (ms). */
  stop(): Float64Array {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return Float64Array.from(this.#lags);
  }
}
