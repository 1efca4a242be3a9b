import assert from "node:assert/strict";
import { InvalidRecordError, type LoginRecord } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const STATION = "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC";

function login(time: number | undefined, terminal?: string): LoginRecord {
  const cmd = {
    command: "login",
    did: BOB,
    time,
    station: { did: STATION, host: "127.0.0.1", port: 9394 },
    ...(terminal ? { terminal } : {}),
  };
  return {
    user: BOB,
    terminal,
    time,
    stationId: STATION,
    cmd,
    msg: {
      sender: BOB,
      receiver: "everyone@everywhere",
      data: "…",
      signature: `sig-${time}`,
    },
  };
}

Deno.test("logins: the newest record per user is kept, an older one refused", async () => {
  await withStore((store) => {
    assert.equal(store.logins.save(login(200)), true);
    assert.equal(store.logins.save(login(100)), false);
    assert.equal(store.logins.get(BOB)?.time, 200);
    assert.equal(store.logins.save(login(200)), true); // not older: accepted
    assert.equal(store.logins.save(login(300)), true);
    const stored = store.logins.get(BOB);
    assert.equal(stored?.time, 300);
    assert.equal(stored?.terminal, "");
    assert.equal(stored?.stationId, STATION);
    assert.deepEqual(stored?.cmd, login(300).cmd);
    assert.deepEqual(stored?.msg, login(300).msg);
  });
});

Deno.test("logins: a command without time is always accepted", async () => {
  await withStore((store) => {
    store.logins.save(login(500));
    assert.equal(store.logins.save(login(undefined)), true);
    assert.equal(store.logins.get(BOB)?.time, undefined);
    assert.equal(store.logins.save(login(1)), true);
  });
});

Deno.test("logins: kept per terminal; newest over all terminals", async () => {
  await withStore((store) => {
    store.logins.save(login(100, "phone"));
    store.logins.save(login(300, "desktop"));
    store.logins.save(login(200));
    assert.equal(store.logins.save(login(50, "phone")), false);
    assert.deepEqual(store.logins.list(BOB).map((l) => [l.terminal, l.time]), [
      ["desktop", 300],
      ["", 200],
      ["phone", 100],
    ]);
    assert.equal(store.logins.newest(BOB)?.terminal, "desktop");
    assert.equal(store.logins.get(BOB, "phone")?.time, 100);
    assert.equal(store.logins.get("nobody@x"), undefined);
    assert.equal(store.logins.newest("nobody@x"), undefined);
  });
});

Deno.test("logins: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    const bad: [string, LoginRecord][] = [
      ["user", { ...login(1), user: "" }],
      ["user", { ...login(1), user: `${BOB}/phone` }],
      ["terminal", { ...login(1), terminal: 3 as unknown as string }],
      ["time", { ...login(1), time: Number.NaN }],
      ["cmd", { ...login(1), cmd: null as unknown as Record<string, unknown> }],
      ["msg", { ...login(1), msg: [] as unknown as Record<string, unknown> }],
    ];
    for (const [field, record] of bad) {
      assert.throws(
        () => store.logins.save(record),
        (e: unknown) => e instanceof InvalidRecordError && e.field === field,
        field,
      );
    }
    assert.deepEqual(store.logins.list(BOB), []);
  });
});
