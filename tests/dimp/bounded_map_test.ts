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

Deno.test("BoundedMap: the oldest is forgotten first across deletes, touches and clear", () => {
  const map = new BoundedMap<number, number>(4);
  const model: number[] = []; // keys, oldest first
  const set = (key: number) => {
    map.set(key, key);
    model.splice(0, model.length, ...model.filter((k) => k !== key), key);
    while (model.length > 4) model.shift();
  };
  for (let i = 0; i < 1000; i++) {
    set(i % 7 === 0 ? i - 3 : i); // some keys set again
    if (i % 5 === 0 && model.length > 1) {
      map.delete(model[1]);
      model.splice(1, 1);
    }
    if (i % 11 === 0 && model.length > 0) {
      map.touch(model[0]);
      model.push(model.shift()!);
    }
    if (i === 500) {
      map.clear();
      model.length = 0;
    }
    assert.deepEqual([...map.keys()], model, `after step ${i}`);
  }
});

Deno.test("BoundedMap: touching the newest key, or one that was deleted and set again, keeps the order right", () => {
  const map = new BoundedMap<string, number>(3);
  map.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(map.touch("c"), 3); // the newest already
  assert.equal(map.touch("c"), 3);
  map.set("d", 4);
  assert.deepEqual([...map.keys()], ["b", "c", "d"]);
  map.delete("d"); // the newest gone: "c" must move on its next touch
  map.set("e", 5);
  assert.equal(map.touch("c"), 3);
  map.set("f", 6);
  assert.deepEqual([...map.keys()], ["e", "c", "f"]);
  map.clear();
  map.set("x", 1).set("y", 2);
  assert.equal(map.touch("x"), 1);
  assert.deepEqual([...map.keys()], ["y", "x"]);
  assert.equal(map.touch("x"), 1);
  assert.deepEqual([...map.keys()], ["y", "x"]);
});
