/** One timer ticks every client connection of an interval, a slice at a time. */
import assert from "node:assert/strict";
import { sweepEvery } from "../../client/transport/mod.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("sweepEvery: one target is ticked about once per interval, and not after it stopped", async () => {
  const ticks: number[] = [];
  const stop = sweepEvery(20, { tick: (now) => ticks.push(now) });
  await sleep(110);
  stop();
  const seen = ticks.length;
  assert.ok(seen >= 3 && seen <= 6, `${seen} ticks in 110 ms at 20 ms`);
  for (const now of ticks) assert.ok(Math.abs(now - Date.now()) < 1_000);
  await sleep(60);
  assert.equal(ticks.length, seen, "no tick after stop");
});

Deno.test("sweepEvery: many targets are ticked in slices, each about once per interval", async () => {
  const counts = new Array<number>(450).fill(0);
  const ticksAt = new Map<number, number>();
  const stops = counts.map((_, i) =>
    sweepEvery(50, {
      tick: (now) => {
        counts[i]++;
        ticksAt.set(now, (ticksAt.get(now) ?? 0) + 1);
      },
    })
  );
  await sleep(230);
  for (const stop of stops.slice(0, 225)) stop();
  const before = counts.slice(0, 225).reduce((a, b) => a + b, 0);
  await sleep(120);
  for (const stop of stops.slice(225)) stop();
  for (const [i, n] of counts.entries()) {
    assert.ok(n >= 2 && n <= 8, `target ${i}: ${n} ticks`);
  }
  assert.equal(
    counts.slice(0, 225).reduce((a, b) => a + b, 0),
    before,
    "stopped targets are not ticked",
  );
  // 450 targets: 5 slices of 90 per interval, not all 450 in one turn
  assert.ok(
    Math.max(...ticksAt.values()) < 450,
    `at most ${Math.max(...ticksAt.values())} ticks in one millisecond`,
  );
});

Deno.test("sweepEvery: a throwing target does not keep the others from their ticks", async () => {
  let good = 0;
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const stopBad = sweepEvery(15, {
      tick: () => {
        throw new Error("bad tick");
      },
    });
    const stopGood = sweepEvery(15, { tick: () => good++ });
    await sleep(70);
    stopBad();
    stopGood();
  } finally {
    globalThis.removeEventListener("error", onError);
  }
  assert.ok(good >= 2, `${good} ticks of the good target`);
  assert.ok(errors.length >= 2);
  assert.equal((errors[0] as Error).message, "bad tick");
});
