/**
 * One `setImmediate` per turn of the event loop for everything that waits
 * for the turn's end: connections with something to write wait for it, so
 * that what the rest of the turn queues goes into the same write. A promise
 * and an immediate per waiter were ~0.8 KB of garbage per write: of the ~4.2
 * KB a station's connection allocated per heartbeat (~0.5 MB/s at 10,000
 * idle sessions), and ~5 % of the bench's main thread at 100 × 100.
 *
 * @module
 */
import { setImmediate } from "node:timers";

let turn: Promise<void> | undefined;
let afterFirst: Promise<void> | undefined;

/**
 * Resolves at the end of this turn of the event loop (its check phase); every
 * caller in one turn gets the same promise.
 *
 * @example
 * ```ts
 * import { endOfTurn } from "./end_of_turn.ts";
 * console.assert(endOfTurn() === endOfTurn());
 * await endOfTurn();
 * ```
 */
export function endOfTurn(): Promise<void> {
  return turn ??= new Promise((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    })
  );
}

/**
 * Called by a waiter of {@link endOfTurn} once it resolved: resolves after
 * every other waiter of that turn's end went on (each up to its first
 * await), so that this one goes last — a connection with only replies to
 * write, behind those that write messages sent to their peers.
 *
 * @example
 * ```ts
 * import { afterTurnFirsts, endOfTurn } from "./end_of_turn.ts";
 * const order: string[] = [];
 * const late = endOfTurn().then(afterTurnFirsts).then(() => order.push("late"));
 * const first = endOfTurn().then(() => order.push("first"));
 * await Promise.all([late, first]);
 * console.assert(order.join() === "first,late");
 * ```
 */
export function afterTurnFirsts(): Promise<void> {
  // queued behind the waiters the turn's end resolved: they were queued
  // when it resolved, before this one went on
  return afterFirst ??= new Promise((resolve) =>
    queueMicrotask(() => {
      afterFirst = undefined;
      resolve();
    })
  );
}
