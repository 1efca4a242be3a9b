/**
 * Receivers that are not plain users (station.md §4.4, §4.6, §4.7, §4.3):
 * `name@anywhere` aliases to bots, broadcasts to `everyone@everywhere`
 * (neighbours, and local users per the lead's decision), other stations,
 * groups, and loops stopped by traces.
 */
import assert from "node:assert/strict";
import type { ReceiptCommand } from "../../dimp/command/mod.ts";
import { LoginCommand, MetaCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { ReliableMessage } from "../../dimp/message/mod.ts";
import {
  EntityType,
  EVERY_STATION,
  EVERYONE,
  generateAccount,
  parseId,
} from "../../dimp/identity/mod.ts";
import {
  accounts,
  closeAll,
  newAccount,
  online,
  receiptText,
  type Received,
  sleep,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol] = await accounts(3);
const archivist = await newAccount(EntityType.BOT, "archivist");
const neighbour = await newAccount(EntityType.STATION, "gsp-s002");

const isText = (r: Received) => r.instant?.content instanceof TextContent;

Deno.test("name@anywhere: resolved by ANS to a bot and pushed to it — not stored, no receipt; unknown names dropped", async () => {
  await withStation({
    ans: new Map([["archivist", archivist.id]]),
  }, async ({ station, port }) => {
    const world = new World();
    const [a, bot] = await online(port, [alice, archivist], { world });
    const sent = await a.sendContent(
      parseId("archivist@anywhere"),
      TextContent.create("search moky"),
    );
    const got = await bot.next(isText);
    assert.equal(got.msg.signature, sent.signature);
    assert.equal(got.msg.receiver.value, "archivist@anywhere");
    assert.equal(station.store.messages.count(archivist.id.value), 0);
    await a.sendContent(parseId("nobody@anywhere"), TextContent.create("?"));
    assert.deepEqual(
      await a.quiet(() => true, 200),
      [],
      "no receipt either way",
    );
    assert.deepEqual(await bot.quiet(isText, 50), []);
    await closeAll([a, bot]);
  });
});

Deno.test("everyone@everywhere: a text reaches every other online user (not stored, no receipt); commands never do", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b, c] = await online(port, [alice, bob, carol], { world });
    const sent = await a.sendContent(EVERYONE, TextContent.create("hello all"));
    const [gotB, gotC] = await Promise.all([b.next(isText), c.next(isText)]);
    assert.equal(gotB.msg.signature, sent.signature);
    assert.equal(gotC.msg.signature, sent.signature);
    assert.equal(gotB.instant!.content.dictionary.text, "hello all");
    assert.deepEqual(await a.quiet(() => true, 100), []);
    assert.equal(station.store.messages.count(bob.id.value), 0);

    const login = await a.sendContent(
      EVERYONE,
      LoginCommand.create(alice.id, { station: { id: station.id } }),
    );
    await a.nextReceipt("Login received.");
    assert.deepEqual(
      await b.quiet((r) => r.msg.signature === login.signature, 100),
      [],
    );
    await closeAll([a, b, c]);
  });
});

Deno.test("everyone@everywhere with broadcast_to_users = false: no user gets it", async () => {
  await withStation({ broadcastToUsers: false }, async ({ port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    await a.sendContent(EVERYONE, TextContent.create("hello all"));
    assert.deepEqual(await b.quiet(isText, 200), []);
    await closeAll([a, b]);
  });
});

Deno.test("a neighbour station logged in here gets broadcasts (with recipients and traces) and messages for it ('Message redirected.'); without it: 'Message received.'", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, s2] = await online(port, [alice, neighbour], { world });
    const sent = await a.sendContent(
      EVERY_STATION,
      TextContent.create("to all stations"),
    );
    const copy = await s2.next((r) => r.msg.signature === sent.signature);
    assert.deepEqual(copy.msg.dictionary.recipients, [neighbour.id.value]);
    const traces = copy.msg.dictionary.traces as Record<string, unknown>[];
    assert.equal(traces.at(-1)?.did, station.id.value);

    const direct = await a.sendContent(
      neighbour.id,
      TextContent.create("hi s2"),
    );
    const redirected = await a.nextReceipt("Message redirected.");
    assert.equal(
      (redirected.instant!.content as ReceiptCommand).dictionary.neighbor,
      neighbour.id.value,
    );
    assert.equal(
      (await s2.next((r) => r.msg.signature === direct.signature)).msg.receiver
        .value,
      neighbour.id.value,
    );
    await s2.close();
    await sleep(20);
    await a.sendContent(neighbour.id, TextContent.create("anyone?"));
    await a.nextReceipt("Message received.");
    await a.close();
  });
});

Deno.test("traces: a station message or broadcast that already passed this station is dropped; a user message is still delivered", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b, s2] = await online(port, [alice, bob, neighbour], { world });
    const node = { ID: station.id.value, did: station.id.value, time: 1 };

    // a broadcast coming back from the neighbour
    const back = await s2.pack(EVERYONE, TextContent.create("loop"));
    back.set("traces", [node]);
    await s2.send(back);
    // a message for a station
    const toStation = await a.pack(neighbour.id, TextContent.create("loop 2"));
    toStation.set("traces", [station.id.value]); // the 2021 string form
    await a.send(toStation);
    await sleep(100);
    assert.equal(station.stats.droppedBy.looped, 2);
    assert.deepEqual(await b.quiet(isText, 50), []);
    assert.deepEqual(
      await s2.quiet((r) => r.msg.signature === toStation.signature, 50),
      [],
    );

    // user → user with this station in its traces: delivered anyway
    const seen = await a.pack(bob.id, TextContent.create("seen before"));
    seen.set("traces", [node]);
    await a.send(seen);
    const got = await b.next(isText);
    const traces = got.msg.dictionary.traces as Record<string, unknown>[];
    assert.equal(traces.length, 2, "the old node and a new one");
    await closeAll([a, b, s2]);
  });
});

Deno.test("a message to a group ID (not split by the client) is dropped without receipt", async () => {
  const team = await generateAccount({
    type: EntityType.GROUP,
    seed: "team",
    founder: { id: alice.id, key: alice.signKey },
  });
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    const personal = await a.pack(bob.id, TextContent.create("x"));
    // the same body addressed to the group itself
    const dict = { ...personal.dictionary, receiver: team.id.value };
    await a.sendRaw(JSON.stringify(dict));
    assert.deepEqual(
      await a.quiet((r) => receiptText(r) !== undefined, 200),
      [],
    );
    assert.deepEqual(await b.quiet(isText, 10), []);
    assert.equal(station.stats.routed, 0);
    await closeAll([a, b]);
  });
});

Deno.test("roaming: a login naming a neighbour that is logged in here sends the user's stored messages there, deleted once taken", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    world.know(bob);
    const [a, s2] = await online(port, [alice, neighbour], { world });
    const kept = await a.sendContent(bob.id, TextContent.create("for later"));
    await a.nextReceipt("Message cached.");
    // bob logs in at the neighbour; the login reaches us as a broadcast
    const login = await a.packAs(
      bob,
      EVERYONE,
      LoginCommand.create(bob.id, { station: { id: neighbour.id } }),
    );
    await s2.send(login);
    const roamed = await s2.next((r) => r.msg.signature === kept.signature);
    assert.equal(roamed.msg.receiver.value, bob.id.value);
    await sleep(100);
    assert.equal(station.store.messages.count(bob.id.value), 0);
    // and a new message for bob is redirected there at once
    await a.sendContent(bob.id, TextContent.create("now"));
    await a.nextReceipt("Message redirected.");
    await closeAll([a, s2]);
  });
});

Deno.test("the local bridge (a session with the station's own ID): replies to the users it relays for are routed to them", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const self = {
      id: station.id,
      meta: station.identity.meta,
      visa: station.identity.visa,
      signKey: station.identity.signKey,
      decryptKeys: station.identity.decryptKeys,
    };
    const [a, bridge] = await online(port, [alice, self], { world });
    const from = bridge.inbox.length;
    const query = await a.packAs(
      alice,
      station.id,
      MetaCommand.query(alice.id),
    );
    await bridge.send(query);
    const meta = await a.nextCommand("meta");
    assert.equal(meta.msg.sender.value, station.id.value);
    assert.deepEqual(await bridge.quiet(() => true, 100), []);
    assert.equal(bridge.inbox.length, from);
    await closeAll([a, bridge]);
  });
});

Deno.test("a login relayed by a neighbour is verified when the user is known: a bad signature is not stored", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, s2] = await online(port, [alice, neighbour], { world });
    const login = await a.pack(
      EVERYONE,
      LoginCommand.create(alice.id, { station: { id: neighbour.id } }),
    );
    const forged = ReliableMessage.parse({
      ...login.dictionary,
      signature: (await a.pack(EVERYONE, TextContent.create("x"))).signature,
    });
    await s2.send(forged);
    await sleep(200);
    assert.equal(station.store.logins.newest(alice.id.value), undefined);
    await s2.send(login);
    await sleep(200);
    assert.equal(
      station.store.logins.newest(alice.id.value)?.stationId,
      neighbour.id.value,
    );
    await closeAll([a, s2]);
  });
});
