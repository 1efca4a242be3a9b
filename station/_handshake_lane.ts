/**
 * Where the payloads of sessions not bound yet (handshakes) wait their
 * turn, so that a reconnect storm does not hold up routing. A handshake
 * payload costs the main thread ~2 ms (signature checks, the RSA-sealed
 * key, a new user's meta and visa stored, the reply packed); without the
 * lane every one that arrived in a turn of the event loop was processed
 * back to back and a routed text read in that turn waited behind all of
 * them. In the lane at most `width` are under way at once, and once a
 * turn spent {@link SLICE_MS} on them the next one starts on a later turn
 * ({@link LoopYield}: behind the socket reads that were ready), after the
 * reads completed meanwhile — routed texts — were handled and the writes
 * they queued (their forwards) were made. In Deno a turn runs its due
 * timers first, then the reads it collected (and the microtasks they
 * start), then its immediates (the transport's writes): the yield only
 * schedules an immediate that schedules the next slice, so that it runs
 * after both. Until issue 18's ninth round the yield was a timer, which in
 * Deno comes back after ~2.2 ms even when nothing else is due: in a storm
 * the lane then waited about a third of the time.
 *
 * Measured with `dim bench --sessions 1000` on 2 CPUs (the bench niced, an
 * interval timer in the station for its event-loop lag): lag p99 9 ms
 * against 11–13 ms without the lane, a probe text's p99 13–15 ms against
 * 20–21 ms, for ~0.3 ms more station CPU per handshake. Going on from the
 * timer's own callback (until issue 18's sixth round) ran the next slice
 * before the reads of that turn: a probe text's time from its write to the
 * station's read, p90, 10–11 ms of the station's main thread running
 * against 5–7 ms now (docs/performance/sessions.md, "Sixth round").
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { LoopYield } from "./_loop_yield.ts";

/**
 * Milliseconds of lane work one turn of the event loop takes before the
 * lane yields. 1 since issue 18's ninth round (c): with the socket-pair
 * yield, 1 ms slices (one or two handshake pieces each) lowered a text's
 * p50 during a 1,000-session storm from ~4.6 to ~3.1 ms and its p90 from
 * ~9.8 to ~7.5 ms for no fewer handshakes a second and ~6 % more station
 * CPU per handshake; with the timer yield they had cost 2–18 % of the
 * handshakes (docs/performance/sessions.md).
 *
 * @example
 * ```ts
 * SLICE_MS; // 1
 * ```
 */
export const SLICE_MS = 1;

/**
 * A bounded lane for handshake work.
 *
 * @example
 * ```ts
 * const lane = new HandshakeLane(2);
 * await lane.run(() => Promise.resolve("processed")); // "processed"
 * ```
 */
export class HandshakeLane {
  readonly #width: number;
  readonly #waiting: (() => void)[] = [];
  readonly #loop = new LoopYield();
  #running = 0;
  #sliceStart = 0;
  #yielding = false;

  /** At most `width` (≥ 1) pieces of work under way at once. */
  constructor(width: number) {
    this.#width = Math.max(1, width);
  }

  /** Whether work is under way or waiting (handshakes queue). */
  get busy(): boolean {
    return this.#running > 0 || this.#waiting.length > 0;
  }

  /** Whether the lane yields through its loopback pair (else a timer). */
  get paired(): boolean {
    return this.#loop.paired;
  }

  /** Pieces of work waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` when its turn comes; its result. An idle lane does not
   * start it at once either (in the read that brought it): it starts behind
   * the other reads of this turn and the writes they queue.
   */
  async run<T>(work: () => T | Promise<T>): Promise<T> {
    const turn = new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#running < this.#width && !this.#yielding) this.#startSoon();
    await turn;
    try {
      return await work();
    } finally {
      this.#done();
    }
  }

  /** A piece ended: the next one now, or after a yield once the slice is spent. */
  #done(): void {
    if (this.#waiting.length === 0) {
      this.#running--;
      return;
    }
    if (performance.now() - this.#sliceStart < SLICE_MS) {
      this.#waiting.shift()!(); // the slot passes on in this turn
      return;
    }
    this.#running--;
    if (this.#yielding) return;
    this.#yielding = true;
    // the yield comes back behind the reads its poll of the sockets
    // collected, and the immediates scheduled from it before the writes
    // those reads queue: the lane goes on from an immediate scheduled by an
    // immediate, behind both
    this.#loop.wait().then(() =>
      setImmediate(() => setImmediate(() => this.#resume()))
    );
  }

  /**
   * An idle lane's next slice: from an immediate scheduled by an immediate,
   * i.e. behind the reads of this turn's poll of the sockets (a routed
   * text's among them) and the writes they queued for the turn's end (its
   * forward), where a piece started in its own read ran before both.
   */
  #startSoon(): void {
    this.#yielding = true;
    setImmediate(() => setImmediate(() => this.#resume()));
  }

  /** Closes what the lane's yields use (they wait for a timer after). */
  close(): Promise<void> {
    return this.#loop.close();
  }

  /** After a yield: a new slice, up to `width` pieces. */
  #resume(): void {
    this.#yielding = false;
    this.#sliceStart = performance.now();
    while (this.#running < this.#width && this.#waiting.length > 0) {
      this.#running++;
      this.#waiting.shift()!();
    }
  }
}
