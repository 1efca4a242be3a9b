/**
 * `BoundedMap.touch` at the sizes of the station's caches (10 to 10,000
 * entries): three keys touched in turn (the pattern of a handshake: the
 * station's own visa, the user's meta and visa) and keys spread over the
 * map, against a plain `Map`'s delete and set (what an exact LRU's move
 * costs; baseline, same run).
 *
 * Run: deno bench -A tests/bench/bounded_map_bench.ts
 */
import { BoundedMap } from "../../dimp/bounded_map.ts";

for (const size of [10, 1_000, 10_000]) {
  const keys = Array.from({ length: size }, (_, i) => `user-${i}@address`);
  const bounded = new BoundedMap<string, number>(size);
  const plain = new Map<string, number>();
  for (const [i, key] of keys.entries()) {
    bounded.set(key, i);
    plain.set(key, i);
  }
  const hot = [keys[size >> 1], keys[size >> 2], keys[0]];
  let a = 0, b = 0;
  Deno.bench(`Map delete + set, 3 keys in turn, ${size}`, {
    group: `3 keys, ${size}`,
    baseline: true,
  }, () => {
    const key = hot[a++ % 3];
    const value = plain.get(key)!;
    plain.delete(key);
    plain.set(key, value);
  });
  Deno.bench(`BoundedMap.touch, 3 keys in turn, ${size}`, {
    group: `3 keys, ${size}`,
  }, () => {
    bounded.touch(hot[b++ % 3]);
  });
  let c = 0, d = 0;
  Deno.bench(`Map delete + set, keys spread, ${size}`, {
    group: `spread, ${size}`,
    baseline: true,
  }, () => {
    const key = keys[(c += 7919) % size];
    const value = plain.get(key)!;
    plain.delete(key);
    plain.set(key, value);
  });
  Deno.bench(`BoundedMap.touch, keys spread, ${size}`, {
    group: `spread, ${size}`,
  }, () => {
    bounded.touch(keys[(d += 7919) % size]);
  });
}
