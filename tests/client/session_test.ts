import assert from "node:assert/strict";
import {
  ClientSession,
  type ClientSessionOptions,
  HandshakeTimeoutError,
  MessageNotSentError,
  type ReceivedMessage,
  ReceiverKeyNotFoundError,
  SessionClosedError,
} from "../../client/mod.ts";
import {
  type DocumentCommand,
  HandshakeCommand,
  type LoginCommand,
  ReceiptCommand,
  type ReportCommand,
} from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { generatePrivateKey } from "../../dimp/crypto/mod.ts";
import {
  ANY_STATION,
  Document,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  type GeneratedAccount,
  type ID,
} from "../../dimp/identity/mod.ts";
import {
  type InstantMessage,
  MessagePacker,
  type ReliableMessage,
} from "../../dimp/message/mod.ts";
import type { Framing } from "../../client/transport/mod.ts";
import {
  localUser,
  newAccount,
  storeAccount,
  tempAccounts,
} from "./_accounts.ts";
import { type Inbound, isCommand, Responder } from "./_responder.ts";

const KEY = "5e".repeat(32);
const alice = await newAccount("alice");
const bob = await newAccount("bob");
const carol = await newAccount("carol");
const helper = await newAccount("helper", EntityType.BOT);

/** A packer for another account that knows the given accounts' keys. */
function packerOf(
  account: GeneratedAccount,
  known: GeneratedAccount[],
): MessagePacker {
  const find = (id: ID) => known.find((a) => a.id.equals(id));
  return new MessagePacker({
    user: localUser(account),
    directory: {
      meta: (id) => Promise.resolve(find(id)?.meta),
      visa: (id) => Promise.resolve(find(id)?.document),
      members: () => Promise.resolve([]),
    },
  });
}

function handshakeOf(inbound: Inbound): HandshakeCommand | undefined {
  const content = inbound.instant?.content;
  return content instanceof HandshakeCommand ? content : undefined;
}

/** The store with alice, a session for her on the responder, both closed after `fn`. */
async function withAlice(
  responder: Responder,
  options: Partial<ClientSessionOptions>,
  fn: (session: ClientSession) => Promise<void>,
): Promise<void> {
  await using temp = tempAccounts();
  await storeAccount(temp.accounts, alice);
  const session = new ClientSession({
    accounts: temp.accounts,
    user: alice.id,
    port: responder.port,
    ...options,
  });
  try {
    await fn(session);
  } finally {
    await session.close();
  }
}

Deno.test("session: offer to station@anywhere with meta and visa, restart to the station with its key, DIM! → running; then visa broadcast and login", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  await withAlice(responder, {}, async (session) => {
    assert.equal(session.state, "idle");
    await session.connect();
    assert.equal(session.state, "running");
    assert.equal(session.station?.value, responder.id.value);
    assert.equal(session.sessionKey, KEY);
    assert.equal(session.remoteAddress?.[0], "127.0.0.1");

    const [first, restart] = responder.received;
    // 1. broadcast offer: plain data, content group stations@everywhere, meta + visa
    assert.equal(first.reliable.receiver.value, ANY_STATION.value);
    assert.equal(first.reliable.dictionary.key, undefined);
    assert.equal(typeof JSON.parse(first.reliable.data), "object");
    const offer = handshakeOf(first)!;
    assert.equal(offer.title, "Hello world!");
    assert.equal(offer.dictionary.message, "Hello world!");
    assert.equal(offer.session, undefined);
    assert.equal(offer.group?.value, EVERY_STATION.value);
    assert.ok(first.reliable.meta && first.reliable.visa);
    // 2. restart: to the station ID, encrypted, with the key, no attachments
    assert.equal(restart.reliable.receiver.value, responder.id.value);
    assert.equal(typeof restart.reliable.dictionary.key, "string");
    assert.equal(handshakeOf(restart)!.session, KEY);
    assert.equal(restart.reliable.meta, undefined);
    // 3. after DIM!: the visa to everyone@everywhere, and a login
    const visa = await responder.waitFor((i) =>
      isCommand(i, "documents") &&
      i.reliable.receiver.value === EVERYONE.value
    );
    const documents = visa.instant!.content as DocumentCommand;
    assert.equal(documents.identifier?.value, alice.id.value);
    assert.equal(documents.documents.length, 1);
    const login = await responder.waitFor((i) => isCommand(i, "login"));
    assert.equal(login.reliable.receiver.value, EVERYONE.value);
    const loginCommand = login.instant!.content as LoginCommand;
    assert.equal(loginCommand.identifier?.value, alice.id.value);
    assert.equal(loginCommand.stationId?.value, responder.id.value);
    assert.equal(loginCommand.stationPort, responder.port);

    // close: `report offline` first
    const closing = session.close();
    const report = await responder.waitFor((i) => isCommand(i, "report"));
    assert.equal((report.instant!.content as ReportCommand).title, "offline");
    await closing;
    assert.equal(session.state, "closed");
    await assert.rejects(session.connect(), SessionClosedError);
    await assert.rejects(
      session.send(bob.id, TextContent.create("late")),
      SessionClosedError,
    );
  });
});

Deno.test("session: a first offer packed before connect() is the one written, once; the offer after a timeout is packed anew", async () => {
  let offers = 0;
  await using responder = new Responder(async (i, r) => {
    // the first offer gets no answer: the session offers again
    if (handshakeOf(i)?.session === undefined && ++offers === 1) return;
    await r.standard(i, KEY);
  });
  await withAlice(
    responder,
    { handshakeTimeout: 400, handshakeAttempts: 2 },
    async (session) => {
      const packed = await session.packFirstOffer();
      assert.ok(packed !== undefined);
      await session.connect();
      assert.equal(session.state, "running");
      const [first, again, restart] = responder.received;
      assert.equal(first.reliable.serialize(), packed);
      assert.equal(first.reliable.receiver.value, ANY_STATION.value);
      assert.ok(first.reliable.meta && first.reliable.visa);
      // the second first offer: packed when sent (another signature)
      assert.equal(handshakeOf(again)!.session, undefined);
      assert.notEqual(again.reliable.signature, first.reliable.signature);
      assert.equal(handshakeOf(restart)!.session, KEY);
    },
  );
});

for (const framing of ["mtp", "ws", "plain", "mars"] as Framing[]) {
  Deno.test(`session [${framing}]: the receiver's visa is fetched, the text goes out, the station's and the receiver's receipts resolve`, async () => {
    const bobPacker = packerOf(bob, [alice, bob]);
    await using responder = new Responder(async (i, r) => {
      if (await r.standard(i, KEY)) return;
      if (i.reliable.receiver.equals(bob.id)) {
        await r.reply(
          i.conn,
          i.reliable.sender,
          ReceiptCommand.create("Message delivered.", i.reliable, {
            extra: { recipient: bob.id.value },
          }),
        );
        // bob's own receipt, routed to alice
        const text = await bobPacker.unpack(i.reliable);
        const peer = await bobPacker.packContent(
          alice.id,
          ReceiptCommand.create("Message received.", i.reliable, {
            originSn: text.content.sn,
          }),
        );
        i.conn.send(peer.serialize()); // its ack is read after we return
      }
    });
    responder.know(bob);
    await withAlice(responder, { framing }, async (session) => {
      const inbox = session.messages()[Symbol.asyncIterator]();
      const sent = await session.send(bob.id, TextContent.create("hi bob"));
      const receipt = await sent.stationReceipt();
      assert.equal(receipt.text, "Message delivered.");
      assert.equal(receipt.from.value, responder.id.value);
      const peer = await sent.peerReceipt();
      assert.equal(peer.text, "Message received.");
      assert.equal(peer.from.value, bob.id.value);
      // the peer receipt also reaches the application; station receipts do not
      const { value } = await inbox.next();
      const msg = value as ReceivedMessage;
      assert.ok(msg.content instanceof ReceiptCommand);
      assert.equal(msg.fromStation, false);
      // bob's visa was queried once, and is known now
      const queries = responder.received.filter((i) =>
        isCommand(i, "documents") && i.reliable.receiver.equals(responder.id)
      );
      assert.equal(queries.length, 1);
      const again = await session.send(bob.id, TextContent.create("again"));
      assert.equal((await again.stationReceipt()).text, "Message delivered.");
      assert.equal(
        responder.received.filter((i) =>
          isCommand(i, "documents") && i.reliable.receiver.equals(responder.id)
        ).length,
        1,
      );
    });
  });
}

Deno.test("session: texts sent at once to one receiver leave in the order given (the first waits for the visa query)", async () => {
  const bobPacker = packerOf(bob, [alice, bob]);
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  responder.know(bob);
  await withAlice(responder, {}, async (session) => {
    const texts = Array.from({ length: 20 }, (_, n) => `#${n}`);
    await Promise.all(
      texts.map((text) => session.send(bob.id, TextContent.create(text))),
    );
    const toBob = () =>
      responder.received.filter((i) => i.reliable.receiver.equals(bob.id));
    await responder.waitFor(() => toBob().length === 20);
    const arrived = await Promise.all(
      toBob().map(async (i) =>
        ((await bobPacker.unpack(i.reliable)).content as TextContent).text
      ),
    );
    assert.deepEqual(arrived, texts);
  });
});

Deno.test("session: a receiver the station does not know → ReceiverKeyNotFoundError (not-found, with the station's answer)", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  await withAlice(responder, {}, async (session) => {
    await assert.rejects(
      session.send(carol.id, TextContent.create("hello?")),
      (e: unknown) =>
        e instanceof ReceiverKeyNotFoundError && e.reason === "not-found" &&
        /Document not found/.test(e.message) &&
        e.receiver === carol.id.value,
    );
    assert.equal(
      responder.received.some((i) => i.reliable.receiver.equals(carol.id)),
      false,
    );
  });
});

Deno.test("session: a documents query nobody answers → ReceiverKeyNotFoundError (timeout)", async () => {
  await using responder = new Responder((i, r) => r.handshake(i, KEY));
  await withAlice(responder, { queryTimeout: 150 }, async (session) => {
    await assert.rejects(
      session.send(carol.id, TextContent.create("hello?")),
      (e: unknown) =>
        e instanceof ReceiverKeyNotFoundError && e.reason === "timeout",
    );
  });
});

Deno.test("session: a DIM? with another key than the one held makes the client start over", async () => {
  let keys = ["k1".repeat(32), "k2".repeat(32)];
  await using responder = new Responder(async (i, r) => {
    const offer = handshakeOf(i);
    if (offer === undefined) return;
    if (offer.session === keys[0] && keys.length === 2) {
      keys = keys.slice(1); // the station "lost" the first key
      await r.reply(i.conn, i.reliable.sender, HandshakeCommand.again(keys[0]));
      return;
    }
    await r.handshake(i, keys[0]);
  });
  await withAlice(responder, {}, async (session) => {
    await session.connect();
    const offers = responder.received.map((i) => handshakeOf(i)?.session);
    assert.deepEqual(offers, [
      undefined,
      "k1".repeat(32),
      undefined,
      "k2".repeat(32),
    ]);
    assert.equal(session.sessionKey, "k2".repeat(32));
  });
});

Deno.test("session: no answer → a new offer after the timeout, HandshakeTimeoutError after the attempts", async () => {
  await using responder = new Responder(() => {});
  const states: string[] = [];
  await withAlice(responder, {
    handshakeTimeout: 100,
    handshakeAttempts: 2,
    onState: (state) => states.push(state),
  }, async (session) => {
    await assert.rejects(
      session.connect(),
      (e: unknown) => e instanceof HandshakeTimeoutError && e.attempts === 2,
    );
    assert.equal(session.state, "closed");
    assert.deepEqual(states, ["connecting", "handshaking", "closed"]);
    const offers = responder.received.filter((i) => handshakeOf(i));
    assert.equal(offers.length, 2);
    assert.ok(offers.every((i) => handshakeOf(i)!.session === undefined));
  });
});

Deno.test("session: an unknown sender's message is suspended, its meta and documents queried, then delivered once; the user gets 'Message received.'", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  responder.know(carol);
  await withAlice(responder, {}, async (session) => {
    await session.connect();
    const inbox = session.messages()[Symbol.asyncIterator]();
    const carolPacker = packerOf(carol, [alice, carol]);
    const content = TextContent.create("hi alice, it's carol");
    const msg = await carolPacker.packContent(alice.id, content);
    const conn = responder.received[0].conn;
    await conn.send(msg.serialize());
    const { value } = await inbox.next();
    const got = value as ReceivedMessage;
    assert.equal(got.sender.value, carol.id.value);
    assert.equal(
      (got.content as TextContent).text,
      "it's carol".length > 0 ? "hi alice, it's carol" : "",
    );
    assert.equal(got.fromStation, false);
    assert.equal(got.reliable.signature, msg.signature);
    // alice asked for carol's meta and documents
    assert.ok(responder.received.some((i) => isCommand(i, "meta")));
    // her receipt goes to carol, naming the message
    const back = await responder.waitFor((i) =>
      i.reliable.receiver.equals(carol.id)
    );
    const receipt = (await carolPacker.unpack(back.reliable))
      .content as ReceiptCommand;
    assert.equal(receipt.text, "Message received.");
    assert.equal(receipt.originalSignature, msg.signature);
    assert.equal(receipt.originalSn, content.sn);
    // the same message again is dropped; the next one comes through
    await conn.send(msg.serialize());
    const next = await carolPacker.packContent(
      alice.id,
      TextContent.create("second"),
    );
    await conn.send(next.serialize());
    const { value: second } = await inbox.next();
    assert.equal(
      ((second as ReceivedMessage).content as TextContent).text,
      "second",
    );
  });
});

Deno.test("session: a message encrypted for a key alice no longer has is dropped, and the sender gets her visa (once)", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  responder.know(carol);
  // carol holds an old visa of alice's with another RSA key
  const old = Document.parse(alice.document.toDictionary());
  old.setVisaKey((await generatePrivateKey("RSA")).publicKey);
  await old.sign(alice.identityKey!, (alice.document.time ?? 0) - 60);
  const carolPacker = new MessagePacker({
    user: localUser(carol),
    directory: {
      meta: (id) =>
        Promise.resolve(id.equals(alice.id) ? alice.meta : carol.meta),
      visa: (id) => Promise.resolve(id.equals(alice.id) ? old : carol.document),
      members: () => Promise.resolve([]),
    },
  });
  await withAlice(responder, {}, async (session) => {
    await session.connect();
    const conn = responder.received[0].conn;
    for (const text of ["unreadable", "unreadable too"]) {
      const msg = await carolPacker.packContent(
        alice.id,
        TextContent.create(text),
      );
      await conn.send(msg.serialize());
    }
    const pushed = await responder.waitFor((i) =>
      i.reliable.receiver.equals(carol.id)
    );
    const visa = (await carolPacker.unpack(pushed.reliable))
      .content as DocumentCommand;
    assert.equal(visa.identifier?.value, alice.id.value);
    assert.equal(
      Document.parse(visa.documents[0]).visaKey()?.equals(
        alice.messageKeys[0].publicKey,
      ),
      true,
    );
    // a round trip later: still one visa for carol (the second was not sent)
    await session.reportOnline();
    await responder.waitFor((i) => isCommand(i, "report"));
    assert.equal(
      responder.received.filter((i) => i.reliable.receiver.equals(carol.id))
        .length,
      1,
    );
  });
});

Deno.test("session: a sender the station does not know either is dropped after the queries", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  const logs: string[] = [];
  await withAlice(responder, {
    queryTimeout: 500,
    onLog: (_level, text) => logs.push(text),
  }, async (session) => {
    await session.connect();
    const stranger = packerOf(carol, [alice, carol]);
    const msg = await stranger.packContent(alice.id, TextContent.create("?"));
    await responder.received[0].conn.send(msg.serialize());
    await responder.waitFor((i) =>
      isCommand(i, "documents") &&
      (i.instant!.content as DocumentCommand).isQuery
    );
    const deadline = Date.now() + 2000;
    while (!logs.some((l) => /dropped 1 message/.test(l))) {
      assert.ok(Date.now() < deadline, logs.join("\n"));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(logs.find((l) => /dropped 1/.test(l))!, /Document not found/);
  });
});

Deno.test("session: bots and stations get no end-to-end receipt; a user does (§6.1), unless turned off", async () => {
  for (const sendReceipts of [true, false]) {
    await using responder = new Responder((i, r) => r.standard(i, KEY));
    responder.know(helper);
    responder.know(carol);
    await withAlice(responder, { sendReceipts }, async (session) => {
      await session.connect();
      const inbox = session.messages()[Symbol.asyncIterator]();
      const conn = responder.received[0].conn;
      for (const account of [helper, carol]) {
        const packer = packerOf(account, [alice, account]);
        const msg = await packer.packContent(
          alice.id,
          TextContent.create(`from ${account.id.value}`),
        );
        await conn.send(msg.serialize());
        const { value } = await inbox.next();
        assert.equal((value as ReceivedMessage).sender.value, account.id.value);
      }
      if (sendReceipts) {
        await responder.waitFor((i) => i.reliable.receiver.equals(carol.id));
      } else {
        // a round trip to the station after the messages: no receipt before it
        await session.reportOnline();
        await responder.waitFor((i) => isCommand(i, "report"));
        assert.equal(
          responder.received.some((i) => i.reliable.receiver.equals(carol.id)),
          false,
        );
      }
      assert.equal(
        responder.received.some((i) => i.reliable.receiver.equals(helper.id)),
        false,
      );
    });
  }
});

Deno.test("session: keep-online logins; a station ID reports online instead and announces nothing", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  await withAlice(
    responder,
    { keepOnlineInterval: 60 },
    async (session) => {
      await session.connect();
      await responder.waitFor(() =>
        responder.received.filter((i) => isCommand(i, "login")).length >= 3
      );
    },
  );
  await using temp = tempAccounts();
  const bridge = await newAccount("gsp-bridge", EntityType.STATION);
  await storeAccount(temp.accounts, bridge);
  await using second = new Responder((i, r) => r.standard(i, KEY));
  const session = new ClientSession({
    accounts: temp.accounts,
    user: bridge.id,
    port: second.port,
    keepOnlineInterval: 60,
  });
  try {
    await session.connect();
    await second.waitFor(() =>
      second.received.filter((i) =>
        isCommand(i, "report") &&
        (i.instant!.content as ReportCommand).title === "online"
      ).length >= 2
    );
    assert.equal(second.received.some((i) => isCommand(i, "login")), false);
    assert.equal(second.received.some((i) => isCommand(i, "documents")), false);
  } finally {
    await session.close();
  }
});

Deno.test("session: onReliable takes messages out of the pipeline untouched (a bridge relays them)", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  responder.know(carol);
  const relayed: ReliableMessage[] = [];
  const received: InstantMessage[] = [];
  await withAlice(responder, {
    onReliable: (msg) => {
      if (msg.dictionary.neighbor === undefined) return false;
      relayed.push(msg);
      return true;
    },
    onMessage: (msg) => void received.push(msg.instant),
  }, async (session) => {
    await session.connect();
    assert.throws(() => session.messages(), TypeError);
    const carolPacker = packerOf(carol, [alice, bob, carol]);
    const toBob = await carolPacker.packContent(
      bob.id,
      TextContent.create("for bob"),
    );
    const dict = { ...toBob.dictionary, neighbor: "gsp-s002@x" };
    const conn = responder.received[0].conn;
    await conn.send(JSON.stringify(dict));
    const toAlice = await carolPacker.packContent(
      alice.id,
      TextContent.create("for alice"),
    );
    await conn.send(toAlice.serialize());
    const deadline = Date.now() + 3000;
    while (received.length === 0) {
      assert.ok(Date.now() < deadline);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(relayed.length, 1);
    assert.equal(relayed[0].signature, toBob.signature);
    assert.equal(received.length, 1);
    assert.equal(received[0].sender.value, carol.id.value);
  });
});

Deno.test("session: a message the station delivers twice (a crash before its acknowledgement) reaches the user once", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  responder.know(carol);
  const received: InstantMessage[] = [];
  await withAlice(responder, {
    onMessage: (msg) => void received.push(msg.instant),
  }, async (session) => {
    await session.connect();
    const carolPacker = packerOf(carol, [alice, bob, carol]);
    const first = await carolPacker.packContent(
      alice.id,
      TextContent.create("once"),
    );
    const second = await carolPacker.packContent(
      alice.id,
      TextContent.create("then this"),
    );
    const conn = responder.received[0].conn;
    await conn.send(first.serialize());
    await conn.send(first.serialize()); // after the restart, again
    await conn.send(second.serialize());
    const deadline = Date.now() + 3000;
    while (received.length < 2) {
      assert.ok(Date.now() < deadline);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      received.map((m) => (m.content as TextContent).text),
      ["once", "then this"],
    );
  });
});

Deno.test("session: when the station closes the connection every wait fails (SessionClosedError)", async () => {
  await using responder = new Responder(async (i, r) => {
    await r.standard(i, KEY); // texts get no receipt
  });
  responder.know(bob);
  await withAlice(responder, {}, async (session) => {
    await session.connect();
    const sent = await session.send(bob.id, TextContent.create("lost"));
    const waiting = sent.stationReceipt(5000);
    const inbox = session.messages()[Symbol.asyncIterator]();
    responder.received[0].conn.close();
    // MTP: unacknowledged when the connection went — not sent, or closed
    await assert.rejects(
      waiting,
      (e: unknown) =>
        e instanceof SessionClosedError || e instanceof MessageNotSentError,
    );
    assert.equal((await inbox.next()).done, true);
    assert.equal(session.state, "closed");
    await assert.rejects(
      session.send(bob.id, TextContent.create("after")),
      SessionClosedError,
    );
  });
});

Deno.test("session: with reconnect, a lost connection is dialled again and handshaken", async () => {
  await using responder = new Responder((i, r) => r.standard(i, KEY));
  const states: string[] = [];
  await withAlice(responder, {
    reconnect: true,
    onState: (state) => states.push(state),
  }, async (session) => {
    await session.connect();
    const first = responder.received[0].conn;
    first.close();
    await responder.waitFor((i) =>
      i.conn !== first && handshakeOf(i)?.session === KEY
    );
    await session.connect(); // resolves once running again
    assert.equal(session.state, "running");
    assert.deepEqual(states, [
      "connecting",
      "handshaking",
      "running",
      "connecting",
      "handshaking",
      "running",
    ]);
  });
});
