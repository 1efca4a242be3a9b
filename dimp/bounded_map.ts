/**
 * The one bounded map of the project: a `Map` that keeps at most a given
 * number of entries and forgets the oldest first. Every cache and recency
 * list (parsed IDs, imported keys, message keys, traces, seen messages, …)
 * is one of these.
 *
 * @module
 */

/** {@link BoundedMap}'s newest key when it is not known. */
const _UNKNOWN: unique symbol = Symbol("unknown");

/**
 * A `Map` of at most `max` entries in insertion order: {@link BoundedMap.set}
 * makes its key the newest and drops the oldest entries beyond the bound;
 * {@link BoundedMap.touch} reads an entry and makes it the newest (a least
 * recently used cache).
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
   * The newest key while it is known (else {@link _UNKNOWN}): a touch of it
   * changes no order, so it skips the delete and set — V8's `Map` pays
   * ~8 µs for the pair at 10,000 entries (~0.7 µs at 10), and a cache is
   * mostly asked for the key it was just asked for (a station's visa, three
   * times per handshake of a client).
   */
  #newest: K | typeof _UNKNOWN = _UNKNOWN;

  /** An empty map keeping at most `max` (at least 1) entries. */
  constructor(max: number) {
    super();
    this.max = Math.max(1, max);
  }

  /** Sets `key` as the newest entry and forgets the oldest beyond the bound. */
  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    this.#newest = key;
    while (this.size > this.max) this.#forgetOldest();
    return this;
  }

  /** The value of `key`, which becomes the newest entry when present. */
  touch(key: K): V | undefined {
    const value = this.get(key);
    if (value !== undefined && key !== this.#newest) {
      super.delete(key);
      super.set(key, value);
      this.#newest = key;
    }
    return value;
  }

  /** Forgets `key`; true when it was there. */
  override delete(key: K): boolean {
    if (key === this.#newest) this.#newest = _UNKNOWN;
    return super.delete(key);
  }

  /** Forgets every entry. */
  override clear(): void {
    this.#newest = _UNKNOWN;
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
    super.delete(next.value as K);
  }
}
