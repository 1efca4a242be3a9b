/**
 * HandshakeLane: handshake payloads wait their turn; once a turn of the
 * event loop spent its slice on them, what else became due (a timer, a
 * routed text's read on a real socket and the write it queues) runs before
 * the next one.
 */
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { tcpPair } from "./_tcp_pair.ts";
import { HandshakeLane, SLICE_MS } from "../../station/_handshake_lane.ts";

/** Keeps the thread busy for `ms` (a handshake's CPU). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

Deno.test("HandshakeLane: cheap pieces run in one turn, in order, after the turn they came in", async () => {
  const lane = new HandshakeLane(1);
  const order: string[] = [];
  const pieces = ["a", "b", "c"].map((name) =>
    lane.run(() => {
      order.push(name);
      return name;
    })
  );
  // what the rest of this turn queues for its end (a forward's write)
  setImmediate(() => order.push("write"));
  assert.deepEqual(order, []);
  assert.equal(lane.waiting, 3);
  assert.deepEqual(await Promise.all(pieces), ["a", "b", "c"]);
  assert.deepEqual(order, ["write", "a", "b", "c"]);
  await lane.close();
});

Deno.test("HandshakeLane: an idle lane starts a piece behind the other socket reads of its turn and the writes they queue", async () => {
  const hs = await tcpPair();
  const text = await tcpPair();
  const lane = new HandshakeLane(2);
  try {
    for (let round = 0; round < 5; round++) {
      const order: string[] = [];
      // a handshake payload's read hands its work to the lane; a routed
      // text's read, in the same poll of the sockets, queues its forward's
      // write for the turn's end (an immediate, as the transport's writes)
      const handshake = hs.b.read(new Uint8Array(8)).then(() => {
        order.push("handshake read");
        return lane.run(() => {
          order.push("handshake piece");
          busy(2);
        });
      });
      const routed = text.b.read(new Uint8Array(8)).then(() => {
        order.push("text read");
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            order.push("text write");
            resolve();
          })
        );
      });
      // both arrive before the next poll of the sockets (the writes are
      // made at once; nothing is awaited until both had time to arrive)
      const written = Promise.all([
        hs.a.write(new Uint8Array([1])),
        text.a.write(new Uint8Array([1])),
      ]);
      busy(2);
      await Promise.all([written, handshake, routed]);
      assert.equal(order.length, 4, `round ${round}: ${order}`);
      assert.equal(
        order.at(-1),
        "handshake piece",
        `round ${round}: ${order}`,
      );
    }
  } finally {
    await lane.close();
    for (const pair of [hs, text]) {
      pair.a.close();
      pair.b.close();
    }
  }
});

Deno.test("HandshakeLane: after a slice of work, what became due meanwhile runs before the next piece", async () => {
  const lane = new HandshakeLane(1);
  const order: string[] = [];
  const pieces = ["a", "b", "c"].map((name) =>
    lane.run(() => {
      order.push(name);
      busy(SLICE_MS + 2);
    })
  );
  assert.equal(lane.waiting, 3);
  // due while "a" runs: a routed text's read in the station
  const timer = new Promise<void>((resolve) =>
    setTimeout(() => {
      order.push("timer");
      resolve();
    }, 0)
  );
  await Promise.all([...pieces, timer]);
  assert.deepEqual(order, ["a", "timer", "b", "c"]);
  assert.equal(lane.waiting, 0);
  await lane.close();
});

Deno.test("HandshakeLane: at most `width` pieces under way; a failing piece passes its slot on", async () => {
  const lane = new HandshakeLane(2);
  let running = 0;
  let most = 0;
  const piece = async (fail: boolean) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    if (fail) throw new Error("bad handshake");
    return "ok";
  };
  const results = await Promise.allSettled(
    [false, true, false, false, true, false].map((fail) =>
      lane.run(() => piece(fail))
    ),
  );
  assert.equal(most, 2);
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.equal(lane.waiting, 0);
  await lane.close();
});

Deno.test("HandshakeLane: a socket read that arrived during a slice, and the write it queues for the turn's end, go before the next piece", async () => {
  const { a, b } = await tcpPair();
  const lane = new HandshakeLane(1);
  try {
    // the first yield waits for a timer (the lane's loopback pair opens
    // meanwhile), the later ones go through the pair
    for (let round = 0; round < 4; round++) {
      const order: string[] = [];
      // a routed text: read, then its forward written at the turn's end (as
      // the transport's writes are, from an immediate)
      const read = b.read(new Uint8Array(8)).then(() => {
        order.push("read");
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            order.push("write");
            resolve();
          })
        );
      });
      const pieces = ["a", "b", "c"].map((name) =>
        lane.run(async () => {
          order.push(name);
          if (name === "a") await a.write(new Uint8Array([1])); // arrives now
          busy(SLICE_MS + 2);
        })
      );
      // the rest of the turn in which the lane yields takes long enough for
      // a timer to be due at the next poll, as in a busy station
      const rest = pieces[0].then(() => busy(2));
      await Promise.all([...pieces, read, rest]);
      assert.deepEqual(
        order,
        ["a", "read", "write", "b", "c"],
        `round ${round}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(lane.paired, "the later yields went through the loopback pair");
  } finally {
    await lane.close();
    a.close();
    b.close();
  }
});
