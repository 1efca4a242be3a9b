/**
 * Writing behind (private to `store/`): rows kept in memory go to the
 * database a little after the first of them, together with those kept
 * meanwhile, in commits of a bounded size — for writes that may be lost to
 * a crash without harm (message keys, search index rows).
 *
 * @module
 */

/**
 * Calls `write(most)` `delayMs` after {@link WriteBehind.schedule}, again
 * each `delayMs` while it returns `true` (more is pending);
 * {@link WriteBehind.flush} calls `write(Infinity)` at once. The timer does
 * not keep the process alive.
 *
 * @example
 * ```ts
 * import { WriteBehind } from "./_write_behind.ts";
 * const pending = [1, 2, 3];
 * const writer = new WriteBehind(50, 2, (most) => {
 *   pending.splice(0, most); // one commit of at most `most` rows
 *   return pending.length > 0;
 * });
 * writer.schedule();
 * writer.flush();
 * console.assert(pending.length === 0);
 * ```
 */
export class WriteBehind {
  readonly #delayMs: number;
  readonly #most: number;
  readonly #write: (most: number) => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `write` gets at most `most` rows a commit, `delayMs` after the first. */
  constructor(
    delayMs: number,
    most: number,
    write: (most: number) => boolean,
  ) {
    this.#delayMs = delayMs;
    this.#most = most;
    this.#write = write;
  }

  /** A write `delayMs` from now, unless one is due already. */
  schedule(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#write(this.#most)) this.schedule();
    }, this.#delayMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Writes everything now; the write that was due is not made. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write(Infinity);
  }
}
