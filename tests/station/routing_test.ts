/**
 * station.md §11.a cases 4–8: sends before the handshake, A→B online and
 * offline (in order, once, expiry), background reports, several sessions —
 * across framings; and the sender check.
 */
import assert from "node:assert/strict";
import {
  type HandshakeCommand,
  ReceiptCommand,
  ReportCommand,
} from "../../dimp/command/mod.ts";
import { ArrayContent, TextContent } from "../../dimp/content/mod.ts";
import type { Framing, Station } from "../../station/mod.ts";
import { SilentMtpClient } from "./_raw_mtp.ts";
import {
  accounts,
  closeAll,
  commandName,
  online,
  receiptText,
  type Received,
  sleep,
  TestPeer,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol] = await accounts(3);

function textOf(received: Received): string | undefined {
  const content = received.instant?.content;
  return content instanceof TextContent ? content.text : undefined;
}

const isText = (received: Received) => textOf(received) !== undefined;

const PAIRS: [Framing, Framing][] = [
  ["mtp", "ws"],
  ["ws", "plain"],
  ["plain", "mars"],
  ["mars", "mtp"],
];

for (const [from, to] of PAIRS) {
  Deno.test(`online A→B [${from} → ${to}]: B gets the signed message plus traces; A gets "Message delivered."; nothing verified`, async () => {
    await withStation({}, async ({ station, port }) => {
      const world = new World();
      const [a] = await online(port, [alice], { framing: from, world });
      const [b] = await online(port, [bob], { framing: to, world });
      const verified = station.stats.verified;
      const sent = await a.sendContent(bob.id, TextContent.create("hello B"));
      const got = await b.next(isText);
      assert.equal(textOf(got), "hello B");
      for (
        const field of [
          "sender",
          "receiver",
          "time",
          "data",
          "key",
          "signature",
          "IV",
          "type",
        ]
      ) {
        assert.deepEqual(
          got.msg.dictionary[field],
          sent.dictionary[field],
          field,
        );
      }
      const traces = got.msg.dictionary.traces as Record<string, unknown>[];
      assert.equal(traces.length, 1);
      assert.equal(traces[0].did, station.id.value);
      assert.equal(traces[0].ID, station.id.value);
      assert.equal(typeof traces[0].time, "number");

      const delivered = await a.nextReceipt("Message delivered.");
      const receipt = delivered.instant!.content as ReceiptCommand;
      assert.equal(receipt.dictionary.recipient, bob.id.value);
      const origin = receipt.dictionary.origin as Record<string, unknown>;
      assert.equal(origin.signature, sent.signature);
      assert.equal(origin.sender, alice.id.value);
      assert.equal(origin.receiver, bob.id.value);
      assert.equal(origin.type, sent.dictionary.type);
      assert.equal(origin.data, undefined);
      assert.equal(origin.key, undefined);
      // compatibility copies (messages.md §8.6)
      assert.deepEqual(receipt.dictionary.envelope, origin);
      assert.equal(receipt.dictionary.sender, alice.id.value);
      assert.equal(receipt.dictionary.signature, sent.signature);
      assert.equal(receipt.dictionary.cmd, "receipt");
      assert.equal(
        station.stats.verified,
        verified,
        "no verification for a routed message",
      );
      // delivered messages do not stay stored
      await sleep(50);
      assert.equal(station.store.messages.count(bob.id.value), 0);
      await closeAll([a, b]);
    });
  });
}

/** Records the signatures the store writes (`store <sig> <durable>`, `delete <sig>`). */
function recordWrites(station: Station): string[] {
  const written: string[] = [];
  const messages = station.store.messages;
  const apply = messages.apply.bind(messages);
  messages.apply = (ops, options) => {
    const results = apply(ops, options);
    for (const op of ops) {
      written.push(
        "store" in op
          ? `store ${op.store.signature} ${options?.durable === true}`
          : `delete ${op.delete.signature}`,
      );
    }
    return results;
  };
  return written;
}

Deno.test("online A→B acknowledged at once (MTP OK): 'Message delivered.' leaves after B's OK, nothing is written", async () => {
  await withStation({}, async ({ station, port }) => {
    const written = recordWrites(station);
    const world = new World();
    const [a] = await online(port, [alice], { world });
    const [b] = await online(port, [bob], { world });
    const sent = await a.pack(bob.id, TextContent.create("quick"));
    const taken = station.stats.deliveredBy.live;
    let safeAtReceipt: boolean | undefined;
    a.tap = () => {
      // the first line after the send is its receipt: by then B took the
      // message, or it was committed
      safeAtReceipt ??= station.stats.deliveredBy.live > taken ||
        written.includes(`store ${sent.signature} true`);
      return false;
    };
    await a.send(sent);
    assert.equal(textOf(await b.next(isText)), "quick");
    await a.nextReceipt("Message delivered.");
    assert.equal(safeAtReceipt, true);
    await sleep(100); // past the store's hold time
    if (!written.includes(`store ${sent.signature} true`)) {
      assert.deepEqual(written, [], "taken in time: never written");
    }
    assert.equal(station.store.messages.count(bob.id.value), 0);
    await closeAll([a, b]);
  });
});

Deno.test("online A→B, B never acknowledges: 'Message delivered.' leaves once the message is committed and fsynced; it stays stored", async () => {
  await withStation({}, async ({ station, port }) => {
    const written = recordWrites(station);
    const world = new World();
    const [a] = await online(port, [alice], { world });
    const b = await SilentMtpClient.connect(port, bob, world);
    await b.handshake();
    const sent = await a.pack(bob.id, TextContent.create("unread"));
    let committedAtReceipt: boolean | undefined;
    a.tap = () => {
      committedAtReceipt ??= written.includes(
        `store ${sent.signature} true`,
      );
      return false;
    };
    await a.send(sent);
    await a.nextReceipt("Message delivered.");
    assert.equal(committedAtReceipt, true);
    assert.equal((await b.read(1))[0].signature, sent.signature);
    assert.equal(station.store.messages.count(bob.id.value), 1);
    b.raw.conn.close();
    await a.close();
  });
});

Deno.test("receipts: a client whose offer asked for arrays gets the receipts due together in one array content; one that did not, one message each", async () => {
  await withStation({}, async ({ port }) => {
    const world = new World();
    world.know(carol);
    const batched = await TestPeer.connect(port, alice, { world });
    batched.receiptArrays = true;
    await batched.handshake();
    const [single] = await online(port, [bob], { world });
    for (const peer of [batched, single]) {
      // three texts in one payload for carol, who is away: cached together
      const sent = [];
      for (const text of ["one", "two", "three"]) {
        sent.push(await peer.pack(carol.id, TextContent.create(text)));
      }
      const from = peer.inbox.length;
      await peer.sendRaw(sent.map((msg) => msg.serialize()).join("\n"));
      const answered = async () => {
        const got: string[][] = [];
        const deadline = Date.now() + 5_000;
        while (got.flat().length < 3 && Date.now() < deadline) {
          await sleep(20);
          got.length = 0;
          for (const r of peer.inbox.slice(from)) {
            const content = r.instant?.content;
            const items = content instanceof ArrayContent
              ? content.contents.map((item) => new ReceiptCommand(item))
              : content instanceof ReceiptCommand
              ? [content]
              : [];
            if (items.length > 0) {
              got.push(items.map((item) => item.originalSignature ?? ""));
            }
          }
        }
        return got;
      };
      const signatures = sent.map((msg) => msg.signature);
      assert.deepEqual(
        await answered(),
        peer === batched ? [signatures] : signatures.map((s) => [s]),
      );
    }
    await closeAll([batched, single]);
  });
});

Deno.test("unbound send: suspended, DIM? with force, then delivered after the handshake without resending", async () => {
  await withStation({}, async ({ port }) => {
    const world = new World();
    const [b] = await online(port, [bob], { world });
    // alice was here before (the station knows her visa) and reconnects
    await closeAll(await online(port, [alice], { world }));
    const a = await TestPeer.connect(port, alice, { world, framing: "ws" });
    const early = await a.sendContent(bob.id, TextContent.create("early"));
    const forced = await a.nextCommand("handshake");
    const dimQ = forced.instant!.content as HandshakeCommand;
    assert.equal(dimQ.title, "DIM?");
    assert.equal(dimQ.force, true);
    assert.match(dimQ.session!, /^[0-9a-f]{64}$/);
    assert.deepEqual(await b.quiet(isText, 100), []);
    // the client handshakes with the key it was given
    a.sessionKey = dimQ.session;
    const from = a.inbox.length;
    await a.offer(dimQ.session);
    await a.next(
      (r) =>
        commandName(r) === "handshake" &&
        (r.instant!.content as HandshakeCommand).title === "DIM!",
      5000,
      from,
    );
    const got = await b.next(isText);
    assert.equal(textOf(got), "early");
    assert.equal(got.msg.signature, early.signature);
    assert.equal(
      got.msg.dictionary.error,
      undefined,
      "the suspension mark is removed",
    );
    await a.nextReceipt("Message delivered.");
    await closeAll([a, b]);
  });
});

Deno.test("unbound send from a stranger: the forced DIM? waits for the visa, which the first offer brings", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [b] = await online(port, [bob], { world });
    const a = await TestPeer.connect(port, carol, { world });
    await a.sendContent(bob.id, TextContent.create("first words"));
    assert.deepEqual(
      await a.quiet(() => true, 100),
      [],
      "no key to answer with",
    );
    await a.handshake();
    const forced = await a.next((r) =>
      commandName(r) === "handshake" &&
      (r.instant!.content as HandshakeCommand).force
    );
    assert.equal(forced.msg.sender.value, station.id.value);
    // the suspended message went out with the handshake
    assert.equal(textOf(await b.next(isText)), "first words");
    await closeAll([a, b]);
  });
});

Deno.test("offline A→B: 'Message cached.', delivered in time order at B's handshake, not again at the next; expired ones never", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    world.know(bob);
    const [a] = await online(port, [alice], { world });
    const now = Date.now() / 1000;
    // sent out of time order; one is 8 days old (past the 7-day retention)
    const times = [now - 20, now - 40, now - 30, now - 8 * 86400, now - 10];
    for (const [i, time] of times.entries()) {
      await a.sendContent(bob.id, TextContent.create(`m${i}`), { time });
    }
    const cached = await a.collect(
      (r) => receiptText(r) === "Message cached.",
      5,
    );
    assert.equal(cached.length, 5);
    assert.equal(station.store.messages.count(bob.id.value), 5);

    const [b] = await online(port, [bob], { world, framing: "ws" });
    const texts = (await b.collect(isText, 4)).map(textOf);
    assert.deepEqual(texts, ["m1", "m2", "m0", "m4"]);
    assert.deepEqual(await b.quiet(isText, 200), []);
    await b.close();
    await sleep(50);
    assert.equal(station.store.messages.load(bob.id.value).length, 0);

    const [again] = await online(port, [bob], { world });
    assert.deepEqual(await again.quiet(isText, 300), [], "not delivered twice");
    await closeAll([a, again]);
  });
});

Deno.test("background: 'report offline' → messages are cached; 'report online' → 'Online received.' and they arrive; an older offline report is ignored", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    const t0 = Date.now() / 1000;
    await b.sendContent(station.id, ReportCommand.offline({ time: t0 + 1 }));
    assert.deepEqual(await b.quiet(() => true, 100), [], "no reply to offline");
    await a.sendContent(bob.id, TextContent.create("while away"));
    await a.nextReceipt("Message cached.");
    assert.deepEqual(await b.quiet(isText, 100), []);

    await b.sendContent(station.id, ReportCommand.online({ time: t0 + 3 }));
    const ack = await b.nextReceipt("Online received.");
    const receipt = ack.instant!.content as ReceiptCommand;
    assert.equal(
      receipt.dictionary.template,
      "Online command received: ${did}.",
    );
    assert.deepEqual(receipt.dictionary.replacements, { did: bob.id.value });
    assert.equal(textOf(await b.next(isText)), "while away");

    // an offline report older than the last change is ignored
    await b.sendContent(station.id, ReportCommand.offline({ time: t0 + 2 }));
    await sleep(50);
    const from = b.inbox.length;
    await a.sendContent(bob.id, TextContent.create("still here"));
    await a.nextReceipt("Message delivered.", 5000);
    assert.equal(textOf(await b.next(isText, 5000, from)), "still here");

    // other titles: "Command not support." with the template
    await b.sendContent(station.id, ReportCommand.create("dance"));
    const refused = await b.nextReceipt("Command not support.");
    assert.deepEqual(
      (refused.instant!.content as ReceiptCommand).dictionary.replacements,
      { title: "dance" },
    );
    await closeAll([a, b]);
  });
});

Deno.test("multi-device: two sessions of B both receive a live message", async () => {
  await withStation({}, async ({ port }) => {
    const world = new World();
    const [a, b1] = await online(port, [alice, bob], { world });
    const [b2] = await online(port, [bob], { world, framing: "ws" });
    const sent = await a.sendContent(bob.id, TextContent.create("both"));
    const [one, two] = await Promise.all([b1.next(isText), b2.next(isText)]);
    assert.equal(one.msg.signature, sent.signature);
    assert.equal(two.msg.signature, sent.signature);
    const receipts = await a.collect(
      (r) => receiptText(r) === "Message delivered.",
      1,
    );
    assert.equal(receipts.length, 1, "one receipt for the sender");
    await closeAll([a, b1, b2]);
  });
});

Deno.test("sender check: a forged sender on a user session is refused ('Permission denied.' to the session's user), not delivered", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    world.know(carol);
    const forged = await a.forge(
      carol.id,
      bob.id,
      TextContent.create("I am carol"),
    );
    await a.send(forged);
    const refused = await a.nextReceipt("Permission denied.");
    const receipt = refused.instant!.content as ReceiptCommand;
    assert.equal(refused.msg.receiver.value, alice.id.value);
    assert.equal(receipt.originalSignature, forged.signature);
    assert.deepEqual(receipt.dictionary.replacements, {
      sender: carol.id.value,
      user: alice.id.value,
    });
    assert.deepEqual(await b.quiet(isText, 200), []);
    assert.equal(station.stats.droppedBy.sender_refused, 1);
    assert.equal(station.store.messages.count(bob.id.value), 0);
    await closeAll([a, b]);
  });
});

Deno.test("sender check off ([station] check_sender = false): the reference behaviour, the message is routed", async () => {
  await withStation({ checkSender: false }, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    world.know(carol);
    await a.send(
      await a.forge(carol.id, bob.id, TextContent.create("relayed")),
    );
    const got = await b.next((r) => r.msg.sender.value === carol.id.value);
    assert.ok(
      got.error !== undefined,
      "B's own verification rejects the forgery",
    );
    assert.equal(station.stats.droppedBy.sender_refused ?? 0, 0);
    await closeAll([a, b]);
  });
});

Deno.test("verify_routed: every routed message is verified (counted); one whose signature fails is dropped", async () => {
  await withStation(
    { verifyRouted: true, checkSender: false },
    async ({ station, port }) => {
      const world = new World();
      const [a, b] = await online(port, [alice, bob], { world });
      const before = station.stats.verified;
      await a.sendContent(bob.id, TextContent.create("signed"));
      await b.next(isText);
      assert.equal(station.stats.verified, before + 1);
      world.know(carol);
      await a.send(
        await a.forge(carol.id, bob.id, TextContent.create("forged")),
      );
      assert.deepEqual(await b.quiet(isText, 200), []);
      assert.equal(station.stats.verified, before + 2);
      await closeAll([a, b]);
    },
  );
});

Deno.test("signers = 1: receipts signed on a worker thread verify like any other", async () => {
  await withStation({ signers: 1 }, async ({ port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    for (let i = 0; i < 5; i++) {
      await a.sendContent(bob.id, TextContent.create(`w${i}`));
    }
    const receipts = await a.collect(
      (r) => receiptText(r) === "Message delivered.",
      5,
    );
    assert.equal(receipts.length, 5, "unpacked: the signatures verified");
    await closeAll([a, b]);
  });
});

Deno.test("an inactive session (after 'report offline') that sends: suspended with a forced DIM?, replayed after 'report online' and a new handshake", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    const t0 = Date.now() / 1000;
    await a.sendContent(station.id, ReportCommand.offline({ time: t0 + 1 }));
    await sleep(50);
    const from = a.inbox.length;
    const held = await a.sendContent(bob.id, TextContent.create("held"));
    const forced = await a.next(
      (r) =>
        commandName(r) === "handshake" &&
        (r.instant!.content as HandshakeCommand).force,
      5000,
      from,
    );
    assert.equal(
      (forced.instant!.content as HandshakeCommand).session,
      a.sessionKey,
    );
    assert.deepEqual(await b.quiet(isText, 100), []);
    await a.sendContent(station.id, ReportCommand.online({ time: t0 + 2 }));
    await a.nextReceipt("Online received.", 5000, from);
    const next = a.inbox.length;
    await a.offer(a.sessionKey);
    await a.next(
      (r) =>
        commandName(r) === "handshake" &&
        (r.instant!.content as HandshakeCommand).title === "DIM!",
      5000,
      next,
    );
    assert.equal((await b.next(isText)).msg.signature, held.signature);
    await closeAll([a, b]);
  });
});
