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

Deno.test("BoundedMap: a touch moves a key placed a quarter of max or more placements ago, not one among the newest quarter", () => {
  const map = new BoundedMap<number, number>(100); // a quarter: 25
  map.set(-1, -1);
  assert.equal(map.touch(-1), -1); // the first touch: placements count from here
  map.delete(-1);
  for (let i = 0; i < 100; i++) map.set(i, i);
  const order = [...map.keys()];
  assert.equal(map.touch(90), 90); // 9 placed after it: stays
  assert.equal(map.touch(75), 75); // 24 placed after it: stays
  assert.deepEqual([...map.keys()], order);
  assert.equal(map.touch(74), 74); // 25 placed after it: moves
  assert.equal(map.touch(0), 0); // the oldest: moves
  const moved = [...order.filter((k) => k !== 74 && k !== 0), 74, 0];
  assert.deepEqual([...map.keys()], moved);
  assert.equal(map.touch(0), 0); // the newest now
  assert.deepEqual([...map.keys()], moved);
  // a key set again is placed again
  map.set(10, 10);
  assert.equal(map.touch(10), 10);
  assert.deepEqual([...map.keys()].slice(-3), [74, 0, 10]);
  // the oldest is forgotten first: 1, then 2 (0 and 74 were moved)
  map.set(100, 100).set(101, 101);
  assert.ok(!map.has(1) && !map.has(2) && map.has(0) && map.has(74));
  assert.equal(map.size, 100);
});

Deno.test("BoundedMap: a touched entry outlives at least three quarters of max new keys", () => {
  const map = new BoundedMap<string, number>(40); // a quarter: 10
  map.touch("none"); // placements count from the first touch
  for (let i = 0; i < 40; i++) map.set(`k${i}`, i);
  for (let i = 0; i < 9; i++) map.set(`n${i}`, i);
  map.touch("k39"); // 9 placed after it: not moved
  for (let i = 0; i < 30; i++) {
    map.set(`m${i}`, i);
    assert.ok(map.has("k39"), `after ${i + 1} new keys`);
  }
  map.set("m30", 30); // the 31st new key: 9 newer + 31 = 40 without it
  assert.ok(!map.has("k39"));
});

Deno.test("BoundedMap: bound and order under the touch rule, against a model, with deletes and clears", () => {
  for (const max of [1, 3, 8, 40]) {
    const map = new BoundedMap<number, number>(max);
    const window = Math.max(1, max >> 2);
    let clock = 0;
    const placed = new Map<number, number>();
    let touched = false; // placements count from the first touch
    const model: number[] = []; // keys, oldest first
    const place = (key: number) => {
      const i = model.indexOf(key);
      if (i >= 0) model.splice(i, 1);
      model.push(key);
      if (touched) placed.set(key, ++clock);
    };
    let seed = max;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 3000; step++) {
      const op = random(10);
      const key = random(max * 3);
      if (op < 5) {
        map.set(key, key);
        place(key);
        while (model.length > max) placed.delete(model.shift()!);
      } else if (op < 8) {
        const expected = model.includes(key) ? key : undefined;
        assert.equal(map.touch(key), expected);
        touched = true;
        if (
          expected !== undefined &&
          !(placed.has(key) && clock - placed.get(key)! < window)
        ) {
          place(key);
        }
      } else if (op < 9 || step % 500 !== 0) {
        assert.equal(map.delete(key), model.includes(key));
        if (model.includes(key)) model.splice(model.indexOf(key), 1);
        placed.delete(key);
      } else {
        map.clear();
        model.length = 0;
        placed.clear();
      }
      assert.ok(map.size <= max);
      assert.deepEqual([...map.keys()], model, `max ${max}, step ${step}`);
    }
  }
});
