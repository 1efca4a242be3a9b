import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import { TextContent } from "../../../dimp/content/mod.ts";
import { MessagePacker, ReliableMessage } from "../../../dimp/message/mod.ts";
import { ensureBenchUsers, planMessages } from "../../../cli/bench/mod.ts";
import { AccountsDirectory } from "../../../client/mod.ts";
import { tempAccounts } from "../../client/_accounts.ts";

Deno.test("plan: every message is a real end-to-end encrypted text its receiver reads; each has its own signature; receipts answer them", async () => {
  await using temp = tempAccounts();
  const { users } = await ensureBenchUsers(temp.accounts, 3);
  const directory = new AccountsDirectory(temp.accounts);
  const packed: number[] = [];
  const plan = await planMessages({
    senders: users,
    receivers: users,
    receiverOf: (s) => (s + 1) % users.length,
    perSender: 4,
    size: 57,
    receipts: true,
    directory,
    onProgress: (n) => packed.push(n),
  });
  assert.equal(plan.length, 12);
  assert.deepEqual(packed, [4, 8, 12]);
  assert.equal(new Set(plan.map((m) => m.signature)).size, 12);
  const decoder = new TextDecoder();
  for (const [i, planned] of plan.entries()) {
    assert.equal(planned.sender, Math.floor(i / 4));
    assert.equal(planned.receiver, (planned.sender + 1) % 3);
    const msg = ReliableMessage.parse(decoder.decode(planned.bytes));
    assert.equal(msg.signature, planned.signature);
    assert.equal(msg.sender.value, users[planned.sender].id.value);
    assert.equal(msg.receiver.value, users[planned.receiver].id.value);
    const reader = new MessagePacker({
      user: users[planned.receiver],
      directory,
    });
    const content = (await reader.unpack(msg)).content;
    assert.ok(content instanceof TextContent);
    assert.equal(content.text.length, 57);
    // the receiver's pre-packed receipt reaches the sender and names it
    const receipt = ReliableMessage.parse(
      decoder.decode(planned.receipt!.bytes),
    );
    assert.equal(receipt.signature, planned.receipt!.signature);
    const back = await new MessagePacker({
      user: users[planned.sender],
      directory,
    }).unpack(receipt);
    assert.ok(back.content instanceof ReceiptCommand);
    assert.equal(back.content.text, "Message received.");
    assert.equal(back.content.originalSignature, planned.signature);
  }
});

Deno.test("plan: without receipts none is packed; a tiny size is the start of the label", async () => {
  await using temp = tempAccounts();
  const { users } = await ensureBenchUsers(temp.accounts, 2);
  const directory = new AccountsDirectory(temp.accounts);
  const plan = await planMessages({
    senders: [users[0]],
    receivers: [users[1]],
    receiverOf: () => 0,
    perSender: 2,
    size: 3,
    receipts: false,
    directory,
  });
  assert.equal(plan.length, 2);
  for (const planned of plan) {
    assert.equal(planned.receipt, undefined);
    const msg = ReliableMessage.parse(new TextDecoder().decode(planned.bytes));
    const content = (await new MessagePacker({ user: users[1], directory })
      .unpack(msg)).content as TextContent;
    assert.equal(content.text, "dim");
  }
});
