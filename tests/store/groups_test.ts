import assert from "node:assert/strict";
import { InvalidRecordError } from "../../store/mod.ts";
import { manualClock, withStore } from "./_temp.ts";

const G = "team@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const H = "club@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";

Deno.test("group members: ordered lists per group, replaced whole, repeats kept once", async () => {
  await withStore((store) => {
    const members = store.groupMembers;
    assert.deepEqual(members.get(G), []);
    assert.equal(
      members.save(G, ["owner@a", "bob@a", "carol@a", "bob@a"]),
      true,
    );
    assert.deepEqual(members.get(G), ["owner@a", "bob@a", "carol@a"]);
    assert.equal(members.save(G, ["owner@a", "bob@a", "carol@a"]), false);
    assert.equal(members.save(G, ["owner@a", "carol@a"]), true);
    assert.deepEqual(members.get(G), ["owner@a", "carol@a"]);
    assert.equal(members.has(G, "carol@a"), true);
    assert.equal(members.has(G, "bob@a"), false);
    assert.equal(members.has(H, "carol@a"), false);
    // the administrators are another list of the same shape
    store.groupAdmins.save(G, ["carol@a"]);
    assert.deepEqual(store.groupAdmins.get(G), ["carol@a"]);
    assert.deepEqual(members.get(G), ["owner@a", "carol@a"]);
  });
});

Deno.test("group members: a bad ID is refused and the old list kept", async () => {
  await withStore((store) => {
    store.groupMembers.save(G, ["owner@a"]);
    assert.throws(
      () => store.groupMembers.save(G, ["owner@a", "x@a/phone"]),
      InvalidRecordError,
    );
    assert.throws(
      () => store.groupMembers.save("", ["a@a"]),
      InvalidRecordError,
    );
    assert.deepEqual(store.groupMembers.get(G), ["owner@a"]);
  });
});

Deno.test("group history: appended in order; a reset drops older commands and resets", async () => {
  const clock = manualClock(500);
  await withStore((store) => {
    const history = store.groupHistory;
    const add = (command: string, time: number | undefined, group = G) =>
      history.append({
        group,
        command,
        sender: "owner@a",
        time,
        cmd: { command, time },
        msg: { signature: `${command}${time}` },
      });
    add("reset", 100);
    add("invite", 110);
    add("quit", undefined);
    add("reset", 90, H);
    assert.equal(history.resetTime(G), 100);
    assert.deepEqual(history.list(G).map((r) => r.command), [
      "reset",
      "invite",
      "quit",
    ]);
    add("join", 130);
    add("reset", 120);
    // the old reset, the invite before it and the quit without time are gone
    const rows = history.list(G);
    assert.deepEqual(rows.map((r) => [r.command, r.time]), [
      ["join", 130],
      ["reset", 120],
    ]);
    assert.deepEqual(rows[1].msg, { signature: "reset120" });
    assert.equal(rows[1].savedAt, 500);
    assert.equal(history.resetTime(G), 120);
    assert.deepEqual(history.list(H).map((r) => r.command), ["reset"]);
    assert.equal(history.resetTime("none@a"), undefined);
  }, { now: clock.now });
});

Deno.test("group history: bad records are refused and nothing is written", async () => {
  await withStore((store) => {
    const good = {
      group: G,
      command: "quit",
      sender: "bob@a",
      cmd: {},
      msg: {},
    };
    assert.throws(
      () => store.groupHistory.append({ ...good, command: "" }),
      InvalidRecordError,
    );
    assert.throws(
      () => store.groupHistory.append({ ...good, time: Number.NaN }),
      InvalidRecordError,
    );
    assert.throws(
      () =>
        store.groupHistory.append({
          ...good,
          msg: [] as unknown as Record<string, unknown>,
        }),
      InvalidRecordError,
    );
    assert.deepEqual(store.groupHistory.list(G), []);
  });
});

Deno.test("group keys: the same digest merges, another digest replaces", async () => {
  await withStore((store) => {
    const keys = store.groupKeys;
    assert.equal(keys.get(G, "alice@a"), undefined);
    let result = keys.merge(G, "alice@a", { "bob@a": "K1b", digest: "d1" });
    assert.equal(result.changed, true);
    result = keys.merge(G, "alice@a", { "carol@a": "K1c", digest: "d1" });
    assert.deepEqual(result.keys, {
      "bob@a": "K1b",
      digest: "d1",
      "carol@a": "K1c",
    });
    assert.equal(
      keys.merge(G, "alice@a", { "bob@a": "K1b", digest: "d1" }).changed,
      false,
    );
    result = keys.merge(G, "alice@a", { "bob@a": "K2b", digest: "d2" });
    assert.deepEqual(keys.get(G, "alice@a"), { "bob@a": "K2b", digest: "d2" });
    // keys without a digest replace
    keys.merge(G, "alice@a", { "carol@a": "K3c" });
    assert.deepEqual(keys.get(G, "alice@a"), { "carol@a": "K3c" });
    assert.equal(keys.get(H, "alice@a"), undefined);
  });
});

Deno.test("group keys: bad input is refused and the stored keys kept", async () => {
  await withStore((store) => {
    store.groupKeys.merge(G, "alice@a", { "bob@a": "K1b" });
    assert.throws(
      () => store.groupKeys.merge(G, "", { "bob@a": "x" }),
      InvalidRecordError,
    );
    assert.throws(
      () =>
        store.groupKeys.merge(
          G,
          "alice@a",
          "nope" as unknown as Record<string, unknown>,
        ),
      InvalidRecordError,
    );
    assert.deepEqual(store.groupKeys.get(G, "alice@a"), { "bob@a": "K1b" });
  });
});
