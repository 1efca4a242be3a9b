/**
 * Bounded in-memory caches of the station: insertion order, the oldest
 * entry forgotten first.
 *
 * @module
 */

/**
 * Sets `key` (as the newest entry) and forgets the oldest beyond `max`.
 *
 * @example
 * ```ts
 * const map = new Map([["a", 1]]);
 * setBounded(map, "b", 2, 1); // map: b → 2
 * ```
 */
export function setBounded<K, V>(
  map: Map<K, V>,
  key: K,
  value: V,
  max: number,
): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
