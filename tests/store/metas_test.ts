import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Database,
  InvalidRecordError,
  MIGRATIONS,
  Store,
} from "../../store/mod.ts";
import { tempDir, withStore } from "./_temp.ts";

const ID = "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const META = {
  type: 1,
  version: 1,
  key: {
    algorithm: "RSA",
    data: "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----",
  },
  seed: "hulk",
  fingerprint: "c2lnbmF0dXJl",
};

Deno.test("metas: the first meta is stored and served back exactly", async () => {
  await withStore((store) => {
    assert.equal(store.metas.has(ID), false);
    assert.equal(store.metas.get(ID), undefined);
    assert.equal(store.metas.save(ID, META), true);
    assert.equal(store.metas.has(ID), true);
    const served = store.metas.get(ID);
    assert.deepEqual(served, META);
    // key order is kept
    assert.equal(JSON.stringify(served), JSON.stringify(META));
  });
});

Deno.test("metas: a second meta for the same ID succeeds without overwriting", async () => {
  await withStore((store) => {
    store.metas.save(ID, META);
    const other = { ...META, fingerprint: "b3RoZXI=" };
    assert.equal(store.metas.save(ID, other), false);
    assert.deepEqual(store.metas.get(ID), META);
  });
});

Deno.test("metas: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    assert.throws(() => store.metas.save("", META), InvalidRecordError);
    assert.throws(
      () => store.metas.save(`${ID}/phone`, META),
      InvalidRecordError,
    );
    assert.throws(
      () => store.metas.save("x".repeat(65), META),
      InvalidRecordError,
    );
    assert.throws(
      () => store.metas.save(ID, null as unknown as Record<string, unknown>),
      InvalidRecordError,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(
      () => store.metas.save(ID, cyclic),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "meta",
    );
    assert.equal(store.metas.has(ID), false);
  });
});

Deno.test("metas: an older store's metas move into the table keyed by ID, in their order", () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  // a store of schema 4: metas in a rowid table beside its ID index
  const old = Database.open({ path, migrations: MIGRATIONS.slice(0, 4) });
  const insert = old.statement(
    "INSERT INTO metas (id, meta_json, added_at) VALUES (?, ?, ?)",
  );
  const ids = ["zed@x", "abe@x", "moe@x"];
  old.write(() => {
    for (const id of ids) insert.run(id, JSON.stringify(META), 1_700_000_000);
  });
  assert.equal(old.schemaVersion, 4);
  old.close();

  const store = Store.open({ path });
  try {
    assert.equal(store.db.schemaVersion, MIGRATIONS.length);
    assert.deepEqual(store.db.integrityCheck(), ["ok"]);
    for (const id of ids) {
      assert.equal(JSON.stringify(store.metas.get(id)), JSON.stringify(META));
    }
    // one B-tree: the table has no rowid
    assert.throws(
      () => store.db.statement("SELECT rowid FROM metas").all(),
      /rowid/,
    );
    // stored in the same second: by ID; a later one after them
    assert.equal(store.metas.save(ID, META), true);
    assert.deepEqual(store.metas.ids(), ["abe@x", "moe@x", "zed@x", ID]);
    assert.equal(store.metas.save(ID, { ...META, seed: "other" }), false);
  } finally {
    store.close();
  }
});
