import assert from "node:assert/strict";
import { generateSymmetricKey } from "../../dimp/crypto/mod.ts";
import { parseId } from "../../dimp/identity/mod.ts";
import { Store, StoredCipherKeyCache } from "../../store/mod.ts";
import { tempDir } from "./_temp.ts";

const alice = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
const station = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
const DAY = 24 * 3600;

function rows(store: Store): number {
  return Number(
    store.db.statement("SELECT count(*) AS n FROM message_keys").get()?.n,
  );
}

Deno.test("message keys: kept at once, written behind in one commit, there after a reopen", () => {
  using dir = tempDir();
  const store = Store.open({ dataDir: dir.path });
  store.messageKeys.put(alice.value, station.value, {
    algorithm: "AES",
    data: "a",
  });
  store.messageKeys.put(bob.value, station.value, {
    algorithm: "AES",
    data: "b",
  });
  assert.equal(store.messageKeys.pending, 2);
  assert.equal(rows(store), 0);
  assert.equal(
    store.messageKeys.get(alice.value, station.value)?.key.data,
    "a",
  );
  store.messageKeys.flush();
  assert.equal(store.messageKeys.pending, 0);
  assert.equal(rows(store), 2);
  store.messageKeys.put(alice.value, station.value, {
    algorithm: "AES",
    data: "a2",
  });
  store.close(); // writes the rest
  const again = Store.open({ dataDir: dir.path });
  try {
    assert.equal(rows(again), 2);
    assert.equal(
      again.messageKeys.get(alice.value, station.value)?.key.data,
      "a2",
    );
    assert.equal(again.messageKeys.get(station.value, alice.value), undefined);
  } finally {
    again.close();
  }
});

Deno.test("message keys: a storm's keys go in small commits by themselves (32 rows at most each)", async () => {
  using dir = tempDir();
  const store = Store.open({ dataDir: dir.path });
  try {
    for (let i = 0; i < 40; i++) {
      store.messageKeys.put(`u${i}@x`, station.value, {
        algorithm: "AES",
        data: `${i}`,
      });
    }
    while (store.messageKeys.pending === 40) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(rows(store), 32);
    assert.equal(store.messageKeys.pending, 8);
    while (store.messageKeys.pending > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(rows(store), 40);
  } finally {
    store.close();
  }
});

Deno.test("message keys: older than 7 days are not used and go; the table keeps at most its bound, oldest first", () => {
  let now = 1_000_000;
  using dir = tempDir();
  const store = Store.open({
    dataDir: dir.path,
    now: () => now,
    maxMessageKeys: 3,
  });
  try {
    for (let i = 0; i < 5; i++) {
      store.messageKeys.put(`u${i}@x`, station.value, {
        algorithm: "AES",
        data: `${i}`,
      });
      store.messageKeys.flush();
      now += 10;
    }
    assert.equal(rows(store), 3);
    assert.equal(store.messageKeys.get("u0@x", station.value), undefined);
    assert.equal(store.messageKeys.get("u1@x", station.value), undefined);
    assert.equal(store.messageKeys.get("u4@x", station.value)?.key.data, "4");
    now += 7 * DAY;
    assert.equal(store.messageKeys.get("u4@x", station.value), undefined);
    store.messageKeys.put("u5@x", station.value, {
      algorithm: "AES",
      data: "5",
    });
    store.messageKeys.put("u6@x", station.value, {
      algorithm: "AES",
      data: "6",
    });
    store.messageKeys.flush();
    // the expired three went with the commit that passed the bound
    assert.equal(rows(store), 2);
  } finally {
    store.close();
  }
});

Deno.test("stored cipher keys: a key into the station survives a restart and opens what it sealed; other directions stay in memory", async () => {
  using dir = tempDir();
  const key = generateSymmetricKey();
  const reply = generateSymmetricKey();
  const params: Record<string, unknown> = {};
  const sealed = await key.encrypt(new TextEncoder().encode("hello"), params);
  {
    const store = Store.open({ dataDir: dir.path });
    const cache = new StoredCipherKeyCache(store.messageKeys, station);
    cache.set(alice, station, key);
    cache.set(alice, station, key); // the same key again: nothing more to write
    cache.set(station, alice, reply);
    assert.equal(cache.get(station, alice), reply);
    assert.equal(store.messageKeys.pending, 1);
    store.close();
  }
  const store = Store.open({ dataDir: dir.path });
  try {
    assert.equal(rows(store), 1);
    const cache = new StoredCipherKeyCache(store.messageKeys, station);
    assert.equal(cache.get(station, alice), undefined);
    assert.equal(cache.get(bob, station), undefined);
    const loaded = cache.get(alice, station);
    assert.ok(loaded !== undefined);
    assert.equal(
      cache.get(alice, station),
      loaded,
      "read once, then from memory",
    );
    const opened = await loaded.decrypt(sealed, params);
    assert.equal(new TextDecoder().decode(opened), "hello");
    // a key saved 7 days ago is not used
    const later = new StoredCipherKeyCache(
      store.messageKeys,
      station,
      () => Date.now() + 7 * DAY * 1000 + 1000,
    );
    assert.equal(later.get(alice, station), undefined);
  } finally {
    store.close();
  }
});
