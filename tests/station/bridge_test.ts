/**
 * The bridge in the station's process (station.md §6.6, §4.6, §2.4):
 * stations and bridges started here on loopback ports, users as test
 * peers. A one-way bridge (S1 knows S2, S2 knows nobody) makes every hop
 * of S1 go through S1's bridge; what S2 sends back goes to S1's bridge
 * session at S2.
 */
import assert from "node:assert/strict";
import {
  DocumentCommand,
  HandshakeCommand,
  LoginCommand,
  MetaCommand,
  type ReceiptCommand,
} from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  EntityType,
  EVERY_STATION,
  EVERYONE,
  type ID,
} from "../../dimp/identity/mod.ts";
import {
  type Account,
  accounts,
  closeAll,
  newAccount,
  type Received,
  sleep,
  TestPeer,
  World,
} from "./_peer.ts";
import { SilentMtpClient } from "./_raw_mtp.ts";
import { arrive as arriveAt, receiptFrom, until } from "./_network.ts";
import { linkUp, Node } from "./_node.ts";

const [alice, bob, carol] = await accounts(3);

/** S1 with S2 as its only neighbour (S2 knows nobody), S1's bridge up at S2. */
async function withOneWay(
  fn: (s1: Node, s2: Node, world: World) => Promise<void>,
): Promise<void> {
  const [s1, s2] = [new Node(), new Node()];
  await s2.start();
  s1.neighbours = [s2.address];
  await s1.start();
  const world = new World();
  world.know(s1.account);
  world.know(s2.account);
  try {
    await until("S1's bridge up at S2", () => linkUp(s1, s2));
    await fn(s1, s2, world);
  } finally {
    await s1.remove();
    await s2.remove();
  }
}

function arrive(node: Node, account: Account, world: World): Promise<TestPeer> {
  return arriveAt(node.port, node.id, account, world);
}

function loginAt(at: Node, user: ID): string | undefined {
  return at.station.store.logins.newest(user.value)?.stationId;
}

Deno.test("bridge (one way, S1 → S2): a message to a user at S2 leaves through S1's bridge ('Message redirected via station bridge.'), arrives without 'neighbor', with recipients and traces; S2's receipts and replies come back", async () => {
  await withOneWay(async (s1, s2, world) => {
    // the ID learned from the handshake is in S1's table
    assert.deepEqual(
      s1.station.store.stations.list("gsp@everywhere").map((r) => r.id),
      [s2.id.value],
    );
    assert.deepEqual(s1.bridge.neighbourIds().map(String), [s2.id.value]);
    const b = await arrive(s2, bob, world);
    const a = await arrive(s1, alice, world);
    await until("bob's login at S1", () => loginAt(s1, bob.id) === s2.id.value);
    await until(
      "alice's login at S2",
      () => loginAt(s2, alice.id) === s1.id.value,
    );

    const sent = await a.sendContent(bob.id, TextContent.create("via bridge"));
    const redirected = await a.next(
      receiptFrom(
        s1.id,
        "Message redirected via station bridge.",
        sent.signature,
      ),
    );
    assert.equal(
      (redirected.instant!.content as ReceiptCommand).dictionary.neighbor,
      s2.id.value,
    );
    const got = await b.next((r) => r.msg.signature === sent.signature);
    assert.equal(got.msg.get("neighbor"), undefined);
    assert.deepEqual(got.msg.get("recipients"), [s2.id.value]);
    const traces = (got.msg.get("traces") as { did: string }[]).map((t) =>
      t.did
    );
    assert.deepEqual(traces, [s1.id.value, s2.id.value]);
    assert.equal((got.instant!.content as TextContent).text, "via bridge");
    // alice's meta and visa go with it (bob and S2 may never have seen her)
    assert.equal(sent.get("meta"), undefined);
    assert.equal(sent.get("visa"), undefined);
    const meta = got.msg.get("meta") as Record<string, unknown>;
    const visa = got.msg.get("visa") as Record<string, unknown>;
    assert.equal(meta.type, alice.meta.type);
    assert.equal(meta.version, alice.meta.type);
    assert.deepEqual(meta.key, alice.meta.dictionary.key);
    assert.equal(visa.signature, alice.visa.toDictionary().signature);
    assert.equal(visa.did, alice.id.value);
    assert.equal(visa.ID, alice.id.value);
    // S2's "Message delivered." reaches alice through S1's bridge session at S2
    const delivered = await a.next(
      receiptFrom(s2.id, "Message delivered.", sent.signature),
    );
    assert.equal(
      (delivered.instant!.content as ReceiptCommand).dictionary.recipient,
      bob.id.value,
    );

    // bob answers: S2 pushes it to S1's bridge session ("Message redirected.")
    const reply = await b.sendContent(alice.id, TextContent.create("back"));
    await b.next(receiptFrom(s2.id, "Message redirected.", reply.signature));
    const back = await a.next((r) => r.msg.signature === reply.signature);
    assert.equal((back.instant!.content as TextContent).text, "back");

    // each once
    assert.deepEqual(
      await b.quiet((r) => r.msg.signature === sent.signature, 300),
      [],
    );
    assert.equal(
      a.inbox.filter((r) => r.msg.signature === reply.signature).length,
      1,
    );
    assert.ok(s1.bridge.stats.sent >= 1);
    assert.ok(s1.bridge.stats.received >= 1);
    await closeAll([a, b]);
  });
});

Deno.test("neighbour queries (§4.13): a meta or documents lookup at S1 for a user only S2 knows is 'not found', S1 asks its neighbours from its own ID to stations@everywhere (S2 does not send the query back), stores S2's answers (no receipts back to S2), and answers the next lookup", async () => {
  await withOneWay(async (s1, s2, world) => {
    // carol handshakes at S2 only: her meta and visa are there, not at S1
    const c = await TestPeer.connect(s2.port, carol, { world });
    await c.handshake();
    const a = await arrive(s1, alice, world);
    assert.equal(s1.station.accounts.meta(carol.id), undefined);

    await a.sendContent(s1.id, MetaCommand.query(carol.id));
    await a.nextReceipt("Meta not found.");
    await until(
      "carol's meta at S1",
      () => s1.station.accounts.meta(carol.id) !== undefined,
    );
    await a.sendContent(s1.id, DocumentCommand.query(carol.id));
    await a.nextReceipt("Document not found.");
    await until(
      "carol's visa at S1",
      () => s1.station.accounts.visa(carol.id) !== undefined,
    );
    assert.equal(
      s1.station.accounts.visa(carol.id)!.toDictionary().signature,
      carol.visa.toDictionary().signature,
    );
    assert.ok(
      s1.lines.some((l) =>
        l.includes(`asking the neighbours for the meta of ${carol.id.value}`)
      ),
    );
    // the next lookup is answered from S1's store
    const from = a.inbox.length;
    await a.sendContent(s1.id, DocumentCommand.query(carol.id));
    const answer = await a.next(
      (r) =>
        r.instant?.content instanceof DocumentCommand &&
        !(r.instant.content as DocumentCommand).isQuery,
      5000,
      from,
    );
    assert.equal(
      (answer.instant!.content as DocumentCommand).identifier?.value,
      carol.id.value,
    );
    // S2 did not send S1's queries back to S1 (they carry no trace of S1)
    await sleep(200);
    assert.ok(
      !s1.lines.some((l) =>
        l.includes(`bridge: dropped ${s1.id.value} -> stations@`) ||
        l.includes(`looped message dropped: ${s1.id.value} -> stations@`)
      ),
      s1.lines.join("\n"),
    );
    // S1 sent S2 no receipts for the answers ("Meta received." etc.)
    assert.ok(
      !s2.lines.some((l) => l.includes("waits for its visa")),
      s2.lines.join("\n"),
    );
    await closeAll([a, c]);
  });
});

Deno.test("bridge: a station's own broadcast that carries no trace of it (the reference's queries to stations@everywhere) is not sent back to that station", async () => {
  await withOneWay(async (s1, s2, world) => {
    // S2's identity logs in at S1 directly (like a reference bridge would)
    const peer = await TestPeer.connect(s1.port, s2.station.identity, {
      world,
    });
    await peer.handshake();
    const before = s1.bridge.stats.sent;
    const query = await peer.sendContent(
      EVERY_STATION,
      MetaCommand.query(s1.id),
    );
    assert.equal(query.get("traces"), undefined);
    // S1 processed it (its meta comes back on this session) ...
    const answer = await peer.next((r) =>
      r.instant?.content instanceof MetaCommand
    );
    assert.equal(
      (answer.instant!.content as MetaCommand).identifier?.value,
      s1.id.value,
    );
    // ... and its bridge did not hand it to S2 (S1's only neighbour)
    await sleep(200);
    assert.equal(s1.bridge.stats.sent, before, s1.lines.join("\n"));
    await closeAll([peer]);
  });
});

Deno.test("bridge: a message for a neighbour that is down is kept in the store — across a restart of this station — and sent when the neighbour is back", async () => {
  await withOneWay(async (s1, s2, world) => {
    const b = await arrive(s2, bob, world);
    await until("bob's login at S1", () => loginAt(s1, bob.id) === s2.id.value);
    await b.close();
    await s2.stop();
    await until("S1's bridge sees S2 down", () => !linkUp(s1, s2));

    const a = await arrive(s1, alice, world);
    const sent = await a.sendContent(bob.id, TextContent.create("while down"));
    await a.next(
      receiptFrom(
        s1.id,
        "Message redirected via station bridge.",
        sent.signature,
      ),
    );
    await until(
      "kept for S2",
      () => s1.station.store.messages.count(s2.id.value) === 1,
    );
    await until(
      "no copy for bob at S1",
      () => s1.station.store.messages.count(bob.id.value) === 0,
    );
    await a.close();

    // S1 restarts while S2 is still down: the kept message stays
    await s1.stop();
    await s1.start();
    assert.equal(s1.station.store.messages.count(s2.id.value), 1);
    await s2.start();
    await until("S1's bridge up again", () => linkUp(s1, s2));
    await until(
      "the kept message taken by S2",
      () => s1.station.store.messages.count(s2.id.value) === 0,
    );
    // bob was offline: S2 keeps it for him
    const again = await TestPeer.connect(s2.port, bob, { world });
    await again.handshake();
    const got = await again.next((r) => r.msg.signature === sent.signature);
    assert.equal((got.instant!.content as TextContent).text, "while down");
    assert.deepEqual(
      await again.quiet((r) => r.msg.signature === sent.signature, 300),
      [],
    );
    await again.close();
  });
});

Deno.test("bridge: a message for a station that is not a neighbour stays stored for its receiver here ('Message received.') and comes at the receiver's next login", async () => {
  const [s1, s2] = [new Node(), new Node()];
  await s2.start();
  s1.neighbours = [s2.address];
  await s1.start();
  const elsewhere = await newAccount(EntityType.STATION, "gsp-s099");
  const world = new World();
  world.know(s1.account);
  try {
    await until("S1's bridge up at S2", () => linkUp(s1, s2));
    // carol says (to S1 only) that she is at a station S1 has no link to
    const c = await TestPeer.connect(s1.port, carol, { world });
    await c.handshake();
    await c.sendContent(
      s1.id,
      LoginCommand.create(carol.id, { station: { id: elsewhere.id } }),
    );
    await until(
      "carol's login",
      () => loginAt(s1, carol.id) === elsewhere.id.value,
    );
    await c.close();
    const a = await arrive(s1, alice, world);
    const sent = await a.sendContent(carol.id, TextContent.create("where?"));
    await a.next(receiptFrom(s1.id, "Message received.", sent.signature));
    assert.equal(s1.station.store.messages.count(carol.id.value), 1);
    assert.equal(s1.bridge.stats.queued, 0);
    const back = await TestPeer.connect(s1.port, carol, { world });
    await back.handshake();
    const got = await back.next((r) => r.msg.signature === sent.signature);
    assert.equal((got.instant!.content as TextContent).text, "where?");
    await closeAll([a, back]);
  } finally {
    await s1.remove();
    await s2.remove();
  }
});

Deno.test("bridge (one way): a broadcast to everyone@everywhere from either side reaches the users of the other once, never its sender", async () => {
  await withOneWay(async (s1, s2, world) => {
    const a = await arrive(s1, alice, world);
    const b = await arrive(s2, bob, world);
    const c = await arrive(s2, carol, world);
    const isText = (r: Received) => r.instant?.content instanceof TextContent;
    const fromA = await a.sendContent(EVERYONE, TextContent.create("hi all"));
    const fromB = await b.sendContent(EVERYONE, TextContent.create("hello"));
    for (
      const [peer, sent] of [[b, fromA], [c, fromA], [c, fromB], [
        a,
        fromB,
      ]] as const
    ) {
      await peer.next((r) => r.msg.signature === sent.signature);
    }
    await sleep(300);
    const texts = (peer: TestPeer) =>
      peer.inbox.filter(isText).map((r) => r.msg.signature).sort();
    assert.deepEqual(texts(a), [fromB.signature]);
    assert.deepEqual(texts(b), [fromA.signature]);
    assert.deepEqual(texts(c), [fromA.signature, fromB.signature].sort());
    await closeAll([a, b, c]);
  });
});

Deno.test("bridge: a neighbour that answers with garbage is cut off and tried again later; the station's users are not affected", async () => {
  let connections = 0;
  const junk = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of junk) {
      connections++;
      conn.write(new TextEncoder().encode("HTTP/9.9 garbage\r\n\0\0\0\xff"))
        .catch(() => {}).finally(() => {
          setTimeout(() => conn.close(), 20);
        });
    }
  })();
  const s1 = new Node();
  s1.neighbours = [{ host: "127.0.0.1", port: junk.addr.port }];
  await s1.start();
  const world = new World();
  try {
    await until("three tries", () => connections >= 3);
    assert.deepEqual(s1.bridge.status().map((s) => s.state === "running"), [
      false,
    ]);
    const a = await arrive(s1, alice, world);
    const b = await arrive(s1, bob, world);
    const sent = await a.sendContent(bob.id, TextContent.create("fine here"));
    await b.next((r) => r.msg.signature === sent.signature);
    await a.nextReceipt("Message delivered.");
    await closeAll([a, b]);
  } finally {
    await s1.remove();
    junk.close();
    await serving;
  }
});

Deno.test("bridge: a listed address that turns out to be this station is dropped after its handshake; a reload adds and removes neighbours, keeping learned IDs", async () => {
  const [s1, s2, s3] = [new Node(), new Node(), new Node()];
  await s2.start();
  await s3.start();
  // bound to 127.0.0.1, "localhost" is not known to be this station until it answers
  s1.neighbours = [s2.address];
  await s1.start();
  try {
    await until("S1 → S2", () => linkUp(s1, s2));
    s1.neighbours = [
      s2.address,
      { host: "localhost", port: s1.port },
      s3.address,
    ];
    await s1.bridge.reload();
    await until("S1 → S3", () => linkUp(s1, s3));
    await until(
      "localhost recognised",
      () => s1.bridge.status().some((s) => s.state === "ourselves"),
    );
    assert.deepEqual(
      s1.bridge.neighbourIds().map(String).sort(),
      [s2.id.value, s3.id.value].sort(),
    );
    s1.neighbours = [s3.address];
    await s1.bridge.reload();
    await until(
      "S2 gone",
      () => s1.bridge.status().every((s) => s.port !== s2.port),
    );
    assert.deepEqual(
      s1.station.store.stations.list("gsp@everywhere").map((r) => [
        r.port,
        r.id,
      ]),
      [[s3.port, s3.id.value]],
    );
    assert.deepEqual(s1.bridge.neighbourIds().map(String), [s3.id.value]);
    // S2 sees S1's bridge leave
    await until(
      "S1 gone from S2",
      () => s2.station.center.active(s1.id).length === 0,
    );
  } finally {
    await s1.remove();
    await s2.remove();
    await s3.remove();
  }
});

Deno.test("trust: a session claiming a station ID without that station's keys is refused — with a forged meta, or the real meta and visa and another key; messages for that station do not reach it", async () => {
  const s1 = new Node();
  await s1.start();
  const s2 = new Node();
  await s2.start();
  const impostor = await newAccount(EntityType.STATION, "impostor");
  const world = new World();
  world.know(s1.account);
  world.know(s2.account);
  try {
    const forgeries: Account[] = [
      // its own keys, meta and visa under S2's ID: the meta does not match the ID
      { ...impostor, id: s2.id },
      // S2's public meta and visa, signed with its own key
      { ...impostor, id: s2.id, meta: s2.account.meta, visa: s2.account.visa },
    ];
    for (const forged of forgeries) {
      const peer = await TestPeer.connect(s1.port, impostor, {
        world: new World(),
      });
      peer.world.know(s1.account);
      await peer.send(
        await peer.packAs(
          forged,
          s1.id,
          HandshakeCommand.offer(undefined),
          { attach: true },
        ),
      );
      assert.deepEqual(await peer.quiet(() => true, 300), []);
      assert.equal(s1.station.center.active(s2.id).length, 0);
      await peer.close();
    }
    assert.equal(s1.station.stats.handshakes.success, 0);
    const a = await arrive(s1, alice, world);
    const sent = await a.sendContent(s2.id, TextContent.create("for S2"));
    await a.next(receiptFrom(s1.id, "Message received.", sent.signature));
    // S2 itself, with its keys, is welcome
    const real: Account = {
      ...s2.account,
      signKey: s2.station.identity.signKey,
      decryptKeys: s2.station.identity.decryptKeys,
    };
    const [peer] = [await TestPeer.connect(s1.port, real, { world })];
    await peer.handshake();
    assert.equal(s1.station.center.active(s2.id).length, 1);
    await closeAll([a, peer]);
  } finally {
    await s1.remove();
    await s2.remove();
  }
});

Deno.test("trust: a neighbour's session that sends garbage is disconnected; users and other stations carry on", async () => {
  const s1 = new Node();
  await s1.start();
  const [n2, n3] = await Promise.all(
    ["gsp-s002", "gsp-s003"].map((seed) =>
      newAccount(EntityType.STATION, seed)
    ),
  );
  const world = new World();
  world.know(s1.account);
  try {
    const a = await arrive(s1, alice, world);
    const b = await arrive(s1, bob, world);
    const bad = await SilentMtpClient.connect(s1.port, n2, world);
    await bad.handshake();
    const good = await TestPeer.connect(s1.port, n3, { world });
    await good.handshake();
    assert.equal(s1.station.center.active(n2.id).length, 1);
    // bytes that are no MTP frame (more than it resynchronises over): cut off
    await bad.raw.write(new Uint8Array(70 * 1024).fill(0xee)).catch(() => {});
    assert.equal((await bad.raw.readToEnd(3000)).eof, true);
    bad.raw.close();
    await until(
      "the session gone",
      () => s1.station.center.active(n2.id).length === 0,
    );
    // the rest is untouched
    const sent = await a.sendContent(bob.id, TextContent.create("still here"));
    await b.next((r) => r.msg.signature === sent.signature);
    const toStation = await a.sendContent(n3.id, TextContent.create("s3?"));
    await good.next((r) => r.msg.signature === toStation.signature);
    await closeAll([a, b, good]);
  } finally {
    await s1.remove();
  }
});

Deno.test("bridge: a reply that waited for its receiver's visa, to a message the local bridge's session brought in, is routed to that user's station, not pushed back to the bridge", async () => {
  const s1 = await new Node().start();
  const n2 = await newAccount(EntityType.STATION, "gsp-s002");
  const world = new World();
  world.know(s1.account);
  world.know(bob);
  try {
    // S1 has carol's meta, not her visa; her login names S2
    await s1.station.accounts.saveMeta(carol.id, carol.meta.toDictionary());
    const s2 = await TestPeer.connect(s1.port, n2, { world });
    await s2.handshake();
    const login = LoginCommand.create(carol.id, {
      station: { id: n2.id, host: "127.0.0.1", port: 1 },
    });
    await s2.send(await s2.packAs(carol, EVERYONE, login));
    await until(
      "carol's login at S1",
      () => loginAt(s1, carol.id) === n2.id.value,
    );
    // the station's own ID logs in, as its bridge's inner link does
    const inner = await TestPeer.connect(s1.port, {
      ...s1.account,
      signKey: s1.station.identity.signKey,
      decryptKeys: s1.station.identity.decryptKeys,
    }, { world });
    await inner.handshake();
    // from carol (nothing attached) to bob (away): 'Message cached.' waits
    const sent = await inner.packAs(carol, bob.id, TextContent.create("via"));
    assert.equal(sent.get("visa"), undefined);
    await inner.send(sent);
    await until(
      "the receipt waits for carol's visa",
      () => s1.lines.some((l) => l.includes(`${carol.id.value} waits`)),
    );
    // her visa comes (S2 answers a query): the receipt goes to her station
    await s2.sendContent(
      EVERYONE,
      DocumentCommand.response(carol.id, carol.meta, [carol.visa]),
    );
    const receipt = await s2.next((r) =>
      r.msg.receiver.equals(carol.id) && r.msg.sender.equals(s1.id)
    );
    assert.equal(receipt.msg.get("neighbor"), undefined);
    assert.deepEqual(
      await inner.quiet((r) => r.msg.receiver.equals(carol.id), 300),
      [],
      "nothing for the bridge's session",
    );
    await closeAll([inner, s2]);
  } finally {
    await s1.remove();
  }
});
