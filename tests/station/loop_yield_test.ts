/**
 * LoopYield: a yield that comes back behind the socket reads that were
 * ready when it began (as a timer does), through a loopback pair of its own.
 */
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { tcpPair } from "./_tcp_pair.ts";
import { LoopYield } from "../../station/_loop_yield.ts";

/** Keeps the thread busy for `ms`. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

Deno.test("LoopYield: a read that was ready goes first, every time; an immediate would not", async () => {
  const { a, b } = await tcpPair();
  const loop = new LoopYield();
  const buffer = new Uint8Array(8);
  /** Whether a read made ready before `yielded` resolved before it. */
  const readFirst = async (yielded: () => Promise<void>): Promise<boolean> => {
    const order: string[] = [];
    const read = b.read(buffer).then(() => order.push("read"));
    await a.write(new Uint8Array([1]));
    busy(1); // the byte is in b's socket buffer now
    await yielded();
    order.push("back");
    await read;
    return order[0] === "read";
  };
  try {
    await loop.wait(); // a timer; the pair opens
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(loop.paired);
    for (let i = 0; i < 50; i++) {
      assert.ok(await readFirst(() => loop.wait()), `yield ${i}`);
    }
    assert.ok(loop.paired, "no yield fell back to a timer");
    // what the yield is for: an immediate comes back before the read
    const immediate = () =>
      new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(await readFirst(immediate), false);
  } finally {
    await loop.close();
    a.close();
    b.close();
  }
  assert.equal(loop.paired, false);
  await loop.wait(); // after close: a timer
});

Deno.test("LoopYield: closed while its pair opens, it leaves nothing open", async () => {
  const loop = new LoopYield();
  const waited = loop.wait();
  await loop.close();
  await waited;
  assert.equal(loop.paired, false);
});
