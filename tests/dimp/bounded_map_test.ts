import assert from "node:assert/strict";
import { BoundedMap } from "../../dimp/bounded_map.ts";

Deno.test("BoundedMap: keeps at most max entries, the oldest forgotten first", () => {
  const map = new BoundedMap<string, number>(3);
  for (const [i, key] of ["a", "b", "c", "d", "e"].entries()) map.set(key, i);
  assert.deepEqual([...map], [["c", 2], ["d", 3], ["e", 4]]);
});

Deno.test("BoundedMap: set on a present key makes it the newest", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("a", 10).set("c", 3);
  assert.deepEqual([...map], [["a", 10], ["c", 3]]);
});

Deno.test("BoundedMap: touch reads and makes the newest; get does not", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  assert.equal(map.get("a"), 1);
  map.set("c", 3); // get did not save "a"
  assert.deepEqual([...map.keys()], ["b", "c"]);
  assert.equal(map.touch("b"), 2);
  assert.equal(map.touch("missing"), undefined);
  map.set("d", 4);
  assert.deepEqual([...map.keys()], ["b", "d"]);
});

Deno.test("BoundedMap: a bound below 1 keeps one entry", () => {
  const map = new BoundedMap<string, number>(0);
  map.set("a", 1).set("b", 2);
  assert.equal(map.max, 1);
  assert.deepEqual([...map], [["b", 2]]);
});
