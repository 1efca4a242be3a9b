/**
 * The one bounded map of the project: a `Map` that keeps at most a given
 * number of entries and forgets the oldest first. Every cache and recency
 * list (parsed IDs, imported keys, message keys, traces, seen messages, …)
 * is one of these.
 *
 * @module
 */

/**
 * A `Map` of at most `max` entries in insertion order: {@link BoundedMap.set}
 * makes its key the newest and drops the oldest entries beyond the bound;
 * {@link BoundedMap.touch} reads an entry and makes it the newest unless it
 * is among the newest quarter already (a least recently used cache, up to
 * that quarter: see {@link BoundedMap.touch}).
 *
 * @example
 * ```ts
 * import { BoundedMap } from "./bounded_map.ts";
 * const seen = new BoundedMap<string, number>(2);
 * seen.set("a", 1).set("b", 2).set("c", 3);
 * console.assert(!seen.has("a") && seen.size === 2);
 * seen.touch("b"); // "b" is now the newest
 * seen.set("d", 4);
 * console.assert(seen.has("b") && !seen.has("c"));
 * ```
 */
export class BoundedMap<K, V> extends Map<K, V> {
  /** The most entries kept. */
  readonly max: number;
  /**
   * The keys, oldest first, kept from one eviction to the next: a new
   * iterator would walk again over every slot its predecessors emptied
   * (V8 compacts a map's table only now and then), ~24 µs per `set` at
   * 65,536 entries instead of ~0.4.
   */
  #oldest: MapIterator<K> | undefined;
  /**
   * A touch moves no key placed (set, or moved by a touch) fewer than this
   * many placements ago: a quarter of `max`, at least 1 (the newest).
   */
  readonly #window: number;
  /** Placements so far (while {@link BoundedMap.#placed} is kept). */
  #clock = 0;
  /**
   * When each key was last placed, by {@link BoundedMap.#clock}; made at
   * the first touch (a map only set and read keeps none): a key set before
   * it has none and counts as old (its first touch moves it). V8's `Map` pays for a delete and a set of the same
   * key (what moving it takes) with a longer search for that key until its
   * table is rebuilt: ~8 µs a touch of three keys in turn at 10,000
   * entries, ~25 µs of one key, against ~0.1 µs for a lookup here.
   */
  #placed: Map<K, number> | undefined;

  /** An empty map keeping at most `max` (at least 1) entries. */
  constructor(max: number) {
    super();
    this.max = Math.max(1, max);
    this.#window = Math.max(1, this.max >> 2);
  }

  /** Sets `key` as the newest entry and forgets the oldest beyond the bound. */
  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    this.#placed?.set(key, ++this.#clock);
    while (this.size > this.max) this.#forgetOldest();
    return this;
  }

  /**
   * The value of `key`, which becomes the newest entry when present —
   * unless fewer than a quarter of `max` keys were placed after it since it
   * was set or moved (then it stays where it is, among the newest quarter):
   * a touched entry is forgotten only after at least three quarters of
   * `max` new keys (all of them in a map of up to 7), and the bound and
   * the order of forgetting (oldest placed first) are as before.
   */
  touch(key: K): V | undefined {
    const placed = this.#placed ??= new Map();
    const value = this.get(key);
    if (value === undefined) return value;
    const at = placed.get(key);
    if (at !== undefined && this.#clock - at < this.#window) return value;
    super.delete(key);
    super.set(key, value);
    placed.set(key, ++this.#clock);
    return value;
  }

  /** Forgets `key`; true when it was there. */
  override delete(key: K): boolean {
    this.#placed?.delete(key);
    return super.delete(key);
  }

  /** Forgets every entry. */
  override clear(): void {
    this.#placed?.clear();
    super.clear();
  }

  #forgetOldest(): void {
    // a live iterator sees the entries set after it was made and skips the
    // deleted ones; it is done only once it passed every entry
    let next = this.#oldest?.next();
    if (next === undefined || next.done) {
      this.#oldest = super.keys();
      next = this.#oldest.next();
    }
    this.#placed?.delete(next.value as K);
    super.delete(next.value as K);
  }
}
