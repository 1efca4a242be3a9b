/**
 * station.md §11.a cases 9–12 and 18: login, metas and documents (every
 * reply text), block and mute lists, ANS, unknown commands and contents,
 * forward and array contents.
 */
import assert from "node:assert/strict";
import {
  AnsCommand,
  BlockCommand,
  Command,
  DocumentCommand,
  LoginCommand,
  MetaCommand,
  MuteCommand,
  type ReceiptCommand,
} from "../../dimp/command/mod.ts";
import {
  ArrayContent,
  Content,
  ForwardContent,
  TextContent,
} from "../../dimp/content/mod.ts";
import {
  Document,
  EntityType,
  EVERYONE,
  type ID,
  parseId,
} from "../../dimp/identity/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import {
  type Account,
  accounts,
  closeAll,
  commandName,
  newAccount,
  online,
  type Received,
  sleep,
  type TestPeer,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol, dave] = await accounts(4);

/** The receipt answering `sent` (matched by origin signature). */
function answerTo(peer: TestPeer, sent: ReliableMessage): Promise<Received> {
  return peer.next((r) =>
    commandName(r) === "receipt" &&
    (r.instant!.content as ReceiptCommand).originalSignature === sent.signature
  );
}

async function receiptFor(
  peer: TestPeer,
  sent: ReliableMessage,
): Promise<ReceiptCommand> {
  return (await answerTo(peer, sent)).instant!.content as ReceiptCommand;
}

/** A copy of an account's visa with other properties, signed at `time`. */
async function visaOf(
  account: Account,
  properties: Record<string, unknown>,
  time: number,
): Promise<Document> {
  const visa = Document.parse(account.visa.toDictionary());
  for (const [name, value] of Object.entries(properties)) {
    visa.setProperty(name, value);
  }
  await visa.sign(account.signKey, time);
  return visa;
}

function upload(
  id: ID,
  meta: Account["meta"] | undefined,
  documents: (Document | Record<string, unknown>)[],
): DocumentCommand {
  return DocumentCommand.response(id, meta, documents);
}

Deno.test("login: 'Login received.'; an older login is ignored; a document query returns documents, meta and a forward of the login", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });
    const now = Date.now() / 1000;
    const login = await b.sendContent(
      EVERYONE,
      LoginCommand.create(bob.id, {
        station: { id: station.id, host: "127.0.0.1", port },
        agent: "dim-test",
        time: now,
      }),
    );
    const ack = await receiptFor(b, login);
    assert.equal(ack.text, "Login received.");
    assert.equal(ack.dictionary.template, "Login command received: ${did}.");
    assert.deepEqual(ack.dictionary.replacements, { did: bob.id.value });
    assert.equal(station.store.logins.newest(bob.id.value)?.time, now);

    const older = await b.sendContent(
      EVERYONE,
      LoginCommand.create(bob.id, {
        station: { id: station.id },
        time: now - 60,
      }),
    );
    assert.deepEqual(
      await b.quiet((r) => commandName(r) === "receipt", 200),
      [],
    );
    assert.equal(station.store.logins.newest(bob.id.value)?.time, now);
    assert.notEqual(older.signature, login.signature);

    // a login is a command: never fanned out to users
    assert.deepEqual(
      await a.quiet((r) => r.msg.signature === login.signature, 50),
      [],
    );

    const from = a.inbox.length;
    await a.sendContent(station.id, DocumentCommand.query(bob.id));
    const docs = await a.nextCommand("documents", 5000, from);
    const reply = docs.instant!.content as DocumentCommand;
    assert.equal(reply.identifier?.value, bob.id.value);
    assert.deepEqual(reply.metaDictionary, bob.meta.toDictionary());
    assert.equal(reply.documents.length, 1);
    assert.equal(
      reply.documents[0].signature,
      bob.visa.toDictionary().signature,
    );
    const forward = await a.next(
      (r) => r.instant?.content instanceof ForwardContent,
      5000,
      from,
    );
    const inner = (forward.instant!.content as ForwardContent).messages;
    assert.equal(inner.length, 1);
    assert.equal(inner[0].signature, login.signature);
    await closeAll([a, b]);
  });
});

Deno.test("a login naming another station is stored, not answered, and roaming is reported", async () => {
  const roamed: string[] = [];
  await withStation({
    onRoaming: (user, at) => roamed.push(`${user.value}@${at.value}`),
  }, async ({ station, port }) => {
    const [b] = await online(port, [bob]);
    const s2 = (await newAccount(EntityType.STATION, "gsp-s002")).id.value;
    const login = LoginCommand.create(bob.id, {
      station: { id: parseId(s2), host: "192.0.2.2", port: 9394 },
    });
    await b.sendContent(EVERYONE, login);
    assert.deepEqual(
      await b.quiet((r) => commandName(r) === "receipt", 200),
      [],
    );
    assert.equal(station.store.logins.newest(bob.id.value)?.stationId, s2);
    assert.deepEqual(roamed, [`${bob.id.value}@${s2}`]);
    await b.close();
  });
});

Deno.test("meta: query, upload, not found, not valid, command error", async () => {
  await withStation({}, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    const sid = station.id;
    let sent = await a.sendContent(sid, MetaCommand.query(alice.id));
    const meta = await a.nextCommand("meta");
    assert.deepEqual(
      (meta.instant!.content as MetaCommand).metaDictionary,
      alice.meta.toDictionary(),
    );
    sent = await a.sendContent(sid, MetaCommand.query(carol.id));
    let receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Meta not found.");
    assert.equal(receipt.dictionary.template, "Meta not found: ${did}.");
    assert.deepEqual(receipt.dictionary.replacements, { did: carol.id.value });

    sent = await a.sendContent(sid, MetaCommand.response(carol.id, carol.meta));
    receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Meta received.");
    assert.ok(station.store.metas.has(carol.id.value));

    // dave's meta under carol's ID: refused, nothing stored
    sent = await a.sendContent(sid, MetaCommand.response(dave.id, carol.meta));
    receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Meta not valid.");
    assert.equal(station.store.metas.get(dave.id.value), undefined);

    // the same meta again is accepted, nothing replaced
    sent = await a.sendContent(sid, MetaCommand.response(carol.id, carol.meta));
    assert.equal((await receiptFor(a, sent)).text, "Meta received.");

    sent = await a.sendContent(sid, Command.named("meta", {}));
    assert.equal((await receiptFor(a, sent)).text, "Meta command error.");
    await a.close();
  });
});

Deno.test("documents: received, not accepted (tampered), not changed (older, future), ID not match, meta not found, not found, not updated", async () => {
  await withStation({}, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    const sid = station.id;
    const now = Date.now() / 1000;
    const texts = async (content: DocumentCommand) => {
      const sent = await a.sendContent(sid, content);
      const first = await answerTo(a, sent);
      const rest = await a.quiet((r) =>
        commandName(r) === "receipt" &&
        (r.instant!.content as ReceiptCommand).originalSignature ===
          sent.signature, 50);
      return [first, ...rest].map((
        r,
      ) => (r.instant!.content as ReceiptCommand));
    };

    // upload meta + visa of carol (sent by alice: anyone may upload)
    const v1 = await visaOf(carol, { name: "Carol" }, now - 100);
    let [receipt] = await texts(upload(carol.id, carol.meta, [v1]));
    assert.equal(receipt.text, "Document received.");
    assert.equal(receipt.dictionary.template, "Document received: ${did}.");
    assert.equal(station.accounts.visa(carol.id)?.name, "Carol");

    const tampered = v1.toDictionary();
    tampered.data = (tampered.data as string).replace("Carol", "Mallory");
    [receipt] = await texts(upload(carol.id, undefined, [tampered]));
    assert.equal(receipt.text, "Document not accepted.");
    assert.equal(station.accounts.visa(carol.id)?.name, "Carol");

    const older = await visaOf(carol, { name: "Old Carol" }, now - 200);
    [receipt] = await texts(upload(carol.id, undefined, [older]));
    assert.equal(receipt.text, "Document not changed.");

    const future = await visaOf(carol, { name: "Future Carol" }, now + 3600);
    [receipt] = await texts(upload(carol.id, undefined, [future]));
    assert.equal(receipt.text, "Document not changed.");
    assert.equal(station.accounts.visa(carol.id)?.name, "Carol");

    [receipt] = await texts(upload(carol.id, undefined, [alice.visa]));
    assert.equal(receipt.text, "Document ID not match.");

    // dave has no meta at the station
    [receipt] = await texts(upload(dave.id, undefined, [dave.visa]));
    assert.equal(receipt.text, "Meta not found.");
    // a meta that is not dave's: nothing stored at all
    [receipt] = await texts(upload(dave.id, carol.meta, [dave.visa]));
    assert.equal(receipt.text, "Meta not valid.");
    assert.equal(station.store.metas.get(dave.id.value), undefined);
    assert.deepEqual(station.store.documents.list(dave.id.value), []);

    const newer = await visaOf(carol, { name: "Carol 2" }, now - 10);
    [receipt] = await texts(upload(carol.id, undefined, [newer]));
    assert.equal(receipt.text, "Document received.");

    // queries
    let sent = await a.sendContent(sid, DocumentCommand.query(dave.id));
    receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Document not found.");
    assert.equal(receipt.dictionary.template, "Document not found: ${did}.");
    sent = await a.sendContent(sid, DocumentCommand.query(carol.id, now - 10));
    receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Document not updated.");
    assert.deepEqual(receipt.dictionary.replacements, {
      did: carol.id.value,
      time: now - 10,
    });
    const from = a.inbox.length;
    await a.sendContent(sid, DocumentCommand.query(carol.id, now - 50));
    const docs = await a.nextCommand("documents", 5000, from);
    const got = docs.instant!.content as DocumentCommand;
    assert.equal(got.documents.length, 1);
    assert.equal(Document.parse(got.documents[0]).name, "Carol 2");
    await a.close();
  });
});

Deno.test("block and mute: a blocked sender gets 'Message is blocked by \"<name>\"'; lists are stored and queried; mute does not stop delivery", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b, c] = await online(port, [alice, bob, carol], { world });
    const sid = station.id;
    let sent = await b.sendContent(sid, BlockCommand.query());
    const empty = await b.nextCommand("block");
    assert.deepEqual(empty.instant!.content.dictionary.list, []);

    sent = await b.sendContent(sid, BlockCommand.upload([alice.id]));
    let receipt = await receiptFor(b, sent);
    assert.equal(receipt.text, "Block received.");
    assert.equal(
      receipt.dictionary.template,
      "Block command received: ${did}.",
    );

    const blocked = await a.sendContent(
      bob.id,
      TextContent.create("let me in"),
    );
    receipt = await receiptFor(a, blocked);
    assert.equal(receipt.text, `Message is blocked by "u1"`);
    assert.deepEqual(
      await b.quiet((r) => r.msg.signature === blocked.signature, 100),
      [],
    );
    assert.equal(station.store.messages.count(bob.id.value), 0);
    // carol is not blocked
    const fine = await c.sendContent(bob.id, TextContent.create("hi"));
    assert.equal((await receiptFor(c, fine)).text, "Message delivered.");

    const from = b.inbox.length;
    await b.sendContent(sid, BlockCommand.query());
    const list = await b.nextCommand("block", 5000, from);
    assert.deepEqual(list.instant!.content.dictionary.list, [alice.id.value]);

    // an older upload does not replace the list
    sent = await b.sendContent(
      sid,
      BlockCommand.upload([], { time: Date.now() / 1000 - 3600 }),
    );
    assert.equal((await receiptFor(b, sent)).text, "Block not changed.");

    sent = await b.sendContent(sid, MuteCommand.upload([carol.id]));
    assert.equal((await receiptFor(b, sent)).text, "Mute received.");
    const muted = await c.sendContent(
      bob.id,
      TextContent.create("muted but delivered"),
    );
    assert.equal((await receiptFor(c, muted)).text, "Message delivered.");
    const mfrom = b.inbox.length;
    await b.sendContent(sid, MuteCommand.query());
    const mutes = await b.nextCommand("mute", 5000, mfrom);
    assert.deepEqual(mutes.instant!.content.dictionary.list, [carol.id.value]);

    // unblocking lets alice through again
    sent = await b.sendContent(sid, BlockCommand.upload([]));
    assert.equal((await receiptFor(b, sent)).text, "Block received.");
    const again = await a.sendContent(bob.id, TextContent.create("now?"));
    assert.equal((await receiptFor(a, again)).text, "Message delivered.");
    await closeAll([a, b, c]);
  });
});

Deno.test("ans: records for the names it knows, 'missed' for the others; empty → 'ANS command error.'", async () => {
  const [archivist, monitor] = await accounts(2);
  await withStation({
    ans: new Map([["archivist", archivist.id], ["monitor", monitor.id]]),
  }, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    await a.sendContent(
      station.id,
      AnsCommand.query(["archivist", "monitor", "nobody"]),
    );
    const reply = (await a.nextCommand("ans")).instant!.content as AnsCommand;
    assert.deepEqual(reply.records, {
      archivist: archivist.id.value,
      monitor: monitor.id.value,
    });
    assert.deepEqual(reply.missed, ["nobody"]);
    assert.equal(reply.dictionary.names, "archivist monitor nobody");
    const sent = await a.sendContent(station.id, AnsCommand.query([]));
    assert.equal((await receiptFor(a, sent)).text, "ANS command error.");
    await a.close();
  });
});

Deno.test("unknown command → 'Command not support.'; unknown content → 'Content not support.'; texts and receipts get no reply", async () => {
  await withStation({}, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    const teleport = Command.named("teleport", { to: "mars" });
    let sent = await a.sendContent(station.id, teleport);
    let receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Command not support.");
    assert.equal(
      receipt.dictionary.template,
      "Command (name: ${command}) not support yet!",
    );
    assert.deepEqual(receipt.dictionary.replacements, { command: "teleport" });
    assert.equal(
      (receipt.dictionary.origin as Record<string, unknown>).sn,
      teleport.sn,
    );

    sent = await a.sendContent(
      station.id,
      new Content({ type: 0x99, sn: 4242, time: 1 }),
    );
    receipt = await receiptFor(a, sent);
    assert.equal(receipt.text, "Content not support.");
    assert.equal(
      receipt.dictionary.template,
      "Content (type: ${type}) not support yet!",
    );
    assert.deepEqual(receipt.dictionary.replacements, { type: 0x99 });
    assert.equal(
      (receipt.dictionary.origin as Record<string, unknown>).sn,
      4242,
    );

    const before = a.inbox.length;
    await a.sendContent(station.id, TextContent.create("hello station"));
    await sleep(100);
    assert.equal(a.inbox.length, before);
    await a.close();
  });
});

Deno.test("forward and array contents: each inner message / content processed, replies wrapped back", async () => {
  await withStation({}, async ({ station, port }) => {
    const [a] = await online(port, [alice]);
    const inner = await a.pack(station.id, MetaCommand.query(alice.id));
    await a.sendContent(station.id, ForwardContent.create([inner]));
    const wrapped = await a.next((r) =>
      r.instant?.content instanceof ForwardContent
    );
    const [reply] = (wrapped.instant!.content as ForwardContent).messages;
    const opened = await a.packer.unpack(
      (await import("../../dimp/message/mod.ts")).ReliableMessage.parse(reply),
    );
    assert.equal(
      (opened.content as MetaCommand).identifier?.value,
      alice.id.value,
    );

    const from = a.inbox.length;
    await a.sendContent(
      station.id,
      ArrayContent.create([
        AnsCommand.query(["everyone"]),
        MetaCommand.query(alice.id),
      ]),
    );
    const ans = await a.nextCommand("ans", 5000, from);
    assert.deepEqual((ans.instant!.content as AnsCommand).records, {
      everyone: EVERYONE.value,
    });
    await a.nextCommand("meta", 5000, from);
    await a.close();
  });
});
