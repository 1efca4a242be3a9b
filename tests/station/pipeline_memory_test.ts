import assert from "node:assert/strict";
import {
  DocumentCommand,
  HandshakeCommand,
  HandshakeTitle,
  ReceiptCommand,
} from "../../dimp/command/mod.ts";
import { ANY_STATION } from "../../dimp/identity/mod.ts";
import { ArrayContent, TextContent } from "../../dimp/content/mod.ts";
import { MessagePacker, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  type Pipeline,
  Session,
  SessionHandler,
} from "../../station/mod.ts";
import { ConnectionGuard } from "../../station/_connection_guard.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { accounts, World } from "./_peer.ts";

/** A station's pipeline on a temporary store, its sessions on memory connections. */
async function pipelineWorld(options: { pushHoldMs?: number } = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "dim-pipeline-" });
  const store = Store.open({ dataDir: dir });
  const facade = new Accounts(store);
  const identity = await findStationIdentity(facade);
  const pipeline = assemblePipeline(identity, facade, options);
  const [alice, bob] = await accounts(2);
  const world = new World();
  for (const account of [alice, bob, identity]) world.know(account);
  for (const account of [alice, bob]) {
    await facade.saveMeta(account.id, account.meta.toDictionary());
    await facade.saveDocument(account.visa.toDictionary());
  }
  const bind = (account: typeof alice, settles = true) => {
    const conn = new MemoryConnection({ settles });
    const session = new Session(conn);
    pipeline.center.add(session);
    pipeline.center.bind(session, account.id);
    return { conn, session };
  };
  const packer = new MessagePacker({ user: { ...alice }, directory: world });
  return {
    store,
    pipeline,
    alice,
    bob,
    bind,
    packer,
    [Symbol.asyncDispose]: () => {
      pipeline.close();
      store.close();
      Deno.removeSync(dir, { recursive: true });
      return Promise.resolve();
    },
  };
}

/** A session handler on `pipeline` (a login timer of 60 s), one connection open on it. */
function openHandler(pipeline: Pipeline) {
  const guard = new ConnectionGuard({
    loginTimeout: 60_000,
    stats: pipeline.stats,
    log: pipeline.log,
  });
  const handler = new SessionHandler({
    center: pipeline.center,
    guard,
    log: pipeline.log,
    maxQueue: 256,
  });
  handler.attach(pipeline);
  const conn = new MemoryConnection();
  handler.onOpen(conn);
  return { guard, handler, conn };
}

/** The station's receipts in what was written back: text and original signature, array items each. */
async function receiptsIn(
  packer: MessagePacker,
  written: readonly string[],
): Promise<{ text: string; signature: string | undefined }[][]> {
  const out = [];
  for (const payload of written) {
    const { content } = await packer.unpack(ReliableMessage.parse(payload));
    const items = content instanceof ArrayContent
      ? content.contents.map((item) => new ReceiptCommand(item))
      : [content];
    out.push(items.map((item) => {
      assert.ok(item instanceof ReceiptCommand, "a receipt");
      return { text: item.text, signature: item.originalSignature };
    }));
  }
  return out;
}

Deno.test("pipeline without sockets: a message to a user online here is pushed on their connection and answered 'Message delivered.' once taken", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  const b = w.bind(w.bob);
  const msg = await w.packer.packContent(w.bob.id, TextContent.create("hi"));
  // the receipt is not a response: it leaves once the delivery settled
  assert.deepEqual(await w.pipeline.receive(a.session, [msg.serialize()]), []);
  const [pushed] = await b.conn.waitForSent(1);
  assert.equal(ReliableMessage.parse(pushed).signature, msg.signature);
  assert.deepEqual(await receiptsIn(w.packer, await a.conn.waitForSent(1)), [
    [{ text: "Message delivered.", signature: msg.signature }],
  ]);
  assert.deepEqual(w.store.messages.load(w.bob.id.value), [], "never written");
});

Deno.test("pipeline without sockets: a message to a user with no session is stored and answered 'Message cached.'", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  const msg = await w.packer.packContent(w.bob.id, TextContent.create("later"));
  assert.deepEqual(await w.pipeline.receive(a.session, [msg.serialize()]), []);
  assert.deepEqual(await receiptsIn(w.packer, await a.conn.waitForSent(1)), [
    [{ text: "Message cached.", signature: msg.signature }],
  ]);
  const stored = w.store.messages.load(w.bob.id.value);
  assert.deepEqual(stored.map((m) => m.signature), [msg.signature]);
});

Deno.test("pipeline without sockets: while a receiver does not acknowledge, the sender's next messages are routed at once; after the hold their receipts leave only once they are stored", async () => {
  await using w = await pipelineWorld({ pushHoldMs: 150 });
  const a = w.bind(w.alice);
  const b = w.bind(w.bob, false); // reads, never acknowledges
  const sent = [];
  for (const text of ["one", "two", "three"]) {
    const msg = await w.packer.packContent(w.bob.id, TextContent.create(text));
    sent.push(msg.signature);
    assert.deepEqual(
      await w.pipeline.receive(a.session, [msg.serialize()]),
      [],
    );
  }
  const pushed = await b.conn.waitForSent(3, 100); // well before the hold ends
  assert.deepEqual(pushed.map((p) => ReliableMessage.parse(p).signature), sent);
  assert.equal(a.conn.sent.length, 0, "no receipt before the hold ends");
  assert.deepEqual(w.store.messages.load(w.bob.id.value), []);
  const receipts = (await receiptsIn(w.packer, await a.conn.waitForSent(3)))
    .flat();
  assert.deepEqual(
    receipts.map((r) => [r.text, r.signature]),
    sent.map((signature) => ["Message delivered.", signature]),
  );
  // each receipt left after its message was committed
  assert.deepEqual(
    w.store.messages.load(w.bob.id.value).map((m) => m.signature),
    sent,
  );
});

Deno.test("pipeline without sockets: a held push written after the hold is stored as the text pushed (ASCII or not), its receipt's origin the envelope pushed", async () => {
  await using w = await pipelineWorld({ pushHoldMs: 50 });
  const a = w.bind(w.alice);
  const b = w.bind(w.bob, false); // reads, never acknowledges
  const plain = await w.packer.packContent(w.bob.id, TextContent.create("a"));
  const packed = await w.packer.packContent(w.bob.id, TextContent.create("b"));
  // an unknown member is kept and forwarded: here one not in ASCII
  const wide = ReliableMessage.parse({ ...packed.dictionary, note: "Grüße" });
  const texts = [plain.serialize(), wide.serialize()];
  for (const text of texts) {
    assert.deepEqual(await w.pipeline.receive(a.session, [text]), []);
  }
  const pushed = (await b.conn.waitForSent(2)).map((p) => JSON.parse(p));
  assert.equal(pushed[1].note, "Grüße");
  const written = [];
  for (const payload of await a.conn.waitForSent(2)) {
    const { content } = await w.packer.unpack(ReliableMessage.parse(payload));
    written.push(new ReceiptCommand(content.dictionary));
  }
  const stored = w.store.messages.load(w.bob.id.value);
  assert.deepEqual(stored.map((m) => m.msg), pushed);
  assert.deepEqual(stored.map((m) => m.time), [plain.time, wide.time]);
  assert.deepEqual(stored.map((m) => m.signature), [
    plain.signature,
    wide.signature,
  ]);
  const envelope = ({ data: _, key: __, ...rest }: Record<string, unknown>) =>
    rest;
  assert.deepEqual(written.map((r) => r.text), [
    "Message delivered.",
    "Message delivered.",
  ]);
  assert.deepEqual(written.map((r) => r.origin), pushed.map(envelope));
  // the receiver's later session gets it as stored: the same JSON text
  const again = w.bind(w.bob);
  w.pipeline.offline.load(again.session);
  assert.deepEqual(
    (await again.conn.waitForSent(2)).map((p) => JSON.parse(p)),
    pushed,
  );
});

Deno.test("pipeline without sockets: a held push of a message without a time is stored with the time it was held, not the time of the write", async () => {
  await using w = await pipelineWorld({ pushHoldMs: 400 });
  const a = w.bind(w.alice);
  w.bind(w.bob, false); // reads, never acknowledges
  const packed = await w.packer.packContent(w.bob.id, TextContent.create("t"));
  const { time: _, ...untimed } = packed.dictionary;
  const before = Date.now() / 1000;
  assert.deepEqual(
    await w.pipeline.receive(a.session, [JSON.stringify(untimed)]),
    [],
  );
  await a.conn.waitForSent(1); // its receipt: after the hold, once stored
  const stored = w.store.messages.load(w.bob.id.value);
  assert.deepEqual(stored.map((m) => m.signature), [packed.signature]);
  assert.ok(
    stored[0].time >= before - 0.01 && stored[0].time < before + 0.2,
    `stored at ${stored[0].time - before} s after the push, not at the hold`,
  );
});

Deno.test("pipeline without sockets: receipts due together go in one array content to a client that asked for it, one message each to others", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  w.bind(w.bob);
  const texts = async () => {
    const lines = [];
    const signatures = [];
    for (const text of ["x", "y", "z"]) {
      const msg = await w.packer.packContent(
        w.bob.id,
        TextContent.create(text),
      );
      lines.push(msg.serialize());
      signatures.push(msg.signature);
    }
    return { lines, signatures };
  };
  const single = await texts();
  await w.pipeline.receive(a.session, single.lines);
  assert.deepEqual(
    await receiptsIn(w.packer, await a.conn.waitForSent(3)),
    single.signatures.map((signature) => [
      { text: "Message delivered.", signature },
    ]),
  );
  a.session.receiptArrays = true; // its handshake asked for arrays
  const batched = await texts();
  await w.pipeline.receive(a.session, batched.lines);
  const written = await a.conn.waitForSent(4);
  assert.deepEqual(await receiptsIn(w.packer, written.slice(3)), [
    batched.signatures.map((signature) => ({
      text: "Message delivered.",
      signature,
    })),
  ]);
});

Deno.test("session handler: a handshake goes through the lane, binds the session and stops its login timer", async () => {
  await using w = await pipelineWorld();
  const { guard, handler, conn } = openHandler(w.pipeline);
  assert.equal(guard.loginTimers, 1);
  try {
    const hello = async (key?: string) => {
      const msg = await w.packer.packContent(
        ANY_STATION,
        HandshakeCommand.offer(key),
        { attach: true },
      );
      const [reply] = await handler.onPayload(conn, [msg.serialize()]);
      const { content } = await w.packer.unpack(
        ReliableMessage.parse(reply as string),
      );
      assert.ok(content instanceof HandshakeCommand);
      return content;
    };
    const again = await hello();
    assert.equal(again.title, HandshakeTitle.AGAIN);
    assert.equal(guard.loginTimers, 1, "no handshake yet: the timer runs");
    const success = await hello(again.session);
    assert.equal(success.title, HandshakeTitle.SUCCESS);
    assert.equal(w.pipeline.center.sessions(w.alice.id).length, 1);
    assert.equal(guard.loginTimers, 0);
  } finally {
    handler.onClose(conn, { reason: "local" });
    guard.stop();
  }
});

Deno.test("session handler: a closed connection is forgotten: its session leaves the registry and a late payload on it is not handled", async () => {
  await using w = await pipelineWorld();
  const { guard, handler, conn } = openHandler(w.pipeline);
  try {
    const offer = async (key?: string) =>
      (await w.packer.packContent(
        ANY_STATION,
        HandshakeCommand.offer(key),
        { attach: true },
      )).serialize();
    const [again] = await handler.onPayload(conn, [await offer()]);
    const { content } = await w.packer.unpack(
      ReliableMessage.parse(again as string),
    );
    assert.ok(content instanceof HandshakeCommand);
    await handler.onPayload(conn, [await offer(content.session)]);
    assert.equal(w.pipeline.center.sessions(w.alice.id).length, 1);
    handler.onClose(conn, { reason: "peer" });
    assert.equal(w.pipeline.center.sessions(w.alice.id).length, 0);
    assert.deepEqual(
      await handler.onPayload(conn, [await offer(content.session)]),
      [],
      "no session for the closed connection: nothing handled",
    );
    assert.equal(w.pipeline.center.sessions(w.alice.id).length, 0);
  } finally {
    guard.stop();
  }
});

Deno.test("pipeline without sockets: a payload of routed texts is handled without a promise; one with a message for the station here keeps every line's order", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  const b = w.bind(w.bob);
  const pack = (text: string) =>
    w.packer.packContent(w.bob.id, TextContent.create(text));
  const [one, two, three, four] = await Promise.all(
    ["one", "two", "three", "four"].map(pack),
  );
  // routed only: the responses (none) at once, not a promise
  const routed = w.pipeline.receive(
    a.session,
    [one, two].map((m) => m.serialize()),
  );
  assert.ok(Array.isArray(routed), "an array, not a promise");
  assert.deepEqual(routed, []);
  // a query for the station in the middle: a promise, with its answer
  const query = await w.packer.packContent(
    w.pipeline.identity.id,
    DocumentCommand.query(w.bob.id),
  );
  const mixed = w.pipeline.receive(
    a.session,
    [three, query, four].map((m) => m.serialize()),
  );
  assert.ok(mixed instanceof Promise);
  const responses = await mixed;
  assert.equal(responses.length, 1, "the query's answer");
  const answer = await w.packer.unpack(ReliableMessage.parse(responses[0]));
  assert.ok(answer.content instanceof DocumentCommand);
  const pushed = await b.conn.waitForSent(4);
  assert.deepEqual(
    pushed.map((p) => ReliableMessage.parse(p).signature),
    [one, two, three, four].map((m) => m.signature),
    "pushed in the order sent",
  );
});
