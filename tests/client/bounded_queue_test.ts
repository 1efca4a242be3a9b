import assert from "node:assert/strict";
import { BoundedQueue } from "../../client/_bounded_queue.ts";

Deno.test("bounded queue: a full queue holds the producer until the consumer takes", async () => {
  const queue = new BoundedQueue<number>(2);
  assert.equal(await queue.push(1), true);
  assert.equal(await queue.push(2), true);
  let third = false;
  const pushing = queue.push(3).then((ok) => (third = ok));
  await Promise.resolve();
  assert.equal(third, false);
  assert.equal(queue.length, 2);
  assert.deepEqual(await queue.next(), { value: 1, done: false });
  await pushing;
  assert.equal(third, true);
  assert.deepEqual([(await queue.next()).value, (await queue.next()).value], [
    2,
    3,
  ]);
});

Deno.test("bounded queue: a waiting consumer gets the next item; close drains then ends", async () => {
  const queue = new BoundedQueue<string>(4);
  const waiting = queue.next();
  await queue.push("a");
  assert.deepEqual(await waiting, { value: "a", done: false });
  await queue.push("b");
  await queue.push("c");
  queue.close();
  assert.equal(await queue.push("d"), false);
  const seen: string[] = [];
  for await (const item of queue) seen.push(item);
  assert.deepEqual(seen, ["b", "c"]);
  assert.equal((await queue.next()).done, true);
});

Deno.test("bounded queue: close releases a waiting producer and a waiting consumer", async () => {
  const full = new BoundedQueue<number>(1);
  await full.push(1);
  const blocked = full.push(2);
  full.close();
  assert.equal(await blocked, false);
  const empty = new BoundedQueue<number>(1);
  const taking = empty.next();
  empty.close();
  assert.equal((await taking).done, true);
});

Deno.test("bounded queue: many items pass in order (the head is compacted)", async () => {
  const queue = new BoundedQueue<number>(1000);
  const got: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 300; i++) await queue.push(round * 300 + i);
    for (let i = 0; i < 300; i++) {
      got.push((await queue.next()).value as number);
    }
  }
  assert.deepEqual(got, Array.from({ length: 1500 }, (_, i) => i));
  assert.equal(queue.length, 0);
});
