import assert from "node:assert/strict";
import {
  MessageNotSentError,
  PeerReceiptTimeoutError,
  ReceiptTracker,
  SessionClosedError,
  StationReceiptTimeoutError,
} from "../../client/mod.ts";
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { EntityType, type ID } from "../../dimp/identity/mod.ts";
import {
  type EntityDirectory,
  MessagePacker,
  type ReliableMessage,
} from "../../dimp/message/mod.ts";
import { localUser, newAccount } from "./_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");
const station = await newAccount("gsp-t1", EntityType.STATION);

const directory: EntityDirectory = {
  meta: (id: ID) =>
    Promise.resolve([alice, bob].find((a) => a.id.equals(id))?.meta),
  visa: (id: ID) =>
    Promise.resolve([alice, bob].find((a) => a.id.equals(id))?.document),
  members: () => Promise.resolve([]),
};
const packer = new MessagePacker({ user: localUser(alice), directory });

async function textToBob(text = "hi"): Promise<{
  msg: ReliableMessage;
  sn: number;
}> {
  const content = TextContent.create(text);
  const msg = await packer.packContent(bob.id, content);
  return { msg, sn: content.sn! };
}

/** The receipt as the wire carries it: outgoing compat applied (envelope + top-level copies). */
function wireReceipt(receipt: ReceiptCommand): ReceiptCommand {
  const dict = JSON.parse(JSON.stringify(receipt.dictionary));
  dict.envelope = dict.origin;
  for (const name of ["sender", "receiver", "sn", "signature"]) {
    if (dict.origin?.[name] !== undefined) dict[name] = dict.origin[name];
  }
  return new ReceiptCommand(dict);
}

Deno.test("receipts: the station's receipt is matched by origin signature; the peer's by sender", async () => {
  const tracker = new ReceiptTracker(1000);
  const { msg, sn } = await textToBob();
  const sent = tracker.track(msg, sn);
  const other = tracker.track((await textToBob("other")).msg, undefined);
  assert.equal(tracker.size, 2);
  const delivered = wireReceipt(
    ReceiptCommand.create("Message delivered.", msg, {
      extra: { recipient: bob.id.value },
    }),
  );
  assert.equal(tracker.match(delivered, station.id, true), sent);
  const receipt = await sent.stationReceipt();
  assert.equal(receipt.text, "Message delivered.");
  assert.equal(receipt.from.value, station.id.value);
  assert.equal(receipt.command.dictionary.recipient, bob.id.value);
  // the peer's "Message received." carries the content's sn in origin
  const received = ReceiptCommand.create("Message received.", msg, {
    originSn: sn,
  });
  assert.equal(tracker.match(received, bob.id, false), sent);
  assert.equal((await sent.peerReceipt()).from.value, bob.id.value);
  assert.deepEqual(sent.receipts.map((r) => r.text), [
    "Message delivered.",
    "Message received.",
  ]);
  // both came: still tracked (other parties may answer too) until expiry
  assert.equal(tracker.size, 2);
  tracker.close();
  await assert.rejects(other.stationReceipt(), SessionClosedError);
});

Deno.test("receipts: a 2021 receipt (top-level envelope members, `message` text) is matched", async () => {
  const tracker = new ReceiptTracker(1000);
  const { msg, sn } = await textToBob();
  const sent = tracker.track(msg, sn);
  const legacy = new ReceiptCommand({
    type: 136,
    sn: 1,
    command: "receipt",
    message: "Message delivered to 1 session(s)",
    sender: alice.id.value,
    receiver: bob.id.value,
    signature: msg.signature,
  });
  assert.equal(tracker.match(legacy, station.id, true), sent);
  assert.equal(
    (await sent.stationReceipt()).text,
    "Message delivered to 1 session(s)",
  );
  tracker.close();
});

Deno.test("receipts: another sender, another sn or no signature do not match", async () => {
  const tracker = new ReceiptTracker(50);
  const { msg, sn } = await textToBob();
  const sent = tracker.track(msg, sn);
  const forged = ReceiptCommand.create("Message delivered.", {
    ...msg.dictionary,
    sender: bob.id.value,
  });
  assert.equal(tracker.match(forged, station.id, true), undefined);
  const otherSn = ReceiptCommand.create("Message received.", msg, {
    originSn: sn + 1,
  });
  assert.equal(tracker.match(otherSn, bob.id, false), undefined);
  const unsigned = ReceiptCommand.create("Message delivered.", {
    sender: alice.id.value,
    receiver: bob.id.value,
  });
  assert.equal(tracker.match(unsigned, station.id, true), undefined);
  assert.equal(
    tracker.match(ReceiptCommand.create("x", undefined), station.id, true),
    undefined,
  );
  await assert.rejects(sent.stationReceipt(), StationReceiptTimeoutError);
  await assert.rejects(sent.peerReceipt(20), PeerReceiptTimeoutError);
  tracker.close();
});

Deno.test("receipts: a receipt that came before the wait is there at once; a failed send fails the waits", async () => {
  const tracker = new ReceiptTracker(1000);
  const { msg } = await textToBob();
  const sent = tracker.track(msg, undefined);
  tracker.match(
    ReceiptCommand.create("Message cached.", msg),
    station.id,
    true,
  );
  assert.equal((await sent.stationReceipt(1)).text, "Message cached.");
  const lost = tracker.track((await textToBob("lost")).msg, undefined);
  const waiting = lost.stationReceipt();
  lost.fail(new MessageNotSentError("closed"));
  await assert.rejects(waiting, MessageNotSentError);
  await assert.rejects(lost.peerReceipt(), MessageNotSentError);
  tracker.close();
});

Deno.test("receipts: the tracker is bounded in count and in time", async () => {
  let now = 0;
  const tracker = new ReceiptTracker(1000, {
    maxTracked: 2,
    trackMs: 100,
    now: () => now,
  });
  const one = await textToBob("1");
  const two = await textToBob("2");
  const three = await textToBob("3");
  tracker.track(one.msg, one.sn);
  tracker.track(two.msg, two.sn);
  tracker.track(three.msg, three.sn); // the oldest goes
  assert.equal(tracker.size, 2);
  const late = ReceiptCommand.create("Message delivered.", one.msg);
  assert.equal(tracker.match(late, station.id, true), undefined);
  now = 150; // both left are too old now
  const four = await textToBob("4");
  tracker.track(four.msg, four.sn);
  assert.equal(tracker.size, 1);
  tracker.close();
});

Deno.test("receipts: receiptFrom waits for one party's receipt among several (a group message)", async () => {
  const tracker = new ReceiptTracker(1000);
  const { msg, sn } = await textToBob();
  const sent = tracker.track(msg, sn);
  const assistant = (await newAccount("assistant", EntityType.BOT)).id;
  const fromAssistant = sent.receiptFrom(assistant, 2000);
  tracker.match(
    ReceiptCommand.create("Message received.", msg, { originSn: sn }),
    bob.id,
    false,
  );
  tracker.match(
    ReceiptCommand.create("Group message delivering.", msg),
    assistant,
    false,
  );
  assert.equal((await fromAssistant).text, "Group message delivering.");
  assert.equal((await sent.receiptFrom(bob.id)).text, "Message received.");
  assert.equal((await sent.peerReceipt()).from.value, bob.id.value);
  await assert.rejects(
    sent.receiptFrom(alice.id, 10),
    PeerReceiptTimeoutError,
  );
  tracker.close();
});
