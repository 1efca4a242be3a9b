import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  InvalidRecordError,
  MAX_VISA_KEYS,
  PrivateKeyRecord,
} from "../../store/mod.ts";
import { manualClock, withStore } from "./_temp.ts";

const SECRET =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIC-secret-material\n-----END RSA PRIVATE KEY-----";

function rsaKey(n: number): Record<string, unknown> {
  return { algorithm: "RSA", data: `${SECRET}-${n}`, mode: "ECB" };
}

Deno.test("private keys: the identity key is stored, read back exactly and replaced", async () => {
  await withStore((store) => {
    assert.equal(store.privateKeys.identityKey("bot@x"), undefined);
    store.privateKeys.save("bot@x", "M", rsaKey(1));
    assert.deepEqual(
      store.privateKeys.identityKey("bot@x")?.reveal(),
      rsaKey(1),
    );
    store.privateKeys.save("bot@x", "M", rsaKey(2));
    const all = store.privateKeys.load("bot@x", "M");
    assert.equal(all.length, 1);
    assert.deepEqual(all[0].reveal(), rsaKey(2));
    assert.deepEqual(store.privateKeys.ids(), ["bot@x"]);
  });
});

Deno.test("private keys: at most three visa keys, newest first; re-saving moves a key to the front", async () => {
  const clock = manualClock();
  await withStore((store) => {
    for (let n = 1; n <= 5; n++) {
      clock.set(1_700_000_000 + n);
      store.privateKeys.save("bob@x", "V", rsaKey(n));
    }
    const keys = store.privateKeys.load("bob@x", "V");
    assert.equal(keys.length, MAX_VISA_KEYS);
    assert.deepEqual(
      keys.map((k) => k.reveal().data),
      [5, 4, 3].map((n) => `${SECRET}-${n}`),
    );
    assert.deepEqual(keys.map((k) => k.addedAt), [
      1_700_000_005,
      1_700_000_004,
      1_700_000_003,
    ]);
    store.privateKeys.save("bob@x", "V", rsaKey(3));
    assert.deepEqual(
      store.privateKeys.load("bob@x", "V").map((k) => k.reveal().data),
      [3, 5, 4].map((n) => `${SECRET}-${n}`),
    );
    // visa keys are not identity keys
    assert.equal(store.privateKeys.identityKey("bob@x"), undefined);
    assert.deepEqual(store.privateKeys.ids(), []);
  }, { now: clock.now });
});

Deno.test("private keys: printing a record never shows key material", async () => {
  await withStore((store) => {
    store.privateKeys.save("bot@x", "M", rsaKey(7));
    const record = store.privateKeys.identityKey("bot@x");
    assert.ok(record instanceof PrivateKeyRecord);
    const printed = [
      String(record),
      `${record}`,
      JSON.stringify(record),
      JSON.stringify({ nested: [record] }),
      Deno.inspect(record),
      Deno.inspect({ record }, { depth: 10 }),
      inspect(record),
      inspect([record], { depth: 10 }),
    ];
    for (const text of printed) {
      assert.ok(!text.includes("secret-material"), text);
      assert.ok(!text.includes("RSA PRIVATE"), text);
      assert.match(text, /bot@x/);
      assert.match(text, /redacted/);
    }
    // asked for explicitly, the key is there
    assert.match(String(record.reveal().data), /secret-material/);
  });
});

Deno.test("private keys: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    assert.throws(
      () => store.privateKeys.save("bot@x", "X" as "M", rsaKey(1)),
      InvalidRecordError,
    );
    assert.throws(
      () => store.privateKeys.save("bot@x/phone", "M", rsaKey(1)),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "id",
    );
    assert.throws(
      () =>
        store.privateKeys.save(
          "bot@x",
          "M",
          [] as unknown as Record<string, unknown>,
        ),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "key",
    );
    assert.deepEqual(store.privateKeys.load("bot@x", "M"), []);
  });
});
