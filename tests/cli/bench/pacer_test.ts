/**
 * The rate mode's slots and clock: the pacer's slots follow the rate from
 * the first take, its waiting senders are woken (by a real ticker thread)
 * no sooner than the next slot, and a stopped ticker wakes no one.
 */
import assert from "node:assert/strict";
import { Pacer } from "../../../cli/bench/_pacer.ts";
import { Ticker } from "../../../cli/bench/_ticker.ts";

Deno.test("Pacer: a slot every 1000 / rate ms from the first take, each taken once", async () => {
  const pacer = new Pacer(1000, await Ticker.start(), () => {});
  try {
    assert.equal(pacer.next, 0); // not started
    assert.equal(pacer.take(5000), 5000);
    assert.equal(pacer.next, 5001);
    assert.equal(pacer.take(5000), -1);
    assert.equal(pacer.take(5000.9), -1);
    assert.equal(pacer.take(5001), 5001);
    // late: the slots missed are still taken, each at its planned time
    assert.equal(pacer.take(5003.5), 5002);
    assert.equal(pacer.take(5003.5), 5003);
    assert.equal(pacer.take(5003.5), -1);
    assert.equal(pacer.next, 5004); // what a deadline at 5004 would stop at
  } finally {
    pacer.stop();
  }
});

Deno.test("Pacer: everyone waiting is woken once, when the next slot is due", async () => {
  const rate = 200;
  const woken: { id: number; at: number }[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const pacer = new Pacer<{ id: number; waiting: boolean }>(
    rate,
    await Ticker.start(),
    (sender) => {
      assert.equal(sender.waiting, false);
      woken.push({ id: sender.id, at: performance.now() });
      if (woken.length === 2) resolve();
    },
  );
  try {
    // the slots due by now (one, unless the machine is slow) are taken
    let last = pacer.take(performance.now());
    for (let t; (t = pacer.take(performance.now())) >= 0;) last = t;
    const a = { id: 1, waiting: false };
    const b = { id: 2, waiting: false };
    pacer.wait(a);
    pacer.wait(b);
    assert.equal(a.waiting && b.waiting, true);
    await promise;
    assert.deepEqual(woken.map((w) => w.id), [1, 2]);
    for (const w of woken) assert.ok(w.at >= last + 1000 / rate, `${w.at}`);
  } finally {
    pacer.stop();
  }
});

Deno.test("Ticker: wakes no sooner than asked, one wake at a time; stopped, it wakes no one", async () => {
  const ticker = await Ticker.start();
  try {
    for (const ms of [0.2, 1, 3]) {
      const due = performance.now() + ms;
      const { promise, resolve } = Promise.withResolvers<number>();
      ticker.wakeAt(due, () => resolve(performance.now()));
      assert.equal(ticker.armed, true);
      // a second ask while one is out keeps the first time
      ticker.wakeAt(due + 1000, () => resolve(performance.now()));
      const at = await promise;
      assert.equal(ticker.armed, false);
      assert.ok(at >= due, `woken ${due - at} ms early`);
    }
    let called = false;
    ticker.wakeAt(performance.now() + 20, () => called = true);
    ticker.stop();
    assert.equal(ticker.armed, false);
    ticker.wakeAt(performance.now(), () => called = true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(called, false);
  } finally {
    ticker.stop();
  }
});
