/**
 * The runtime's part in groups, against a real station in this process:
 * forwards opened (the carried messages received as if direct), messages
 * that came inside others verified and opened with the sender's meta
 * fetched, group messages packed with a key per member, receipts of a
 * carried message awaited from one party, and a group's history applied to
 * the local group book.
 */
import assert from "node:assert/strict";
import { GroupBook, type ReceivedMessage } from "../../client/mod.ts";
import {
  DocumentCommand,
  QuitCommand,
  ResetCommand,
} from "../../dimp/command/mod.ts";
import { ForwardContent, TextContent } from "../../dimp/content/mod.ts";
import {
  ANYONE,
  EntityType,
  generateAccount,
} from "../../dimp/identity/mod.ts";
import {
  KeyNotFoundError,
  MessageSignatureError,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import { connectClient, startStation } from "../bots/_world.ts";
import { newAccount, tempAccounts } from "./_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");
const carol = await newAccount("carol");
const stranger = await newAccount("stranger");
const team = await generateAccount({
  type: EntityType.GROUP,
  seed: "team",
  founder: { id: alice.id, key: alice.identityKey! },
  properties: { name: "Team" },
});

const textOf = (msg: ReceivedMessage) =>
  msg.content instanceof TextContent ? msg.content.text : undefined;

Deno.test("forward: the carried message is received as if direct (sender verified), the forward itself is not; a forged one is dropped", async () => {
  await using s = await startStation();
  await using a = await connectClient(s.port, alice);
  await using b = await connectClient(s.port, bob);
  await using c = await connectClient(s.port, carol);
  const inner = await c.session.pack(alice.id, TextContent.create("via bob"));
  await b.session.send(alice.id, ForwardContent.create([inner]));
  const got = await a.next((m) => textOf(m) === "via bob");
  assert.equal(got.sender.value, carol.id.value);
  assert.equal(got.reliable.signature, inner.signature);
  // the forwarder's and the author's end-to-end receipts
  await b.next((m) => m.content.dictionary.text === "Message received.");
  await c.next((m) => m.content.dictionary.text === "Message received.");
  assert.ok(!a.received.some((m) => m.content instanceof ForwardContent));
  // a forged copy (another text under carol's signature) is dropped
  const forged = ReliableMessage.parse({
    ...inner.dictionary,
    data: (await c.session.pack(alice.id, TextContent.create("forged")))
      .dictionary.data,
  });
  await b.session.send(alice.id, ForwardContent.create([forged]));
  assert.deepEqual(await a.quiet((m) => textOf(m) === "forged"), []);
});

Deno.test("forward: a session that takes forwards whole gets the forward itself", async () => {
  await using s = await startStation();
  await using a = await connectClient(s.port, alice, { unwrapForwards: false });
  await using b = await connectClient(s.port, bob);
  const inner = await b.session.pack(alice.id, TextContent.create("inside"));
  await b.session.send(alice.id, ForwardContent.create([inner]));
  const got = await a.next((m) => m.content instanceof ForwardContent);
  const carried = (got.content as ForwardContent).messages;
  assert.equal(carried[0].signature, inner.signature);
  assert.ok(!a.received.some((m) => textOf(m) === "inside"));
});

Deno.test("open/verify: the sender's meta is fetched from the station; an unknown sender or a bad signature fails", async () => {
  await using s = await startStation();
  await using a = await connectClient(s.port, alice, { queryTimeout: 1_000 });
  const quit = QuitCommand.create(team.id);
  {
    await using c = await connectClient(s.port, carol);
    const msg = await c.session.pack(ANYONE, quit, { group: team.id });
    assert.equal(a.accounts.meta(carol.id), undefined);
    const opened = await a.session.open(msg);
    assert.ok(opened.content instanceof QuitCommand);
    assert.equal(opened.sender.value, carol.id.value);
    assert.ok(a.accounts.meta(carol.id) !== undefined, "fetched and stored");
    const tampered = ReliableMessage.parse({
      ...msg.dictionary,
      data: msg.data.replace("quit", "join"),
    });
    await assert.rejects(a.session.verify(tampered), MessageSignatureError);
  }
  // the station never saw this one
  const { MessagePacker } = await import("../../dimp/message/mod.ts");
  const { localUser } = await import("./_accounts.ts");
  const packer = new MessagePacker({
    user: localUser(stranger),
    directory: {
      meta: () => Promise.resolve(undefined),
      visa: () => Promise.resolve(undefined),
      members: () => Promise.resolve([]),
    },
  });
  const unknown = await packer.packContent(ANYONE, quit, { group: team.id });
  await assert.rejects(a.session.open(unknown), KeyNotFoundError);
});

Deno.test("group message: packed with a key for each member the store knows; a member's receipt for its copy is awaited by sender", async () => {
  await using s = await startStation();
  await using a = await connectClient(s.port, alice);
  await using b = await connectClient(s.port, bob);
  await using _c = await connectClient(s.port, carol);
  a.accounts.store.groupMembers.save(team.id.value, [
    alice.id.value,
    bob.id.value,
    carol.id.value,
  ]);
  const text = TextContent.create("hello team", { group: team.id });
  const msg = await a.session.pack(team.id, text);
  assert.equal(msg.receiver.value, team.id.value);
  assert.deepEqual(
    Object.keys(msg.keys ?? {}).sort(),
    [alice.id.value, bob.id.value, carol.id.value].sort(),
  );
  const sent = a.session.track(msg, text.sn);
  // what the assistant does: bob's copy, forwarded
  await a.session.send(bob.id, ForwardContent.create([msg.splitFor(bob.id)!]));
  const got = await b.next((m) => textOf(m) === "hello team");
  assert.equal(got.group?.value, team.id.value);
  assert.equal(got.sender.value, alice.id.value);
  const receipt = await sent.receiptFrom(bob.id, 5_000);
  assert.equal(receipt.text, "Message received.");
  assert.equal(receipt.from.value, bob.id.value);
});

Deno.test("group history: a client with a group book learns the members from a forwarded history", async () => {
  await using s = await startStation();
  await using a = await connectClient(s.port, alice);
  await using bobStore = tempAccounts();
  const book = new GroupBook(bobStore.accounts);
  await using b = await connectClient(s.port, bob, {
    accounts: bobStore.accounts,
    groups: book,
  });
  const doc = await a.session.pack(
    ANYONE,
    DocumentCommand.response(team.id, team.meta, [team.document]),
  );
  const reset = await a.session.pack(
    ANYONE,
    ResetCommand.create(team.id, [alice.id, bob.id, carol.id]),
    { group: team.id },
  );
  await a.session.send(bob.id, ForwardContent.create([doc, reset]));
  await b.next((m) => m.content instanceof ResetCommand);
  assert.equal(book.owner(team.id)?.value, alice.id.value);
  assert.deepEqual(book.members(team.id).map((id) => id.value), [
    alice.id.value,
    bob.id.value,
    carol.id.value,
  ]);
});
