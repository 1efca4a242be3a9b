/**
 * What a restarted station reads ahead (issue 18): an ID's meta and newest
 * visa in one query, the most recent message keys into a destination, and
 * the account caches filled with them — on a real SQLite file, with real
 * accounts.
 */
import assert from "node:assert/strict";
import { StatementSync } from "node:sqlite";
import {
  generateSymmetricKey,
  type SymmetricKey,
} from "../../dimp/crypto/mod.ts";
import {
  Document,
  EntityType,
  generateAccount,
  type GeneratedAccount,
  parseId,
} from "../../dimp/identity/mod.ts";
import { Accounts, Store, StoredCipherKeyCache } from "../../store/mod.ts";
import { manualClock, tempDir, withStore } from "./_temp.ts";

const station = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
const DAY = 24 * 3600;
const USERS = [
  "alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ",
  "bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ",
  "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
];

/** How many statements `fn` runs. */
function statements(fn: () => void): number {
  const proto = StatementSync.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  let count = 0;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of ["get", "all", "run", "iterate"]) {
    const original = proto[name];
    originals.set(name, original);
    proto[name] = function (this: unknown, ...args: unknown[]): unknown {
      count++;
      return original.apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return count;
}

/** A user stored with its meta and first visa; also a newer visa of it. */
async function storedUser(
  accounts: Accounts,
  name: string,
): Promise<GeneratedAccount> {
  const account = await generateAccount({
    type: EntityType.USER,
    properties: { name },
  });
  await accounts.saveMeta(account.id, account.meta.toJSON());
  await accounts.saveDocument(account.document.toJSON(), { id: account.id });
  return account;
}

Deno.test("metas.withNewest: the meta and the document Documents.newest picks (the type first, else the fallback), in one query", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const user = await storedUser(accounts, "u1");
    const id = user.id.value;
    const found = store.metas.withNewest(id, "visa", "profile");
    assert.deepEqual(found?.meta, store.metas.get(id));
    assert.deepEqual(found?.document, store.documents.newest(id, "visa")?.doc);
    // a newer visa is the one
    const newer = Document.parse(user.document.toDictionary());
    newer.setProperty("name", "u1 again");
    await newer.sign(user.identityKey!, (user.document.time ?? 0) + 1);
    await accounts.saveDocument(newer.toJSON(), { id: user.id });
    assert.deepEqual(
      store.metas.withNewest(id, "visa", "profile")?.document,
      store.documents.newest(id, "visa", "profile")?.doc,
    );
    assert.equal(
      Document.parse(store.metas.withNewest(id, "visa")!.document).name,
      "u1 again",
    );
    // no document of the type: the meta alone; no meta: nothing
    assert.deepEqual(store.metas.withNewest(id, "bulletin"), {
      meta: store.metas.get(id),
    });
    assert.equal(
      store.metas.withNewest(
        "nobody@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
        "visa",
      ),
      undefined,
    );
    assert.equal(
      statements(() => store.metas.withNewest(id, "visa", "profile")),
      1,
    );
  });
});

Deno.test("message keys: recent into a destination, newest first, bounded, fresh only, kept ones included", () => {
  using dir = tempDir();
  const clock = manualClock();
  const store = Store.open({ dataDir: dir.path, now: clock.now });
  try {
    const keys = store.messageKeys;
    for (let i = 0; i < 5; i++) {
      clock.set(1_700_000_000 + i);
      keys.put(`u${i}@x`, station.value, { algorithm: "AES", data: `${i}` });
    }
    keys.put("u9@x", "other@y", { algorithm: "AES", data: "9" });
    keys.flush();
    clock.set(1_700_000_010);
    keys.put("u1@x", station.value, { algorithm: "AES", data: "1b" }); // kept
    assert.deepEqual(
      keys.recent(station.value, 3).map((row) => [row.sender, row.key.data]),
      [["u1@x", "1b"], ["u4@x", "4"], ["u3@x", "3"]],
    );
    assert.equal(keys.recent(station.value, 100).length, 5);
    assert.deepEqual(keys.recent(station.value, 0), []);
    // past the time to live: none
    clock.set(1_700_000_003 + 7 * DAY);
    assert.deepEqual(
      keys.recent(station.value, 100).map((row) => row.sender),
      ["u1@x", "u4@x"],
    );
  } finally {
    store.close();
  }
});

Deno.test("StoredCipherKeyCache.preload: the recent keys in memory (no query when asked), their senders most recent first", async () => {
  using dir = tempDir();
  const first = Store.open({ dataDir: dir.path });
  const keys: SymmetricKey[] = [];
  for (let i = 0; i < 3; i++) {
    const key = await generateSymmetricKey();
    keys.push(key);
    first.messageKeys.put(USERS[i], station.value, key.toDictionary());
  }
  first.close();
  const store = Store.open({ dataDir: dir.path });
  try {
    const cache = new StoredCipherKeyCache(store.messageKeys, station);
    assert.deepEqual(cache.preload(2), [USERS[2], USERS[1]]);
    let found;
    assert.equal(
      statements(() => {
        found = cache.get(parseId(USERS[1]), station);
      }),
      0,
    );
    assert.deepEqual(found!.toDictionary(), keys[1].toDictionary());
    // not read ahead: from the store on demand, as before
    assert.ok(
      statements(() => {
        found = cache.get(parseId(USERS[0]), station);
      }) > 0,
    );
    assert.deepEqual(found!.toDictionary(), keys[0].toDictionary());
  } finally {
    store.close();
  }
});

Deno.test("accounts.preload: metas and newest visas read ahead (no query on the handshake's reads), bounded, bad rows left to the reads on demand", async () => {
  using dir = tempDir();
  const first = Store.open({ dataDir: dir.path });
  const writer = new Accounts(first);
  const users: GeneratedAccount[] = [];
  for (let i = 0; i < 3; i++) users.push(await storedUser(writer, `u${i}`));
  // a stored visa that no longer parses (written around the facade)
  const broken = await storedUser(writer, "broken");
  first.db.statement("UPDATE documents SET doc_json = ? WHERE id = ?").run(
    JSON.stringify({ type: "visa" }),
    broken.id.value,
  );
  first.close();

  const store = Store.open({ dataDir: dir.path });
  try {
    const accounts = new Accounts(store, { cacheSize: 2 });
    const ids = [...users.map((u) => u.id.value), "not an id", broken.id];
    // bounded by the cache: the first two given
    assert.equal(accounts.preload(ids), 2);
    assert.equal(
      statements(() => {
        for (const user of users.slice(0, 2)) {
          assert.deepEqual(
            accounts.meta(user.id)?.toDictionary(),
            user.meta.toDictionary(),
          );
          assert.equal(accounts.visa(user.id)?.name, user.document.name);
          assert.ok(accounts.encryptionKey(user.id) !== undefined);
        }
      }),
      0,
    );
    // the third one: meta and visa in one query on demand
    assert.equal(
      statements(() => {
        assert.equal(accounts.meta(users[2].id)?.type, users[2].meta.type);
        assert.equal(accounts.visa(users[2].id)?.name, "u2");
      }),
      1,
    );
    // a visa that does not parse: the meta is read, the visa refused when asked
    const wide = new Accounts(store);
    assert.equal(wide.preload([broken.id]), 1);
    assert.equal(wide.meta(broken.id)?.type, broken.meta.type);
    assert.throws(() => wide.visa(broken.id));
  } finally {
    store.close();
  }
});
