/**
 * Issue 19: hostile clients after the handshake. A logged-in user, and a
 * session that claims to be a station, send random (seeded) combinations
 * of hostile input (tests/station/_hostile.ts). Each is answered or
 * dropped; no other user's records change, the station logs no failure of
 * its own, and a normal user's round trip still works afterwards.
 */
import assert from "node:assert/strict";
import { AnsCommand, BlockCommand } from "../../dimp/command/mod.ts";
import { Content, TextContent } from "../../dimp/content/mod.ts";
import {
  EntityType,
  generateAccount,
  type ID,
} from "../../dimp/identity/mod.ts";
import type { StationLog } from "../../client/log.ts";
import { MAX_ANS_NAMES, type Station } from "../../station/mod.ts";
import { attack, type HostileContext, seededRandom } from "./_hostile.ts";
import {
  type Account,
  accounts,
  closeAll,
  newAccount,
  online,
  type Received,
  type TestPeer,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol] = await accounts(3);
const mallory = await newAccount(EntityType.USER, "mallory");
const rogue = await newAccount(EntityType.STATION, "rogue");
const group = await generateAccount({
  type: EntityType.GROUP,
  seed: "team",
  founder: { id: alice.id, key: alice.signKey },
});
const isText = (r: Received) => r.instant?.content instanceof TextContent;
const SEED = Number(Deno.env.get("DIM_HOSTILE_SEED") ?? 19);
const ROUNDS = 150;

/** A log that keeps the station's failure lines. */
function failureLog(): { log: StationLog; errors: string[] } {
  const errors: string[] = [];
  const nothing = () => {};
  return {
    errors,
    log: {
      debug: nothing,
      info: nothing,
      warn: nothing,
      error: (message) => errors.push(message),
    },
  };
}

/** What the station stores about a user (must not change under attack). */
function records(station: Station, id: ID): string {
  const store = station.store;
  return JSON.stringify({
    meta: store.metas.get(id.value),
    documents: store.documents.list(id.value).map((row) => row.doc),
    block: store.userCommands.get(id.value, "block"),
    mute: store.userCommands.get(id.value, "mute"),
    logins: store.logins.list(id.value).map((row) => row.msg),
  });
}

/**
 * Waits until the station handled everything `peer` sent before: a marker
 * text to `witness` arrives (the station handles a session's messages in
 * order; replies to a peer whose own visa it broke may never come).
 */
async function settle(peer: TestPeer, witness: TestPeer): Promise<void> {
  const from = witness.inbox.length;
  const marker = `settle-${crypto.randomUUID()}`;
  await peer.sendContent(witness.id, TextContent.create(marker));
  await witness.next(
    (r) => (r.instant?.content as TextContent | undefined)?.text === marker,
    20_000,
    from,
  );
}

async function hostileRun(account: Account): Promise<void> {
  const { log, errors } = failureLog();
  await withStation({ log }, async ({ station, port }) => {
    const world = new World();
    const [a, b, c] = await online(port, [alice, bob, carol], { world });
    // alice keeps a block list, so that a forged one would show
    await a.sendContent(station.id, BlockCommand.upload([carol.id]));
    await a.nextReceipt("Block received.");
    const before = [alice, bob, carol].map((v) => records(station, v.id));

    world.know(account); // the witness of settle() reads its marker
    const theirs = new World();
    for (const v of [alice, bob, carol]) theirs.know(v);
    const [hostile] = await online(port, [account], { world: theirs });
    const ctx: HostileContext = {
      peer: hostile,
      station: station.id,
      victims: [alice, bob, carol],
      group: group.id,
      random: seededRandom(SEED),
      sent: [],
    };
    const kinds = await attack(ctx, ROUNDS);
    await settle(hostile, b);
    assert.equal(hostile.conn.closed, false, "within the limits: not cut off");

    assert.deepEqual(errors, [], "the station logged no failure of its own");
    assert.deepEqual(
      [alice, bob, carol].map((v) => records(station, v.id)),
      before,
      `no other user's records changed (attacks: ${JSON.stringify(kinds)})`,
    );
    // a normal round trip, both ways
    const fromB = b.inbox.length;
    const sent = await a.sendContent(bob.id, TextContent.create("still here"));
    const got = await b.next(isText, 5000, fromB);
    assert.equal(got.msg.signature, sent.signature);
    const fromC = c.inbox.length;
    await b.sendContent(carol.id, TextContent.create("and here"));
    await c.next(isText, 5000, fromC);
    assert.equal(station.center.size, 4);
    await closeAll([a, b, c, hostile]);
  });
}

Deno.test("hostile user session: random hostile input after the handshake changes nobody else's data; the station carries on", async () => {
  await hostileRun(mallory);
});

Deno.test("hostile session claiming to be a station: the same input changes nobody else's data", async () => {
  await hostileRun(rogue);
});

Deno.test("a session claiming to be a station cannot replace a user's block or mute list", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a] = await online(port, [alice], { world });
    await a.sendContent(station.id, BlockCommand.upload([carol.id]));
    await a.nextReceipt("Block received.");
    world.know(rogue);
    const theirs = new World();
    theirs.know(alice);
    const [evil] = await online(port, [rogue], { world: theirs });
    for (const kind of ["block", "mute"]) {
      const forged = await evil.forge(
        alice.id,
        station.id,
        new BlockCommand({
          ...BlockCommand.upload([]).dictionary,
          command: kind,
        }),
      );
      await evil.send(forged);
    }
    await settle(evil, a);
    const block = station.store.userCommands.get(alice.id.value, "block");
    assert.deepEqual(block?.list, [carol.id.value]);
    assert.equal(
      station.store.userCommands.get(alice.id.value, "mute"),
      undefined,
    );
    await closeAll([a, evil]);
  });
});

Deno.test("an ANS query with 50,000 names is answered for the first MAX_ANS_NAMES only (it held the station up for seconds)", async () => {
  await withStation({}, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    const names = Array.from({ length: 50_000 }, (_, i) => `n${i}`);
    const from = a.inbox.length;
    await a.sendContent(station.id, AnsCommand.query(names));
    const reply = await a.next(
      (r) =>
        r.instant?.content instanceof Content &&
        r.instant.content.dictionary.command === "ans",
      20_000,
      from,
    );
    const answer = new AnsCommand(reply.instant!.content.dictionary);
    assert.deepEqual(answer.names, names.slice(0, MAX_ANS_NAMES));
    assert.equal(answer.missed.length, MAX_ANS_NAMES);
    await a.close();
  });
});
