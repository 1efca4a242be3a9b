/**
 * Account facade benchmarks: what the station does on every handshake and
 * reply (the meta, the newest visa and its encryption key of a known
 * user — cached vs read and parsed from SQLite each time), and a document
 * upload (verify + store).
 *
 *     deno bench -A tests/bench/accounts_bench.ts
 *
 * @module
 */
import { Document } from "../../dimp/identity/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { botRecord } from "../store/_accounts.ts";

const dir = Deno.makeTempDirSync({ prefix: "dim-accounts-bench-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

const store = Store.open({ dataDir: dir });
const cached = new Accounts(store);
const start = Date.now() / 1000 - 3600;
const ids: string[] = [];
for (let i = 0; i < 100; i++) {
  const record = await botRecord({ seed: `bot${i}`, now: start });
  await cached.saveAccount(record);
  ids.push(record.id);
}
// a cache of one entry: every lookup of 100 IDs reads and parses again
const uncached = new Accounts(store, { cacheSize: 1 });
let n = 0;

Deno.bench("meta(id), cached", { group: "meta" }, () => {
  cached.meta(ids[n++ % ids.length]);
});

Deno.bench("meta(id), read and parsed", { group: "meta" }, () => {
  uncached.meta(ids[n++ % ids.length]);
});

Deno.bench("encryptionKey(id) (newest visa), cached", { group: "visa" }, () => {
  cached.encryptionKey(ids[n++ % ids.length]);
});

Deno.bench(
  "encryptionKey(id) (newest visa), read and parsed",
  { group: "visa" },
  () => {
    uncached.encryptionKey(ids[n++ % ids.length]);
  },
);

// re-signed visas of one bot, each a little newer
const key = cached.identityKey(ids[0])!;
const visa = Document.parse(cached.visa(ids[0])!.toDictionary());
let time = start;

Deno.bench("saveDocument (ECDSA verify + store a newer visa)", async (b) => {
  visa.setProperty("name", `Bot ${time}`);
  await visa.sign(key, time += 0.001);
  const dict = visa.toDictionary();
  b.start();
  await cached.saveDocument(dict);
  b.end();
});
