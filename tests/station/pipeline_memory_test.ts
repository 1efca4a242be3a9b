import assert from "node:assert/strict";
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { MessagePacker, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  Session,
} from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { accounts, World } from "./_peer.ts";

/** A station's pipeline on a temporary store, its sessions on memory connections. */
async function pipelineWorld() {
  const dir = Deno.makeTempDirSync({ prefix: "dim-pipeline-" });
  const store = Store.open({ dataDir: dir });
  const facade = new Accounts(store);
  const identity = await findStationIdentity(facade);
  const pipeline = assemblePipeline(identity, facade);
  const [alice, bob] = await accounts(2);
  const world = new World();
  for (const account of [alice, bob, identity]) world.know(account);
  for (const account of [alice, bob]) {
    await facade.saveMeta(account.id, account.meta.toDictionary());
    await facade.saveDocument(account.visa.toDictionary());
  }
  const bind = (account: typeof alice) => {
    const conn = new MemoryConnection();
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

async function receiptText(
  packer: MessagePacker,
  replies: readonly string[],
): Promise<string> {
  assert.equal(replies.length, 1, "one reply");
  const reply = await packer.unpack(ReliableMessage.parse(replies[0]));
  assert.ok(reply.content instanceof ReceiptCommand, "a receipt");
  return reply.content.text;
}

Deno.test("pipeline without sockets: a message to a user online here is pushed on their connection and answered 'Message delivered.'", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  const b = w.bind(w.bob);
  const msg = await w.packer.packContent(w.bob.id, TextContent.create("hi"));
  const replies = await w.pipeline.receive(a.session, [msg.serialize()]);
  assert.equal(await receiptText(w.packer, replies), "Message delivered.");
  const [pushed] = await b.conn.waitForSent(1);
  assert.equal(ReliableMessage.parse(pushed).signature, msg.signature);
  assert.equal(a.conn.sent.length, 0, "nothing pushed back to the sender");
});

Deno.test("pipeline without sockets: a message to a user with no session is stored and answered 'Message cached.'", async () => {
  await using w = await pipelineWorld();
  const a = w.bind(w.alice);
  const msg = await w.packer.packContent(w.bob.id, TextContent.create("later"));
  const replies = await w.pipeline.receive(a.session, [msg.serialize()]);
  assert.equal(await receiptText(w.packer, replies), "Message cached.");
  const stored = w.store.messages.load(w.bob.id.value);
  assert.deepEqual(stored.map((m) => m.signature), [msg.signature]);
});
