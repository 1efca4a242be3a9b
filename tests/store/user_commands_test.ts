import assert from "node:assert/strict";
import { InvalidRecordError, type UserCommandKind } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";

function block(
  time: number | undefined,
  list: string[],
): Record<string, unknown> {
  return {
    type: 136,
    sn: 1,
    command: "block",
    ...(time === undefined ? {} : { time }),
    list,
  };
}

Deno.test("user commands: the whole command is stored and served back per kind", async () => {
  await withStore((store) => {
    assert.equal(store.userCommands.get(BOB, "block"), undefined);
    assert.equal(
      store.userCommands.save({
        user: BOB,
        kind: "block",
        time: 10,
        cmd: block(10, ["a@x"]),
      }),
      true,
    );
    assert.equal(
      store.userCommands.save({
        user: BOB,
        kind: "mute",
        time: 10,
        cmd: { command: "mute", list: [] },
      }),
      true,
    );
    assert.deepEqual(store.userCommands.get(BOB, "block"), block(10, ["a@x"]));
    assert.deepEqual(store.userCommands.get(BOB, "mute"), {
      command: "mute",
      list: [],
    });
    assert.equal(store.userCommands.get(BOB, "contacts"), undefined);
  });
});

Deno.test("user commands: a newer command replaces, an older one is refused", async () => {
  await withStore((store) => {
    store.userCommands.save({
      user: BOB,
      kind: "block",
      time: 10,
      cmd: block(10, ["a@x"]),
    });
    assert.equal(
      store.userCommands.save({
        user: BOB,
        kind: "block",
        time: 5,
        cmd: block(5, []),
      }),
      false,
    );
    assert.deepEqual(store.userCommands.get(BOB, "block"), block(10, ["a@x"]));
    assert.equal(
      store.userCommands.save({
        user: BOB,
        kind: "block",
        time: 20,
        cmd: block(20, ["b@x"]),
      }),
      true,
    );
    assert.equal(
      store.userCommands.save({
        user: BOB,
        kind: "block",
        cmd: block(undefined, []),
      }),
      true,
    );
    assert.deepEqual(
      store.userCommands.get(BOB, "block"),
      block(undefined, []),
    );
  });
});

Deno.test("user commands: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    assert.throws(
      () =>
        store.userCommands.save({
          user: BOB,
          kind: "pin" as UserCommandKind,
          cmd: {},
        }),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "kind",
    );
    assert.throws(
      () => store.userCommands.save({ user: "", kind: "block", cmd: {} }),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "user",
    );
    assert.throws(
      () =>
        store.userCommands.save({
          user: BOB,
          kind: "block",
          time: Infinity,
          cmd: {},
        }),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "time",
    );
    assert.throws(
      () =>
        store.userCommands.save({
          user: BOB,
          kind: "block",
          cmd: "x" as unknown as Record<string, unknown>,
        }),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "cmd",
    );
    assert.equal(store.userCommands.get(BOB, "block"), undefined);
  });
});
