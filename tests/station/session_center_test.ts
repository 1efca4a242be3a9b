/**
 * The session registry keeps a user's only session without a set of its
 * own (issue 18: memory per idle session); a second session of the same
 * user, and the first leaving, behave as before.
 */
import assert from "node:assert/strict";
import { EntityType } from "../../dimp/identity/mod.ts";
import { Session, SessionCenter } from "../../station/mod.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { accounts, newAccount } from "./_peer.ts";

const [{ id: ALICE }, { id: BOB }] = await accounts(2);
const { id: STATION } = await newAccount(EntityType.STATION, "gsp-s001");
const { id: NEIGHBOUR } = await newAccount(EntityType.STATION, "gsp-s002");

function opened(center: SessionCenter): Session {
  const session = new Session(new MemoryConnection());
  center.add(session);
  return session;
}

function activeIds(center: SessionCenter): string[] {
  const ids: string[] = [];
  center.eachActiveId((id) => ids.push(id.value));
  return ids.sort();
}

Deno.test("SessionCenter: one session per user, a second of the same user, the first leaving", () => {
  const center = new SessionCenter(STATION);
  const a1 = opened(center);
  const b = opened(center);
  const unbound = opened(center);
  center.bind(a1, ALICE);
  center.bind(b, BOB);
  assert.deepEqual(center.active(ALICE), [a1]);
  assert.deepEqual(center.sessions(ALICE), [a1]);
  assert.deepEqual(activeIds(center), [ALICE.value, BOB.value].sort());
  // alice on a second device: both receive pushes, her ID is listed once
  const a2 = opened(center);
  center.bind(a2, ALICE);
  assert.deepEqual(center.active(ALICE), [a1, a2]);
  assert.deepEqual(activeIds(center), [ALICE.value, BOB.value].sort());
  // the first leaves: the second stays
  a1.conn.close();
  center.remove(a1);
  assert.deepEqual(center.active(ALICE), [a2]);
  assert.deepEqual(center.sessions(ALICE), [a2]);
  // an inactive session is not listed; an unbound one never is
  a2.setActive(false);
  assert.deepEqual(center.active(ALICE), []);
  assert.deepEqual(center.sessions(ALICE), [a2]);
  assert.deepEqual(activeIds(center), [BOB.value]);
  center.remove(a2);
  center.remove(b);
  assert.deepEqual(center.active(ALICE), []);
  assert.deepEqual(center.sessions(BOB), []);
  assert.deepEqual([...center.ids()], []);
  assert.equal(center.size, 1, "the unbound session is still open");
  center.remove(unbound);
  assert.equal(center.size, 0);
});

Deno.test("SessionCenter: stations logged in are found whether one or two sessions carry them", () => {
  const center = new SessionCenter(STATION);
  const n1 = opened(center);
  center.bind(n1, NEIGHBOUR);
  const bridge1 = opened(center);
  const bridge2 = opened(center);
  center.bind(bridge1, STATION);
  center.bind(bridge2, STATION);
  assert.deepEqual(
    center.stations().map((id) => id.value).sort(),
    [NEIGHBOUR.value, STATION.value].sort(),
  );
  assert.deepEqual(center.bridge(), [bridge1, bridge2]);
  assert.equal(center.isBridge(bridge2), true);
  bridge1.setActive(false);
  assert.deepEqual(center.bridge(), [bridge2]);
  assert.equal(NEIGHBOUR.type, EntityType.STATION);
});

Deno.test("SessionCenter: a new session from the same address replaces the old one, which leaves its user's sessions", () => {
  const center = new SessionCenter(STATION);
  const conn = new MemoryConnection({ port: 41_000 });
  const old = new Session(conn);
  center.add(old);
  center.bind(old, ALICE);
  const again = new Session(new MemoryConnection({ port: 41_000 }));
  center.add(again);
  assert.equal(old.active, false);
  assert.deepEqual(center.active(ALICE), []);
  center.bind(again, ALICE);
  assert.deepEqual(center.active(ALICE), [again]);
  assert.equal(center.size, 1);
});

Deno.test("SessionCenter: its changes count moves when a session comes, binds, changes its active flag or leaves, and only then", () => {
  const center = new SessionCenter(STATION);
  const moved = (step: () => void): boolean => {
    const before = center.changes;
    step();
    return center.changes !== before;
  };
  let a: Session | undefined;
  assert.ok(moved(() => a = opened(center)), "added");
  assert.ok(moved(() => center.bind(a!, ALICE)), "bound");
  assert.ok(!moved(() => center.active(ALICE)), "looked at");
  assert.ok(!moved(() => a!.setActive(true)), "already active");
  assert.ok(moved(() => a!.setActive(false)), "went inactive");
  assert.ok(moved(() => a!.setActive(true)), "active again");
  assert.ok(moved(() => center.remove(a!)), "removed");
});
