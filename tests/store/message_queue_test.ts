import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  type HeldStore,
  InvalidRecordError,
  messageKeyOf,
  MessageWriteQueue,
  type OfflineMessage,
  type Store,
  StoreBusyError,
  StoreError,
} from "../../store/mod.ts";
import { tempDir, withStore } from "./_temp.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const NOW = 1_700_000_000;

function message(signature: string, time = NOW): OfflineMessage {
  return {
    receiver: BOB,
    signature,
    time,
    msg: { receiver: BOB, time, signature },
  };
}

/** Counts the transactions the queue runs (each is one `apply`). */
function countBatches(store: Store): { readonly sizes: number[] } {
  const sizes: number[] = [];
  const apply = store.messages.apply.bind(store.messages);
  store.messages.apply = (ops, options) => {
    sizes.push(ops.length);
    return apply(ops, options);
  };
  return { sizes };
}

Deno.test("queue: writes issued in one tick commit as one transaction", async () => {
  await withStore(async (store) => {
    const batches = countBatches(store);
    const queue = new MessageWriteQueue(store.messages);
    const stored = [1, 2, 3, 4, 5].map((i) =>
      queue.store(message(`m${i}`, NOW + i), { durable: i === 3 })
    );
    const again = queue.store(message("m1", NOW + 1));
    const deleted = queue.delete({ receiver: BOB, signature: "m5" });
    assert.equal(queue.pending, 7);
    assert.equal(store.messages.count(BOB), 0); // nothing committed yet
    assert.deepEqual(await Promise.all(stored), [true, true, true, true, true]);
    assert.equal(await again, false);
    assert.equal(await deleted, true);
    assert.deepEqual(batches.sizes, [7]);
    assert.equal(queue.pending, 0);
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "m1",
      "m2",
      "m3",
      "m4",
    ]);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: producers awaiting each commit are grouped into shared batches", async () => {
  await withStore(async (store) => {
    const batches = countBatches(store);
    const queue = new MessageWriteQueue(store.messages);
    const producers = 8;
    const each = 25;
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        for (let i = 0; i < each; i++) {
          assert.equal(
            await queue.store(message(`p${p}-${i}`), { durable: true }),
            true,
          );
        }
      }),
    );
    assert.equal(store.messages.count(BOB), producers * each);
    assert.deepEqual(batches.sizes, Array(each).fill(producers));
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: reaching maxBatch commits at once (bounded)", async () => {
  await withStore(async (store) => {
    const batches = countBatches(store);
    const queue = new MessageWriteQueue(store.messages, { maxBatch: 4 });
    const results = Array.from(
      { length: 10 },
      (_, i) => queue.store(message(`m${i}`)),
    );
    assert.equal(queue.pending, 2);
    assert.deepEqual(batches.sizes, [4, 4]);
    await Promise.all(results);
    assert.deepEqual(batches.sizes, [4, 4, 2]);
    assert.equal(store.messages.count(BOB), 10);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: a malformed message is rejected alone", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages);
    const good = queue.store(message("good"));
    const bad = queue.store({ ...message("bad"), receiver: "" });
    const badKey = queue.delete({ receiver: BOB, signature: "" });
    await assert.rejects(bad, InvalidRecordError);
    await assert.rejects(badKey, InvalidRecordError);
    assert.equal(await good, true);
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "good",
    ]);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: a failed commit rejects the whole batch and writes nothing", async () => {
  await withStore(async (store) => {
    const holder = new DatabaseSync(store.db.path);
    holder.exec("BEGIN IMMEDIATE");
    try {
      const queue = new MessageWriteQueue(store.messages);
      const pending = [
        queue.store(message("a")),
        queue.delete({ receiver: BOB, signature: "b" }),
      ];
      for (const result of pending) {
        await assert.rejects(result, StoreBusyError);
      }
      holder.exec("ROLLBACK");
      assert.equal(store.messages.count(BOB), 0);
      // the queue keeps working afterwards
      assert.equal(await queue.store(message("a")), true);
      queue.close();
    } finally {
      if (holder.isTransaction) holder.exec("ROLLBACK");
      holder.close();
    }
  }, { now: () => NOW, busyTimeoutMs: 20 });
});

Deno.test("queue: close commits what waits, then refuses", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages);
    const waiting = queue.store(message("last"));
    queue.close();
    assert.equal(store.messages.count(BOB), 1);
    assert.equal(await waiting, true);
    await assert.rejects(queue.store(message("late")), StoreError);
    await assert.rejects(
      queue.delete({ receiver: BOB, signature: "last" }),
      StoreError,
    );
  }, { now: () => NOW });
});

Deno.test("queue: a held store cancelled by its delete writes nothing", async () => {
  await withStore(async (store) => {
    const batches = countBatches(store);
    const queue = new MessageWriteQueue(store.messages, { holdMs: 50 });
    const held = queue.storeLater(message("live"));
    assert.equal(queue.held, 1);
    assert.equal(queue.pending, 0);
    assert.equal(
      await queue.delete({ receiver: BOB, signature: "live" }),
      true,
    );
    assert.equal(await held, false);
    assert.equal(queue.held, 0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(batches.sizes, []); // not one transaction
    assert.equal(store.messages.count(BOB), 0);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: cancel(key) drops a held store and says so; false for one not held", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
    const held = queue.storeLater(message("held"));
    assert.equal(await queue.store(message("stored")), true);
    assert.equal(queue.cancel({ receiver: BOB, signature: "held" }), true);
    assert.equal(await held, false);
    assert.equal(queue.cancel({ receiver: BOB, signature: "held" }), false);
    assert.equal(queue.cancel({ receiver: BOB, signature: "stored" }), false);
    queue.close();
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "stored",
    ]);
  }, { now: () => NOW });
});

Deno.test("queue: a cancelled held store lets go of its message and listener at once: scavenges collect them although the held map is old (a child under --expose-gc)", async () => {
  using dir = tempDir();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--v8-flags=--expose-gc",
      new URL("./_held_gc_child.ts", import.meta.url).pathname,
      dir.path,
    ],
    stderr: "inherit",
  }).output();
  assert.equal(output.code, 0);
  const alive = JSON.parse(new TextDecoder().decode(output.stdout));
  // of 64 held, the 62 cancelled are gone; the last two are still held
  assert.deepEqual(alive, { messages: 2, listeners: 2 });
});

Deno.test("queue: a held store is keyed by its receiver and its signature's tail: a real signature's copy for another receiver, or another signature, does not cancel it", async () => {
  const ALICE = "alice@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk";
  // two real-looking ECDSA signatures sharing their first 80 characters
  const head = "MEUCIQDx5ViYVFZ9kN0tJ6rEq5L3WbzP1s2yQm8HcU4oTgIhAKq9".padEnd(
    80,
    "x",
  );
  const one = `${head}Zx0PlB3Qk1u7WvJ=`;
  const two = `${head}Zx0PlB3Qk1u7WvK=`;
  assert.equal(messageKeyOf(BOB, one), `Zx0PlB3Qk1u7WvJ=\n${BOB}`);
  assert.equal(messageKeyOf(BOB, "c2ln"), `c2ln\n${BOB}`);
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
    const held = queue.storeLater(message(one));
    assert.equal(queue.cancel({ receiver: ALICE, signature: one }), false);
    assert.equal(queue.cancel({ receiver: BOB, signature: two }), false);
    assert.equal(queue.held, 1);
    assert.equal(queue.cancel(messageKeyOf(BOB, one)), true);
    assert.equal(await held, false);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: a held store not cancelled within holdMs is written; its later delete removes it", async () => {
  await withStore(async (store) => {
    const batches = countBatches(store);
    const queue = new MessageWriteQueue(store.messages, { holdMs: 20 });
    const first = queue.storeLater(message("a", NOW + 1));
    const second = queue.storeLater(message("b", NOW + 2));
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.deepEqual(batches.sizes, [2]);
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "a",
      "b",
    ]);
    assert.equal(await queue.delete({ receiver: BOB, signature: "a" }), true);
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), ["b"]);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: release(key) writes a held store at once (its push failed); close writes the rest", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
    const failed = queue.storeLater(message("failed", NOW + 1));
    const other = queue.storeLater(message("other", NOW + 2));
    queue.release({ receiver: BOB, signature: "failed" });
    queue.release({ receiver: BOB, signature: "never held" }); // nothing
    assert.equal(await failed, true);
    assert.equal(queue.held, 1);
    assert.equal(store.messages.count(BOB), 1);
    queue.close(); // nothing held is lost on an orderly stop
    assert.equal(await other, true);
    assert.equal(store.messages.count(BOB), 2);
  }, { now: () => NOW });
});

Deno.test("queue: a store of a held message writes it now; beyond maxHeld stores are not held", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, {
      holdMs: 60_000,
      maxHeld: 2,
    });
    const held = queue.storeLater(message("m1", NOW + 1));
    // the hold ends with the store's commit, not before it (its receipt
    // may leave only then)
    const rowsWhenHeldEnded = held.then(() => store.messages.count(BOB));
    assert.equal(
      await queue.store(message("m1", NOW + 1), { durable: true }),
      true,
    );
    assert.equal(await held, false); // this hold ended: the store wrote it
    assert.equal(await rowsWhenHeldEnded, 1);
    assert.equal(store.messages.count(BOB), 1);
    const kept = [
      queue.storeLater(message("m2", NOW + 2)),
      queue.storeLater(message("m3", NOW + 3)),
    ];
    assert.equal(queue.held, 2);
    const beyond = queue.storeLater(message("m4", NOW + 4));
    assert.equal(queue.held, 2);
    assert.equal(await beyond, true);
    assert.equal(store.messages.count(BOB), 2);
    queue.close();
    assert.deepEqual(await Promise.all(kept), [true, true]);
    assert.equal(store.messages.count(BOB), 4);
  }, { now: () => NOW });
});

/** A held store of `msg` that records what it was told. */
function listening(
  msg: OfflineMessage,
): { told: string[]; store: HeldStore } {
  const told: string[] = [];
  return {
    told,
    store: {
      message: () => {
        told.push("asked");
        return msg;
      },
      stored: (written) => void told.push(written ? "written" : "cancelled"),
      failed: (error) => void told.push(`failed: ${(error as Error).name}`),
    },
  };
}

Deno.test("queue: hold() tells its listener once — at once when cancelled, after the commit when not", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 20 });
    const taken = listening(message("taken"));
    const kept = listening(message("kept", NOW + 1));
    queue.hold(`taken\n${BOB}`, taken.store);
    queue.hold(`kept\n${BOB}`, kept.store);
    assert.deepEqual([taken.told, kept.told], [[], []]);
    assert.equal(queue.cancel(`taken\n${BOB}`), true);
    assert.deepEqual(taken.told, ["cancelled"]); // synchronously, never asked
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(kept.told, ["asked", "written"]);
    assert.deepEqual(taken.told, ["cancelled"]);
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "kept",
    ]);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: hold() of a key held already stores at once; a failed commit tells failed()", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
    const first = listening(message("m1"));
    const again = listening(message("m1"));
    queue.hold(`m1\n${BOB}`, first.store);
    queue.hold(`m1\n${BOB}`, again.store);
    assert.deepEqual(first.told, []); // not before the write's commit
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(first.told, ["cancelled"]); // the store wrote it instead
    assert.deepEqual(again.told, ["asked", "written"]);
    const broken = listening(message("m2", NOW + 2));
    queue.hold(`m2\n${BOB}`, broken.store);
    store.messages.apply = () => {
      throw new StoreBusyError("test.db", 10);
    };
    queue.release(`m2\n${BOB}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(broken.told, ["asked", "failed: StoreBusyError"]);
    queue.close();
  }, { now: () => NOW });
});

Deno.test("queue: a held store whose message a failed store was to write is stored on its own", async () => {
  await withStore(async (store) => {
    const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
    const held = queue.storeLater(message("m1", NOW + 1));
    const apply = store.messages.apply.bind(store.messages);
    let failures = 1;
    store.messages.apply = (ops, options) => {
      if (failures-- > 0) throw new StoreBusyError("test.db", 10);
      return apply(ops, options);
    };
    await assert.rejects(
      queue.store(message("m1", NOW + 1), { durable: true }),
      StoreBusyError,
    );
    assert.equal(await held, true); // written by its own store after all
    assert.deepEqual(store.messages.load(BOB).map((m) => m.signature), [
      "m1",
    ]);
    assert.equal(queue.held, 0);
    queue.close();
  }, { now: () => NOW });
});
