import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import { TextContent } from "../../../dimp/content/mod.ts";
import { generatePrivateKey } from "../../../dimp/crypto/mod.ts";
import { MessagePacker, ReliableMessage } from "../../../dimp/message/mod.ts";
import { selfWarmupPlan } from "../../../cli/bench/_self_warmup_plan.ts";
import { aliceBobStation } from "../../dimp/message/_fixtures.ts";

const { alice, bob, station, directory } = await aliceBobStation();
const users = [
  { ...alice.user, meta: alice.meta, visa: alice.visa },
  { ...bob.user, meta: bob.meta, visa: bob.visa },
];

Deno.test("self warm-up plan: texts of the run's size, each a real message to the next user with a signature of its own; the station's receipt names it", async () => {
  const signKey = await generatePrivateKey("ECC");
  const { plan, receipts, directory: made } = await selfWarmupPlan({
    users,
    station: { ...station.user, meta: station.meta },
    signKey,
    perSender: 5,
    size: 50,
    receipts: true,
  });
  assert.equal(plan.length, 10);
  assert.equal(receipts.length, 10);
  // the stand-in's meta and the users' visas are in the directory it made
  assert.ok(await made.meta(station.user.id));
  assert.ok(await made.visa(bob.user.id));
  const signatures = new Set<string>();
  const openers = users.map((user) => new MessagePacker({ user, directory }));
  for (const [i, planned] of plan.entries()) {
    assert.equal(planned.sender, Math.floor(i / 5));
    assert.equal(planned.receiver, (planned.sender + 1) % 2);
    const msg = ReliableMessage.parse(planned.bytes);
    assert.equal(msg.signature, planned.signature);
    assert.equal(msg.sender.value, users[planned.sender].id.value);
    assert.equal(msg.receiver.value, users[planned.receiver].id.value);
    signatures.add(planned.signature);
    // the receiver reads a text of the run's size
    const opened = await openers[planned.receiver].decrypt(msg);
    assert.ok(opened.content instanceof TextContent);
    assert.equal((opened.content as TextContent).text.length, 50);
    // its end-to-end receipt: a message of its own too
    const answer = ReliableMessage.parse(planned.receipt!.bytes);
    assert.equal(answer.signature, planned.receipt!.signature);
    assert.equal(answer.sender.value, users[planned.receiver].id.value);
    signatures.add(answer.signature);
    // the station's receipt, as the station words a delivery
    const receipt = receipts[i] as ReceiptCommand;
    assert.ok(receipt instanceof ReceiptCommand);
    assert.equal(receipt.text, "Message delivered.");
    assert.equal(receipt.originalSignature, planned.signature);
    assert.equal(receipt.dictionary.recipient, msg.receiver.value);
    // the same message as the first of its sender but for the signature
    const first = ReliableMessage.parse(plan[planned.sender * 5].bytes);
    assert.deepEqual(
      { ...msg.dictionary, signature: "" },
      { ...first.dictionary, signature: "" },
    );
  }
  assert.equal(signatures.size, 20);
});
