import assert from "node:assert/strict";
import { type DocumentRecord, InvalidRecordError } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

const ID = "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk";

function visa(
  fields: {
    type?: string;
    created?: number;
    time?: number;
    name?: string;
    tag?: string;
  },
): DocumentRecord {
  const type = fields.type ?? "visa";
  const data = JSON.stringify({
    type,
    created_time: fields.created,
    time: fields.time,
    name: fields.name,
    tag: fields.tag,
  });
  return {
    id: ID,
    type,
    createdTime: fields.created,
    time: fields.time,
    name: fields.name,
    doc: {
      did: ID,
      ID,
      type,
      data,
      signature: `sig-${fields.tag ?? data.length}`,
    },
  };
}

Deno.test("documents: same type and created_time replaces, otherwise appends", async () => {
  await withStore((store) => {
    assert.equal(
      store.documents.save(visa({ created: 100, time: 100, tag: "a" })),
      "added",
    );
    assert.equal(
      store.documents.save(visa({ created: 200, time: 200, tag: "b" })),
      "added",
    );
    assert.equal(
      store.documents.save(
        visa({ type: "profile", created: 100, time: 150, tag: "c" }),
      ),
      "added",
    );
    assert.equal(
      store.documents.save(visa({ created: 100, time: 300, tag: "d" })),
      "replaced",
    );
    // an identical document changes nothing
    assert.equal(
      store.documents.save(visa({ created: 100, time: 300, tag: "d" })),
      "unchanged",
    );
    const listed = store.documents.list(ID);
    assert.deepEqual(
      listed.map((d) => [d.type, d.createdTime, d.time]),
      [["visa", 200, 200], ["profile", 100, 150], ["visa", 100, 300]],
    );
    assert.deepEqual(
      listed[2].doc,
      visa({ created: 100, time: 300, tag: "d" }).doc,
    );
    assert.deepEqual(store.documents.list("other@x"), []);
  });
});

Deno.test("documents: two documents without created_time count as the same", async () => {
  await withStore((store) => {
    assert.equal(store.documents.save(visa({ time: 1, tag: "old" })), "added");
    assert.equal(
      store.documents.save(visa({ time: 2, tag: "new" })),
      "replaced",
    );
    const listed = store.documents.list(ID);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].createdTime, undefined);
    assert.equal(listed[0].doc.signature, "sig-new");
  });
});

Deno.test("documents: newest of a type is the greatest time", async () => {
  await withStore((store) => {
    store.documents.save(visa({ created: 1, time: 30, tag: "t30" }));
    store.documents.save(visa({ created: 2, time: 10, tag: "t10" }));
    store.documents.save(
      visa({ type: "profile", created: 3, time: 99, tag: "p" }),
    );
    assert.equal(store.documents.newest(ID, "visa")?.doc.signature, "sig-t30");
    assert.equal(store.documents.newest(ID, "profile")?.doc.signature, "sig-p");
    assert.equal(store.documents.newest(ID, "bulletin"), undefined);
  });
});

Deno.test("documents: newest with a fallback type: the type's newest when it has any, else the fallback's", async () => {
  await withStore((store) => {
    assert.equal(store.documents.newest(ID, "visa", "profile"), undefined);
    store.documents.save(
      visa({ type: "profile", created: 1, time: 50, tag: "p50" }),
    );
    store.documents.save(
      visa({ type: "profile", created: 2, time: 20, tag: "p20" }),
    );
    assert.equal(
      store.documents.newest(ID, "visa", "profile")?.doc.signature,
      "sig-p50",
    );
    // a visa wins over any profile, even a newer one; then the visas' order
    store.documents.save(visa({ created: 3, tag: "untimed" }));
    assert.equal(
      store.documents.newest(ID, "visa", "profile")?.doc.signature,
      "sig-untimed",
    );
    store.documents.save(visa({ created: 4, time: 10, tag: "t10" }));
    store.documents.save(visa({ created: 5, time: 30, tag: "t30" }));
    store.documents.save(visa({ created: 6, time: 30, tag: "t30-later" }));
    assert.equal(
      store.documents.newest(ID, "visa", "profile")?.doc.signature,
      "sig-t30-later",
    );
    assert.deepEqual(
      store.documents.newest(ID, "visa", "profile"),
      store.documents.newest(ID, "visa"),
    );
    assert.equal(
      store.documents.newest(ID, "profile", "visa")?.doc.signature,
      "sig-p50",
    );
  });
});

Deno.test("documents: on equal times the later received wins (identity.md §9.6)", async () => {
  await withStore((store) => {
    store.documents.save(visa({ created: 1, time: 50, tag: "first" }));
    store.documents.save(visa({ created: 2, time: 50, tag: "second" }));
    assert.equal(
      store.documents.newest(ID, "visa")?.doc.signature,
      "sig-second",
    );
    // a replacement counts as received now
    store.documents.save(visa({ created: 1, time: 50, tag: "first-again" }));
    assert.equal(
      store.documents.newest(ID, "visa")?.doc.signature,
      "sig-first-again",
    );
  });
});

Deno.test("documents: a missing time is older than any time", async () => {
  await withStore((store) => {
    store.documents.save(visa({ created: 1, time: 5, tag: "timed" }));
    store.documents.save(visa({ created: 2, tag: "untimed" }));
    assert.equal(
      store.documents.newest(ID, "visa")?.doc.signature,
      "sig-timed",
    );
    store.documents.save(visa({ created: 3, tag: "untimed-later" }));
    assert.equal(
      store.documents.newest(ID, "visa")?.doc.signature,
      "sig-timed",
    );
  });
  await withStore((store) => {
    // among documents without time, the later received wins
    store.documents.save(visa({ created: 1, tag: "u1" }));
    store.documents.save(visa({ created: 2, tag: "u2" }));
    assert.equal(store.documents.newest(ID, "visa")?.doc.signature, "sig-u2");
  });
});

Deno.test("documents: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    const good = visa({ created: 1, time: 1, name: "moki" });
    const bad: [string, DocumentRecord][] = [
      ["id", { ...good, id: "" }],
      ["id", { ...good, id: `${ID}/phone` }],
      ["type", { ...good, type: "" }],
      ["createdTime", { ...good, createdTime: Number.NaN }],
      ["time", { ...good, time: "1" as unknown as number }],
      ["name", { ...good, name: 7 as unknown as string }],
      ["doc", { ...good, doc: "text" as unknown as Record<string, unknown> }],
    ];
    for (const [field, record] of bad) {
      assert.throws(
        () => store.documents.save(record),
        (e: unknown) => e instanceof InvalidRecordError && e.field === field,
        field,
      );
    }
    assert.deepEqual(store.documents.list(ID), []);
    store.metas.save(ID, { type: 1 });
    assert.deepEqual(store.search.searchUsers(["moki"], 0, 10), []);
  });
});
