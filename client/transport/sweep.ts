/**
 * One timer for every client connection of a process that is checked at the
 * same interval (timeouts, resends, heartbeats), instead of a timer per
 * connection: a load generator with thousands of connections paid ~10 µs per
 * connection and second for the timers alone (the timer list, the callback,
 * its `Timeout`), and ~16 µs to make each connection's. With many
 * connections the sweep ticks them a slice at a time (each still about
 * once per interval), as a station's listener does, so that no single turn
 * of the event loop ticks them all.
 *
 * @module
 */

/** What a sweep ticks: checks its timers at `now` (`Date.now()`). */
export interface Tickable {
  tick(now: number): void;
}

/** Slices per interval at most. */
const MAX_SLICES = 10;
/** Targets a slice ticks before the sweep slices the interval further. */
const PER_SLICE = 100;

/** The targets of one interval and their timer (while there are any). */
class _Sweep {
  readonly #interval: number;
  readonly #targets = new Set<Tickable>();
  #cursor: Iterator<Tickable> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(interval: number) {
    this.#interval = interval;
  }

  add(target: Tickable): void {
    this.#targets.add(target);
    this.#timer ??= this.#schedule();
  }

  delete(target: Tickable): void {
    this.#targets.delete(target);
    if (this.#targets.size > 0 || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cursor = undefined;
  }

  #slices(): number {
    return Math.min(MAX_SLICES, Math.ceil(this.#targets.size / PER_SLICE));
  }

  #schedule(): ReturnType<typeof setTimeout> {
    return setTimeout(
      () => this.#slice(),
      this.#interval / Math.max(1, this.#slices()),
    );
  }

  /** Ticks the next slice of the targets, then waits for the next one. */
  #slice(): void {
    const now = Date.now();
    const targets = this.#targets;
    for (
      let left = Math.ceil(targets.size / this.#slices());
      left > 0;
      left--
    ) {
      let next = this.#cursor?.next();
      if (next === undefined || next.done) {
        this.#cursor = targets.values();
        next = this.#cursor.next();
        if (next.done) break;
      }
      try {
        next.value.tick(now);
      } catch (error) {
        reportError(error);
      }
    }
    this.#timer = targets.size > 0 ? this.#schedule() : undefined;
  }
}

const sweeps = new Map<number, _Sweep>();

/**
 * Ticks `target` about every `interval` ms, with every other target of the
 * same interval, from one timer; returns the function that stops it (call
 * it once the target is closed: the timer ends with the last target).
 *
 * @example
 * ```ts
 * import { sweepEvery } from "./sweep.ts";
 * const ticks: number[] = [];
 * const stop = sweepEvery(10, { tick: (now) => ticks.push(now) });
 * await new Promise((resolve) => setTimeout(resolve, 35));
 * stop();
 * console.assert(ticks.length >= 2);
 * ```
 */
export function sweepEvery(interval: number, target: Tickable): () => void {
  let sweep = sweeps.get(interval);
  if (sweep === undefined) {
    sweep = new _Sweep(interval);
    sweeps.set(interval, sweep);
  }
  sweep.add(target);
  const owner = sweep;
  return () => owner.delete(target);
}
