/**
 * Store benchmarks: the offline-message hot path (store before push, delete
 * once sent) one message per transaction and group-committed, NORMAL vs
 * FULL sync; a live push's held store (a promise against a listener);
 * loading; and the archivist search over 100,000 documents.
 *
 *     deno bench -A tests/bench/store_bench.ts
 *
 * Batched benches do 64 messages per iteration: divide by 64 for the cost
 * per message.
 *
 * @module
 */
import {
  MessageWriteQueue,
  type OfflineMessage,
  Store,
} from "../../store/mod.ts";
import { DOCUMENTS, fillDocuments } from "./_documents.ts";

const dir = Deno.makeTempDirSync({ prefix: "dim-store-bench-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

const store = Store.open({ dataDir: `${dir}/messages` });
const queue = new MessageWriteQueue(store.messages);
const BODY = "x".repeat(1000); // a 1 KB encrypted payload
const BATCH = 64;
let serial = 0;

function randomSignature(): string {
  return btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(256))),
  );
}

function message(): OfflineMessage {
  const n = serial++;
  const receiver = `user${n % 1000}@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR`;
  const signature = randomSignature(); // RSA-size base64 signature
  const time = Date.now() / 1000;
  return {
    receiver,
    signature,
    time,
    msg: {
      sender: "alice@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
      receiver,
      time,
      data: BODY,
      signature,
    },
  };
}

function batch(): OfflineMessage[] {
  return Array.from({ length: BATCH }, message);
}

for (const durable of [false, true]) {
  const sync = durable ? "FULL" : "NORMAL";
  Deno.bench({
    name: `store 1 message per transaction (${sync})`,
    group: `offline store ${sync}`,
    baseline: true,
    fn() {
      store.messages.store(message(), { durable });
    },
  });
  Deno.bench({
    name: `storeMany ${BATCH} messages in one transaction (${sync})`,
    group: `offline store ${sync}`,
    fn() {
      store.messages.storeMany(batch(), { durable });
    },
  });
  Deno.bench({
    name: `hot path: store + delete, 2 transactions per message (${sync})`,
    group: `offline hot path ${sync}`,
    baseline: true,
    fn() {
      const m = message();
      store.messages.store(m, { durable });
      store.messages.delete(m.receiver, m.signature);
    },
  });
  Deno.bench({
    name:
      `hot path via queue: ${BATCH} concurrent store + delete, 2 group commits (${sync})`,
    group: `offline hot path ${sync}`,
    async fn() {
      const messages = batch();
      await Promise.all(messages.map((m) => queue.store(m, { durable })));
      await Promise.all(messages.map((m) => queue.delete(m)));
    },
  });
}

// a receiver with 5,000 waiting messages
// a live push's held store, cancelled by the receiver's acknowledgement
// (what nearly every routed text does): a promise and its then() per
// message (storeLater, before round four) or one held store (hold)
const held = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
const HELD = batch();
const HELD_KEYS = HELD.map((m) => `${m.signature}\n${m.receiver}`);
let taken = 0;
const counter = {
  stored: (written: boolean): void => void (written || taken++),
  failed: (): void => {},
};
Deno.bench({
  name: "64 held stores, each cancelled: storeLater + then",
  group: "held store",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      held.storeLater(HELD[i], HELD_KEYS[i]).then(counter.stored);
    }
    for (const key of HELD_KEYS) held.cancel(key);
  },
});
const HELD_STORES = HELD.map((m) => ({ ...counter, message: () => m }));
Deno.bench({
  name: "64 held stores, each cancelled: hold with a held store",
  group: "held store",
  fn() {
    for (let i = 0; i < BATCH; i++) held.hold(HELD_KEYS[i], HELD_STORES[i]);
    for (const key of HELD_KEYS) held.cancel(key);
  },
});

const LOADED = "loaded@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
for (let i = 0; i < 5000 / BATCH; i++) {
  store.messages.storeMany(batch().map((m) => ({ ...m, receiver: LOADED })));
}
Deno.bench({
  name: "load 100 of 5,000 messages",
  group: "offline load",
  fn() {
    store.messages.load(LOADED, 100);
  },
});
Deno.bench({
  name: "load all 5,000 messages",
  group: "offline load",
  fn() {
    store.messages.load(LOADED);
  },
});

// --- search over 100,000 documents ---
const search = Store.open({ dataDir: `${dir}/search` });
const setupStart = performance.now();
fillDocuments(search, DOCUMENTS);
const setupMs = performance.now() - setupStart;
const sqlite = search.db;
Deno.bench({
  name: `(setup) ${DOCUMENTS} documents indexed in ${Math.round(setupMs)} ms`,
  group: "search setup",
  fn() {},
});
const searches: [string, string[], number][] = [
  ["rare keyword (1 hit)", ["needle"], 50],
  ["common keyword, first page of 50", ["kalo"], 50],
  ["common keyword, page 20 of 50", ["kalo"], 1000],
  ["two keywords", ["zen", "ruto"], 50],
  ["two-character keyword (no index), first page", ["ka"], 50],
  ["keyword matching nothing", ["xyzzy"], 50],
  ["ID fragment", ["77777@"], 50],
];
for (const [label, keywords, end] of searches) {
  Deno.bench({
    name: `searchUsers: ${label}`,
    group: "search 100k documents",
    baseline: label.startsWith("rare"),
    fn() {
      search.search.searchUsers(keywords, end - 50, 50);
    },
  });
}
Deno.bench({
  name:
    "without the index: full scan for a rare keyword (SQL instr over lower(name, id))",
  group: "search 100k documents",
  fn() {
    sqlite.statement(
      `SELECT id FROM documents WHERE instr(lower(coalesce(name || ', ', '') || id), ?) > 0 LIMIT 50`,
    ).all("needle");
  },
});
