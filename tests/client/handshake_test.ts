import assert from "node:assert/strict";
import { HandshakeMachine } from "../../client/mod.ts";
import { parseId } from "../../dimp/identity/mod.ts";

// station-typed IDs (type 2) and a user, as the reference register tool makes them
const STATION = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
const OTHER_STATION = parseId("gsp-s002@wpjUWg1oYDnkHh74tHQFPxii6q9j3ymnyW");
const USER = parseId("moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk");
const KEY = "a".repeat(64);
const KEY2 = "b".repeat(64);

function again(session: string | undefined, sender = STATION) {
  return { sender, title: "DIM?", session };
}

function success(session: string | undefined, sender = STATION) {
  return { sender, title: "DIM!", session };
}

Deno.test("handshake: start → DIM? → restart with the key → DIM! → running", () => {
  const machine = new HandshakeMachine();
  assert.equal(machine.phase, "idle");
  assert.deepEqual(machine.begin(1), { action: "offer", session: undefined });
  assert.equal(machine.phase, "start");
  assert.equal(machine.station?.value, undefined);
  assert.deepEqual(machine.receive(again(KEY), 2), {
    action: "offer",
    session: KEY,
  });
  assert.equal(machine.phase, "restart");
  assert.equal(machine.station?.value, STATION.value);
  assert.equal(machine.sessionKey, KEY);
  assert.deepEqual(machine.receive(success(KEY), 3), {
    action: "success",
    session: KEY,
  });
  assert.equal(machine.phase, "running");
  assert.equal(machine.attempts, 0);
});

Deno.test("handshake: a DIM? with a different key drops the key and starts over", () => {
  const machine = new HandshakeMachine();
  machine.begin(1);
  machine.receive(again(KEY), 2);
  assert.deepEqual(machine.receive(again(KEY2), 3), {
    action: "offer",
    session: undefined,
  });
  assert.equal(machine.phase, "start");
  assert.equal(machine.sessionKey, undefined);
  assert.equal(machine.attempts, 2);
  // the new key is then taken as a first answer
  assert.deepEqual(machine.receive(again(KEY2), 4), {
    action: "offer",
    session: KEY2,
  });
});

Deno.test("handshake: the same key again (forced DIM?) makes another offer with it", () => {
  const machine = new HandshakeMachine();
  machine.begin(1);
  machine.receive(again(KEY), 2);
  machine.receive(success(KEY), 3);
  assert.deepEqual(machine.receive(again(KEY), 4), {
    action: "offer",
    session: KEY,
  });
  assert.equal(machine.phase, "restart");
  assert.equal(machine.receive(success(KEY), 5).action, "success");
});

Deno.test("handshake: DIM! with another key than the one offered starts over", () => {
  const machine = new HandshakeMachine();
  machine.begin(1);
  machine.receive(again(KEY), 2);
  assert.deepEqual(machine.receive(success(KEY2), 3), {
    action: "offer",
    session: undefined,
  });
  assert.equal(machine.phase, "start");
});

Deno.test("handshake: a 2021 DIM! without key is accepted and keeps the key offered", () => {
  const machine = new HandshakeMachine();
  machine.begin(1);
  machine.receive(again(KEY), 2);
  assert.deepEqual(machine.receive(success(undefined), 3), {
    action: "success",
    session: KEY,
  });
});

Deno.test("handshake: replies that are not for us are ignored", () => {
  const machine = new HandshakeMachine();
  assert.equal(machine.receive(again(KEY), 0).action, "ignore"); // idle
  machine.begin(1);
  // a user is not a station
  assert.equal(machine.receive(again(KEY, USER), 2).action, "ignore");
  // no key in DIM?
  assert.equal(machine.receive(again(undefined), 2).action, "ignore");
  // titles that are not replies
  for (const title of ["Hello world!", "Nice to meet you too!", ""]) {
    assert.equal(
      machine.receive({ sender: STATION, title, session: KEY }, 2).action,
      "ignore",
    );
  }
  assert.equal(machine.phase, "start");
  machine.receive(again(KEY), 3);
  // once adopted, another station is refused
  assert.equal(
    machine.receive(success(KEY, OTHER_STATION), 4).action,
    "ignore",
  );
  machine.receive(success(KEY), 5);
  // a duplicate DIM! while running
  assert.equal(machine.receive(success(KEY), 6).action, "ignore");
  assert.equal(machine.phase, "running");
});

Deno.test("handshake: an expected station ID refuses the others from the start", () => {
  const machine = new HandshakeMachine(STATION);
  machine.begin(1);
  assert.equal(machine.receive(again(KEY, OTHER_STATION), 2).action, "ignore");
  assert.equal(machine.receive(again(KEY), 2).action, "offer");
});

Deno.test("handshake: an offer expires after the timeout; reset keeps the station", () => {
  const machine = new HandshakeMachine();
  assert.equal(machine.expired(10_000, 100), false); // idle
  machine.begin(1000);
  assert.equal(machine.offeredAt, 1000);
  assert.equal(machine.expired(1099, 100), false);
  assert.equal(machine.expired(1100, 100), true);
  machine.receive(again(KEY), 1200);
  assert.equal(machine.expired(1250, 100), false);
  assert.equal(machine.expired(1300, 100), true);
  machine.receive(success(KEY), 1300);
  assert.equal(machine.expired(99_999, 100), false); // running
  machine.reset();
  assert.equal(machine.phase, "idle");
  assert.equal(machine.sessionKey, undefined);
  assert.equal(machine.station?.value, STATION.value);
});
