import assert from "node:assert/strict";
import { InvalidRecordError } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

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
