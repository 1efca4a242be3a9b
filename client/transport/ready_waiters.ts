/**
 * The callers of a connection's `ready()`: they wait while its outbound
 * queue is over half full and are woken together once it has room.
 *
 * @module
 */

/**
 * Promises handed to `ready()` callers, resolved together by
 * {@link ReadyWaiters.wake}.
 *
 * @example
 * ```ts
 * import { ReadyWaiters } from "./ready_waiters.ts";
 * const waiters = new ReadyWaiters();
 * let room = false;
 * const ready = waiters.ready(() => room); // no room: waits
 * room = true;
 * waiters.wake(() => room); // resolves `ready`
 * await ready;
 * ```
 */
export class ReadyWaiters {
  #waiting: (() => void)[] = [];

  /** Resolves at once when `hasRoom()`, else at the first {@link ReadyWaiters.wake} with room. */
  ready(hasRoom: () => boolean): Promise<void> {
    if (hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Wakes every waiter when `hasRoom()` (checked only when someone waits). */
  wake(hasRoom: () => boolean): void {
    if (this.#waiting.length === 0 || !hasRoom()) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
