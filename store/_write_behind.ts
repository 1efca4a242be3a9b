/**
 * Writing behind (private to `store/`): rows kept in memory go to the
 * database a little after the first of them, together with those kept
 * meanwhile, in commits of a bounded size, oldest first — for writes that
 * may be lost to a crash without harm (message keys, search index rows).
 *
 * @module
 */

/**
 * Rows waiting by key (keeping a key again replaces its row and keeps its
 * place); `write(rows)` gets at most `most` of them, oldest first,
 * `delayMs` after the first was kept, and again each `delayMs` while rows
 * are left. {@link WriteBehind.flush} writes them all at once. The timer
 * does not keep the process alive.
 *
 * @example
 * ```ts
 * import { WriteBehind } from "./_write_behind.ts";
 * const written: number[][] = [];
 * const queue = new WriteBehind<string, number>(50, 2, (rows) => {
 *   written.push(rows);
 * });
 * queue.keep("a", 1);
 * queue.keep("b", 2);
 * queue.keep("c", 3);
 * queue.flush();
 * console.assert(written.length === 1 && written[0].length === 3);
 * ```
 */
export class WriteBehind<K, V> {
  readonly #delayMs: number;
  readonly #most: number;
  readonly #write: (rows: V[]) => void;
  readonly #rows = new Map<K, V>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `write` gets at most `most` rows a commit, `delayMs` after the first. */
  constructor(delayMs: number, most: number, write: (rows: V[]) => void) {
    this.#delayMs = delayMs;
    this.#most = most;
    this.#write = write;
  }

  /** Rows kept and not written yet. */
  get size(): number {
    return this.#rows.size;
  }

  /** The row kept for `key` and not written yet. */
  get(key: K): V | undefined {
    return this.#rows.get(key);
  }

  /** The rows kept and not written yet, oldest first. */
  values(): IterableIterator<V> {
    return this.#rows.values();
  }

  /** Keeps `row` for `key`; a write follows within `delayMs`. */
  keep(key: K, row: V): void {
    this.#rows.set(key, row);
    this.#schedule();
  }

  /** Drops the row kept for `key`, if any. */
  delete(key: K): void {
    this.#rows.delete(key);
  }

  /** Writes every row kept, now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#take(Infinity);
  }

  /** Hands the oldest `most` rows to `write`, no longer kept. */
  #take(most: number): void {
    if (this.#rows.size === 0) return;
    const rows: V[] = [];
    for (const [key, row] of this.#rows) {
      if (rows.length >= most) break;
      rows.push(row);
      this.#rows.delete(key);
    }
    this.#write(rows);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#take(this.#most);
      if (this.#rows.size > 0) this.#schedule();
    }, this.#delayMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }
}
