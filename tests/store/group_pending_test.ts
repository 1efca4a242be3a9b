import assert from "node:assert/strict";
import { InvalidRecordError, Store } from "../../store/mod.ts";
import { manualClock, tempDir, withStore } from "./_temp.ts";

const G = "team@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const H = "club@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const CAROL = "carol@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const DAVE = "dave@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";

function item(member: string, group: string, ref: string, time?: number) {
  return { member, group, ref, time, messages: [{ signature: ref, group }] };
}

Deno.test("group pending: kept per member in the order kept, once per ref, removed when sent", async () => {
  await withStore((store) => {
    const pending = store.groupPending;
    assert.equal(pending.keep(item(CAROL, G, "s1")).kept, true);
    assert.equal(pending.keep(item(DAVE, G, "s1")).kept, true);
    assert.equal(pending.keep(item(CAROL, H, "s2")).kept, true);
    assert.equal(
      pending.keep(item(CAROL, G, "s3"), { durable: true }).kept,
      true,
    );
    // the same copy again: nothing changes
    assert.equal(pending.keep(item(CAROL, G, "s1")).kept, false);
    const rows = pending.list(CAROL);
    assert.deepEqual(rows.map((row) => row.ref), ["s1", "s2", "s3"]);
    assert.deepEqual(rows.map((row) => row.group), [G, H, G]);
    assert.deepEqual(rows[0].messages, [{ signature: "s1", group: G }]);
    assert.equal(pending.count(), 4);
    assert.equal(pending.count(CAROL), 3);
    assert.deepEqual(pending.waiting(), [
      { member: CAROL, count: 3 },
      { member: DAVE, count: 1 },
    ]);
    assert.deepEqual(pending.list(CAROL, 2).map((row) => row.ref), [
      "s1",
      "s2",
    ]);
    assert.equal(pending.remove([rows[0].seq, rows[1].seq]), 2);
    assert.equal(pending.remove([rows[0].seq]), 0);
    assert.deepEqual(pending.list(CAROL).map((row) => row.ref), ["s3"]);
  });
});

Deno.test("group pending: bad records are refused before anything is written", async () => {
  await withStore((store) => {
    const pending = store.groupPending;
    assert.throws(
      () => pending.keep(item("x@a/phone", G, "s")),
      InvalidRecordError,
    );
    assert.throws(() => pending.keep(item(CAROL, G, "")), InvalidRecordError);
    assert.throws(
      () => pending.keep({ member: CAROL, group: G, ref: "s", messages: [] }),
      InvalidRecordError,
    );
    assert.equal(pending.count(), 0);
  });
});

Deno.test("group pending: offline_retention and offline_cap bound it; what is dropped is told per member and group", async () => {
  const clock = manualClock(1_700_000_000);
  await withStore((store) => {
    const pending = store.groupPending;
    pending.keep(item(CAROL, G, "old", 1_700_000_000 - 50));
    pending.keep(item(CAROL, G, "new"));
    pending.keep(item(DAVE, H, "d1"));
    clock.set(1_700_000_000 + 60);
    // the old one is past its retention (counted from its time): not listed
    assert.deepEqual(pending.list(CAROL).map((row) => row.ref), ["new"]);
    assert.equal(pending.count(), 2);
    assert.deepEqual(pending.purgeExpired(), [
      { member: CAROL, group: G, count: 1 },
    ]);
    assert.deepEqual(pending.purgeExpired(), []);
    // the cap: three per member, the oldest pushed out
    pending.keep(item(DAVE, H, "d2"));
    pending.keep(item(DAVE, G, "d3"));
    const { kept, dropped } = pending.keep(item(DAVE, G, "d4"));
    assert.equal(kept, true);
    assert.deepEqual(dropped, [{ member: DAVE, group: H, count: 1 }]);
    assert.deepEqual(pending.list(DAVE).map((row) => row.ref), [
      "d2",
      "d3",
      "d4",
    ]);
    clock.set(1_700_000_000 + 200);
    assert.deepEqual(
      pending.purgeExpired().sort((a, b) =>
        `${a.member} ${a.group}`.localeCompare(`${b.member} ${b.group}`)
      ),
      [
        { member: CAROL, group: G, count: 1 },
        { member: DAVE, group: H, count: 1 },
        { member: DAVE, group: G, count: 2 },
      ],
    );
    assert.equal(pending.count(), 0);
  }, { now: clock.now, retentionSeconds: 100, offlineCap: 3 });
});

Deno.test("group pending: kept across a reopen of the file", () => {
  using dir = tempDir();
  const first = Store.open({ dataDir: dir.path });
  first.groupPending.keep(item(CAROL, G, "s1"), { durable: true });
  first.groupPending.keep(item(CAROL, G, "s2"), { durable: true });
  first.close();
  const again = Store.open({ dataDir: dir.path });
  try {
    assert.deepEqual(again.groupPending.list(CAROL).map((row) => row.ref), [
      "s1",
      "s2",
    ]);
  } finally {
    again.close();
  }
});
