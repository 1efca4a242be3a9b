/** The end of a turn of the event loop, shared by everything waiting in it. */
import assert from "node:assert/strict";
import { endOfTurn } from "../../client/transport/mod.ts";

Deno.test("endOfTurn: one promise for a turn, resolved after the microtasks, a new one the next turn", async () => {
  const first = endOfTurn();
  assert.equal(endOfTurn(), first, "the same turn: the same promise");
  const order: string[] = [];
  queueMicrotask(() => order.push("microtask"));
  first.then(() => order.push("end of turn"));
  await first;
  await Promise.resolve();
  assert.deepEqual(order, ["microtask", "end of turn"]);
  const second = endOfTurn();
  assert.notEqual(second, first, "a later turn waits for its own end");
  let resolved = false;
  second.then(() => resolved = true);
  await Promise.resolve();
  assert.equal(resolved, false, "not before the turn ends");
  await second;
  assert.equal(resolved, true);
});
