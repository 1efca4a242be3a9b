import assert from "node:assert/strict";
import {
  InvalidRecordError,
  MESSAGE_RETENTION_SECONDS,
  type OfflineMessage,
} from "../../store/mod.ts";
import { manualClock, withStore } from "./_temp.ts";
import { countStatements } from "./_statements.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const CAROL = "carol@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const NOW = 1_700_000_000;

function message(
  receiver: string,
  signature: string,
  time: number,
): OfflineMessage {
  return {
    receiver,
    signature,
    time,
    msg: {
      sender: "alice@x",
      receiver,
      time,
      data: `data-${signature}`,
      signature,
    },
  };
}

function signatures(list: { signature: string }[]): string[] {
  return list.map((m) => m.signature);
}

Deno.test("messages: storing the same message again is idempotent", async () => {
  await withStore((store) => {
    assert.equal(store.messages.store(message(BOB, "s1", NOW)), true);
    assert.equal(store.messages.store(message(BOB, "s1", NOW)), false);
    assert.equal(
      store.messages.storeMany([
        message(BOB, "s1", NOW),
        message(BOB, "s2", NOW),
      ]),
      1,
    );
    assert.equal(store.messages.count(BOB), 2);
    // the same signature for another receiver is another message
    assert.equal(store.messages.store(message(CAROL, "s1", NOW)), true);
    const [loaded] = store.messages.load(BOB);
    assert.deepEqual(loaded.msg, message(BOB, "s1", NOW).msg);
  }, { now: () => NOW });
});

Deno.test("messages: signatures that end alike are still different messages", async () => {
  await withStore((store) => {
    const tail = "AAAAAAAAAAAAAAAAAAAAAAAA";
    assert.equal(store.messages.store(message(BOB, `one${tail}`, NOW)), true);
    assert.equal(store.messages.store(message(BOB, `two${tail}`, NOW)), true);
    assert.equal(store.messages.store(message(BOB, `two${tail}`, NOW)), false);
    assert.equal(store.messages.delete(BOB, `three${tail}`), false);
    assert.equal(store.messages.delete(BOB, `one${tail}`), true);
    assert.deepEqual(signatures(store.messages.load(BOB)), [`two${tail}`]);
  }, { now: () => NOW });
});

Deno.test("messages: load orders by message time, ties by arrival, per receiver", async () => {
  await withStore((store) => {
    store.messages.store(message(BOB, "late", NOW - 10));
    store.messages.store(message(BOB, "early", NOW - 300));
    store.messages.store(message(CAROL, "other", NOW - 200));
    store.messages.store(message(BOB, "tie-a", NOW - 100));
    store.messages.store(message(BOB, "tie-b", NOW - 100));
    assert.deepEqual(signatures(store.messages.load(BOB)), [
      "early",
      "tie-a",
      "tie-b",
      "late",
    ]);
    assert.deepEqual(signatures(store.messages.load(CAROL)), ["other"]);
    assert.deepEqual(store.messages.load("nobody@x"), []);
  }, { now: () => NOW });
});

Deno.test("messages: load with a limit gives the newest, still ascending", async () => {
  await withStore((store) => {
    for (let i = 0; i < 10; i++) {
      store.messages.store(message(BOB, `m${i}`, NOW - 100 + i));
    }
    assert.deepEqual(signatures(store.messages.load(BOB, 3)), [
      "m7",
      "m8",
      "m9",
    ]);
  }, { now: () => NOW });
});

Deno.test("messages: a login's load is one statement, read in index order (no sort)", async () => {
  await withStore((store) => {
    for (let i = 0; i < 5; i++) {
      store.messages.store(message(BOB, `m${i}`, NOW - 100 + i));
    }
    const { result, sql } = countStatements(() => store.messages.load(BOB, 3));
    assert.deepEqual(signatures(result), ["m2", "m3", "m4"]);
    assert.equal(sql.length, 1);
    assert.equal(
      countStatements(() => store.messages.load(CAROL)).sql.length,
      1,
    );
    const plan = store.db.statement(`EXPLAIN QUERY PLAN ${sql[0]}`)
      .all(BOB, NOW).map((row) => String(row.detail));
    assert.ok(
      plan.some((step) => step.includes("messages_by_time")),
      plan.join("; "),
    );
    assert.ok(
      !plan.some((step) => step.includes("TEMP B-TREE")),
      plan.join("; "),
    );
  }, { now: () => NOW });
});

Deno.test("messages: delete by receiver and signature", async () => {
  await withStore((store) => {
    store.messages.storeMany([
      message(BOB, "a", NOW),
      message(BOB, "b", NOW),
      message(CAROL, "a", NOW),
    ]);
    assert.equal(store.messages.delete(BOB, "a"), true);
    assert.equal(store.messages.delete(BOB, "a"), false);
    assert.deepEqual(signatures(store.messages.load(BOB)), ["b"]);
    assert.deepEqual(signatures(store.messages.load(CAROL)), ["a"]);
    assert.equal(
      store.messages.deleteMany([{ receiver: BOB, signature: "b" }, {
        receiver: CAROL,
        signature: "a",
      }, {
        receiver: CAROL,
        signature: "zz",
      }]),
      2,
    );
    assert.equal(store.messages.count(BOB), 0);
    assert.equal(store.messages.count(CAROL), 0);
  }, { now: () => NOW });
});

Deno.test("messages: expired messages are not loaded and are purged", async () => {
  const clock = manualClock(NOW);
  await withStore((store) => {
    store.messages.store(message(BOB, "old", NOW - 6 * 86400));
    store.messages.store(message(BOB, "new", NOW));
    // a message from the future expires 7 days after it was stored
    store.messages.store(message(BOB, "future", NOW + 30 * 86400));
    const expiry = Object.fromEntries(
      store.messages.load(BOB).map((m) => [m.signature, m.expiresAt]),
    );
    assert.deepEqual(expiry, {
      old: NOW - 6 * 86400 + MESSAGE_RETENTION_SECONDS,
      new: NOW + MESSAGE_RETENTION_SECONDS,
      future: NOW + MESSAGE_RETENTION_SECONDS,
    });
    clock.set(NOW + 2 * 86400);
    assert.deepEqual(signatures(store.messages.load(BOB)), ["new", "future"]);
    assert.equal(store.messages.count(BOB), 3);
    assert.equal(store.messages.purgeExpired(), 1);
    assert.equal(store.messages.count(BOB), 2);
    clock.set(NOW + 8 * 86400);
    assert.deepEqual(store.messages.load(BOB), []);
    assert.equal(store.messages.purgeExpired(1), 1);
    assert.equal(store.messages.purgeExpired(1), 1);
    assert.equal(store.messages.purgeExpired(1), 0);
    assert.equal(store.messages.count(BOB), 0);
  }, { now: clock.now });
});

Deno.test("messages: an explicit expiresAt and retention are honoured", async () => {
  await withStore((store) => {
    store.messages.store({ ...message(BOB, "x", NOW), expiresAt: NOW + 5 });
    store.messages.store(message(BOB, "y", NOW));
    assert.deepEqual(
      store.messages.load(BOB).map((m) => m.expiresAt),
      [NOW + 5, NOW + 60],
    );
  }, { now: () => NOW, retentionSeconds: 60 });
});

Deno.test("messages: at the per-receiver cap the oldest are dropped", async () => {
  await withStore((store) => {
    for (let i = 0; i < 5; i++) {
      store.messages.store(message(BOB, `m${i}`, NOW - 100 + i));
    }
    store.messages.store(message(CAROL, "c", NOW));
    assert.equal(store.messages.count(BOB), 3);
    assert.deepEqual(signatures(store.messages.load(BOB)), ["m2", "m3", "m4"]);
    // a message older than all kept ones is dropped at once
    assert.equal(
      store.messages.store(message(BOB, "ancient", NOW - 1000)),
      true,
    );
    assert.deepEqual(signatures(store.messages.load(BOB)), ["m2", "m3", "m4"]);
    // a batch over the cap keeps the newest
    store.messages.storeMany(
      [0, 1, 2, 3].map((i) => message(BOB, `n${i}`, NOW + i)),
    );
    assert.deepEqual(signatures(store.messages.load(BOB)), ["n1", "n2", "n3"]);
    assert.equal(store.messages.count(CAROL), 1);
  }, { now: () => NOW, offlineCap: 3 });
});

Deno.test("messages: a bad message in a batch stores none of it", async () => {
  await withStore((store) => {
    const bad: [string, OfflineMessage][] = [
      ["receiver", { ...message(BOB, "x", NOW), receiver: "" }],
      ["receiver", { ...message(BOB, "x", NOW), receiver: `${BOB}/phone` }],
      ["signature", { ...message(BOB, "x", NOW), signature: "" }],
      ["time", { ...message(BOB, "x", NOW), time: Number.POSITIVE_INFINITY }],
      ["expiresAt", {
        ...message(BOB, "x", NOW),
        expiresAt: "soon" as unknown as number,
      }],
      ["msg", {
        ...message(BOB, "x", NOW),
        msg: undefined as unknown as Record<string, unknown>,
      }],
    ];
    for (const [field, item] of bad) {
      assert.throws(
        () => store.messages.storeMany([message(BOB, "good", NOW), item]),
        (e: unknown) => e instanceof InvalidRecordError && e.field === field,
        field,
      );
    }
    assert.throws(
      () => store.messages.deleteMany([{ receiver: BOB, signature: "" }]),
      InvalidRecordError,
    );
    assert.equal(store.messages.count(BOB), 0);
  }, { now: () => NOW });
});

Deno.test("messages: apply runs stores and deletes in order; a bad step fails alone", async () => {
  await withStore((store) => {
    const results = store.messages.apply([
      { store: message(BOB, "a", NOW) },
      { store: message(BOB, "b", NOW) },
      { delete: { receiver: BOB, signature: "a" } },
      { store: { ...message(BOB, "c", NOW), signature: "" } },
      { store: message(BOB, "b", NOW) },
      { delete: { receiver: BOB, signature: "never" } },
    ], { durable: true });
    assert.deepEqual(results.slice(0, 3), [true, true, true]);
    assert.ok(results[3] instanceof InvalidRecordError);
    assert.deepEqual(results.slice(4), [false, false]);
    assert.deepEqual(signatures(store.messages.load(BOB)), ["b"]);
  }, { now: () => NOW });
});

Deno.test("messages: a cap below one is refused", async () => {
  await assert.rejects(
    () => withStore(() => {}, { offlineCap: 0 }),
    InvalidRecordError,
  );
});
