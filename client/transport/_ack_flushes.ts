/**
 * The held-back acknowledgements of a station's connections, written by one
 * timer for all of them. A station acknowledges every received MTP message
 * with `OK`; a connection with nothing else to write holds its `OK`s back up
 * to `ackDelay` ms, so that they go out with its next push, receipt or each
 * other in one write — at 2,000 texts/s arriving one per turn, a write of its
 * own for each `OK` was ~0.9 of the ~1.8 `sendto` calls per text. One timer
 * for every waiting connection, not one each.
 *
 * @module
 */

/** A connection whose held-back acknowledgements are due. */
export interface AckFlushable {
  /** Starts writing what is queued (nothing if a write already started). */
  flushAcks(): void;
}

let waiting = new Set<AckFlushable>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** When the armed timer fires (`performance.now()` time). */
let timerDue = Infinity;

/** Flushes every waiting connection (the timer fired). */
function _flushAll(): void {
  const due = waiting;
  waiting = new Set();
  timer = undefined;
  timerDue = Infinity;
  for (const connection of due) connection.flushAcks();
}

/**
 * Has `connection` flushed within `delayMs` (at the latest then, maybe
 * sooner: all waiting connections are flushed together), unless it
 * {@link stopAckFlush}es first.
 *
 * @example
 * ```ts
 * import { flushAcksWithin } from "./_ack_flushes.ts";
 * const flushed = Promise.withResolvers<void>();
 * flushAcksWithin({ flushAcks: () => flushed.resolve() }, 1);
 * await flushed.promise;
 * ```
 */
export function flushAcksWithin(
  connection: AckFlushable,
  delayMs: number,
): void {
  waiting.add(connection);
  const due = performance.now() + delayMs;
  if (due >= timerDue) return;
  clearTimeout(timer);
  timerDue = due;
  timer = setTimeout(_flushAll, delayMs);
}

/**
 * `connection` no longer waits (it wrote or closed); the timer is cleared
 * when no one waits.
 *
 * @example
 * ```ts
 * import { flushAcksWithin, stopAckFlush } from "./_ack_flushes.ts";
 * const connection = { flushAcks: () => {} };
 * flushAcksWithin(connection, 5);
 * stopAckFlush(connection); // no timer left
 * ```
 */
export function stopAckFlush(connection: AckFlushable): void {
  if (!waiting.delete(connection) || waiting.size > 0) return;
  clearTimeout(timer);
  timer = undefined;
  timerDue = Infinity;
}
