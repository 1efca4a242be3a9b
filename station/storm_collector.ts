/**
 * One full garbage collection after a handshake storm, on the station's own
 * signal instead of V8's memory reducer's timer. A reconnect storm leaves
 * tens of MB of garbage and a grown young generation behind; V8 gives them
 * back only with a full GC, which its memory reducer starts ~8 s after an
 * ordinary mark-compact — one that may not come for minutes on a station
 * whose sessions sit idle. So the station's resident memory with the same
 * idle sessions differed by ~10 KiB per session between runs.
 *
 * The collector looks once a second. A second with at least
 * {@link STORM_HANDSHAKES_PER_S} handshakes is a storm (a trickle of logins
 * is not); it is over once `quietMs` passed without such a second and
 * without more than {@link QUIET_MESSAGES_PER_S} messages a second. Then,
 * if V8's committed heap is at least `minGrowthBytes` above its lowest since
 * the last collection, it collects once (the main thread pauses for two
 * mark-compacts of the whole heap — Deno's `gc()` is V8's low-memory
 * notification: ~0.5–1.1 s with 10,000 sessions on a 2-core machine).
 *
 * @module
 */
import { getHeapStatistics } from "node:v8";
import { collectGarbage } from "./collect_garbage.ts";

/**
 * Handshakes in one second that make a storm.
 *
 * @example
 * ```ts
 * STORM_HANDSHAKES_PER_S; // 10
 * ```
 */
export const STORM_HANDSHAKES_PER_S = 10;

/**
 * Most messages a second the station may have received over the quiet
 * window for a collection to run (a busy station's own GCs release the
 * garbage, and its texts should not wait for a pause).
 *
 * @example
 * ```ts
 * QUIET_MESSAGES_PER_S; // 100
 * ```
 */
export const QUIET_MESSAGES_PER_S = 100;

/**
 * How long handshakes must have stopped before a collection by default (ms).
 *
 * @example
 * ```ts
 * DEFAULT_STORM_QUIET_MS; // 5000
 * ```
 */
export const DEFAULT_STORM_QUIET_MS = 5_000;

/**
 * How much V8's committed heap must have grown by default (bytes).
 *
 * @example
 * ```ts
 * DEFAULT_STORM_GROWTH_BYTES; // 32 MiB
 * ```
 */
export const DEFAULT_STORM_GROWTH_BYTES = 32 * 1024 * 1024;

/** When a {@link StormCollector} collects, and what it reads. */
export interface StormCollectorOptions {
  /** A storm must have been over this long (ms; 0: never collect). */
  readonly quietMs: number;
  /** V8's committed heap must be this far above its lowest (bytes). */
  readonly minGrowthBytes: number;
  /** Handshakes so far (any result). */
  readonly handshakes: () => number;
  /** Messages received so far. */
  readonly messages: () => number;
  /** Told each collection's pause (ms) and the committed heap before and after. */
  readonly collected?: (pauseMs: number, before: number, after: number) => void;
  /** How often to look (ms; default 1000). */
  readonly intervalMs?: number;
}

/**
 * Runs one full GC after each burst of handshakes that grew the heap, once
 * it is over; {@link StormCollector.stop} ends it.
 *
 * @example
 * ```ts
 * import { StormCollector } from "./storm_collector.ts";
 * let handshakes = 0;
 * const collector = new StormCollector({
 *   quietMs: 5_000,
 *   minGrowthBytes: 32 * 1024 * 1024,
 *   handshakes: () => handshakes,
 *   messages: () => 0,
 * });
 * handshakes++; // a storm…
 * collector.stop();
 * ```
 */
export class StormCollector {
  readonly #options: StormCollectorOptions;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #handshakes: number;
  #messages: number;
  #lastBusy = performance.now();
  #stormed = false;
  #lowest = _committedHeap();

  /** Starts looking (nothing when `quietMs` is 0). */
  constructor(options: StormCollectorOptions) {
    this.#options = options;
    this.#handshakes = options.handshakes();
    this.#messages = options.messages();
    if (options.quietMs <= 0) return;
    const interval = options.intervalMs ?? 1000;
    const timer = setInterval(() => this.#look(interval), interval);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Stops looking. */
  stop(): void {
    clearInterval(this.#timer);
  }

  #look(interval: number): void {
    const o = this.#options;
    const now = performance.now();
    const handshakes = o.handshakes();
    const messages = o.messages();
    const storm = handshakes - this.#handshakes >=
      (STORM_HANDSHAKES_PER_S * interval) / 1000;
    const busy = messages - this.#messages >
      (QUIET_MESSAGES_PER_S * interval) / 1000;
    if (storm) this.#stormed = true;
    if (storm || busy) this.#lastBusy = now;
    this.#handshakes = handshakes;
    this.#messages = messages;
    const heap = _committedHeap();
    if (heap < this.#lowest) this.#lowest = heap;
    if (!this.#stormed || now - this.#lastBusy < o.quietMs) return;
    this.#stormed = false;
    if (heap - this.#lowest < o.minGrowthBytes) return;
    const start = performance.now();
    if (!collectGarbage()) return this.stop();
    const pauseMs = performance.now() - start;
    this.#lowest = _committedHeap();
    o.collected?.(pauseMs, heap, this.#lowest);
  }
}

function _committedHeap(): number {
  return getHeapStatistics().total_heap_size;
}
