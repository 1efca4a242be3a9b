/**
 * The presence book and the notice format (station/presence.ts): the
 * newest news of a user by time — handshake here, neighbour's notice, the
 * user's own login — a bounded book, and notices that are not a station
 * and a list of users with times refused.
 */
import assert from "node:assert/strict";
import { Command } from "../../dimp/command/mod.ts";
import { EntityType, EVERYONE, type ID } from "../../dimp/identity/mod.ts";
import {
  MAX_PRESENCE_USERS,
  PresenceBook,
  presenceNotice,
  PresenceNoticeError,
  readPresenceNotice,
} from "../../station/mod.ts";
import { accounts, newAccount } from "./_peer.ts";

const [bob, carol] = await accounts(2);
const [here, s2, s3] = await Promise.all(
  ["here", "s2", "s3"].map((name) => newAccount(EntityType.STATION, name)),
);

function book(
  logins: Record<string, { stationId?: string; time?: number }> = {},
  max?: number,
): { book: PresenceBook; clock: { now: number } } {
  const clock = { now: 1000 };
  return {
    book: new PresenceBook({
      self: here.id,
      login: (user) => logins[user],
      max,
      now: () => clock.now,
    }),
    clock,
  };
}

Deno.test("presence book: a notice newer than the stored login moves the user; an older one, or the same again, does not", () => {
  const { book: b } = book({
    [bob.id.value]: { stationId: s2.id.value, time: 500 },
  });
  assert.equal(b.where(bob.id)?.value, s2.id.value);
  assert.equal(b.seen(bob.id, s3.id, 400), false);
  assert.equal(b.where(bob.id)?.value, s2.id.value);
  assert.equal(b.seen(bob.id, s3.id, 600), true);
  assert.equal(b.where(bob.id)?.value, s3.id.value);
  assert.equal(b.seen(bob.id, s3.id, 600), false, "replayed");
  assert.equal(b.seen(bob.id, s2.id, 599), false, "older");
  assert.equal(b.where(bob.id)?.value, s3.id.value);
  // a notice naming this station is news, but nothing to move
  assert.equal(b.seen(bob.id, here.id, 700), false);
  assert.equal(b.where(bob.id)?.value, here.id.value);
});

Deno.test("presence book: a handshake here beats an older login or notice; a later login wins; a login without time always does", () => {
  const { book: b, clock } = book();
  const arrivals: ID[] = [];
  const stop = b.onArrival((entry) => arrivals.push(entry.user));
  b.arrived(bob.id);
  assert.deepEqual(arrivals.map(String), [bob.id.value]);
  assert.equal(b.hereSince(bob.id), 1000);
  assert.equal(b.loginSaved(bob.id, s2.id, 999), false, "older login");
  assert.equal(b.where(bob.id)?.value, here.id.value);
  assert.equal(b.loginSaved(bob.id, s2.id, 1001), true);
  assert.equal(b.where(bob.id)?.value, s2.id.value);
  assert.equal(b.hereSince(bob.id), undefined);
  clock.now = 2000;
  assert.equal(b.loginSaved(bob.id, s3.id), true, "no time: now");
  assert.equal(b.seen(bob.id, s2.id, 1999), false);
  stop();
  b.arrived(carol.id);
  assert.equal(arrivals.length, 1, "unsubscribed");
});

Deno.test("presence book: bounded — the oldest users are forgotten first and fall back to their stored login", () => {
  const { book: b } = book({
    [bob.id.value]: { stationId: s2.id.value, time: 10 },
  }, 1);
  assert.equal(b.seen(bob.id, s3.id, 20), true);
  assert.equal(b.seen(carol.id, s3.id, 20), true);
  assert.equal(b.size, 1);
  assert.equal(b.where(bob.id)?.value, s2.id.value);
});

Deno.test("presence notice: read back as built; no station, not a list, too many users, a group, a broadcast, a station or no time — PresenceNoticeError", () => {
  const notice = presenceNotice(s2.id, [{ user: bob.id, time: 12.5 }]);
  const read = readPresenceNotice(new Command(notice.dictionary));
  assert.equal(read.station.value, s2.id.value);
  assert.deepEqual(read.users.map((u) => [u.user.value, u.time]), [
    [bob.id.value, 12.5],
  ]);
  const bad: Record<string, unknown>[] = [
    { station: bob.id.value, users: [] },
    { users: [] },
    { station: s2.id.value, users: "bob" },
    {
      station: s2.id.value,
      users: Array.from(
        { length: MAX_PRESENCE_USERS + 1 },
        () => ({ did: bob.id.value, time: 1 }),
      ),
    },
    { station: s2.id.value, users: [{ did: EVERYONE.value, time: 1 }] },
    { station: s2.id.value, users: [{ did: s3.id.value, time: 1 }] },
    { station: s2.id.value, users: [{ did: bob.id.value }] },
    { station: s2.id.value, users: [{ did: bob.id.value, time: -1 }] },
    { station: s2.id.value, users: [null] },
  ];
  for (const members of bad) {
    assert.throws(
      () => readPresenceNotice(Command.named("presence", members)),
      PresenceNoticeError,
      JSON.stringify(members).slice(0, 80),
    );
  }
});
