/**
 * `reference-generated.json` `messages[]`: 21 random pipelines of the
 * reference (user → user, group, broadcast, handshake / login / report /
 * meta / document / receipt flows). Each wire form verifies and decrypts
 * with the reader's keys from `accounts` to what the reference decrypted.
 */
import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import { outgoingCompat, parseContent } from "../../../dimp/content/mod.ts";
import { MessagePacker, ReliableMessage } from "../../../dimp/message/mod.ts";
import {
  referenceDirectory,
  referenceMessages,
  referenceUser,
} from "./_fixtures.ts";

const { messages } = referenceMessages();

for (const v of messages) {
  for (const [reader, check] of Object.entries(v.checks)) {
    Deno.test(`reference-generated ${v.label} (${v.kind}): read by ${reader}`, async () => {
      const packer = new MessagePacker({
        user: referenceUser(reader),
        directory: referenceDirectory(),
      });
      const reliable = ReliableMessage.parse(v.wire);
      assert.equal(reliable.sender.value, v.sender);
      assert.equal(reliable.receiver.value, v.receiver);
      assert.equal(reliable.group?.value ?? null, v.group);
      const verified = await packer.verify(reliable);
      assert.equal(check.verified, true);
      const instant = await packer.decrypt(verified);
      assert.equal(check.decrypted, true);
      assert.deepEqual(instant.content.dictionary, check.decrypted_content);
      assert.equal(instant.content.type, reliable.type);
    });
  }
}

Deno.test("reference-generated: every message is covered", () => {
  assert.equal(messages.length, 21);
  assert.ok(messages.every((m) => Object.keys(m.checks).length > 0));
});

Deno.test("reference-generated cmd-receipt-*: our receipt for the original message equals the reference's, and both match it", async () => {
  const original = ReliableMessage.parse(
    messages.find((m) => m.label === "text-user-mkm-ecc-to-user-btc-ecc")!
      .wire,
  );
  const other = ReliableMessage.parse(
    messages.find((m) => m.label === "text-user-mkm-ecc-to-user-btc-ecc-2nd")!
      .wire,
  );
  for (const label of ["cmd-receipt-station", "cmd-receipt-peer"]) {
    const v = messages.find((m) => m.label === label)!;
    const reference = parseContent(structuredClone(v.content));
    assert.ok(reference instanceof ReceiptCommand);
    assert.ok(reference.matches(original));
    assert.ok(!reference.matches(other));
    assert.equal(reference.originalSender?.value, original.sender.value);
    assert.equal(reference.originalSignature, original.signature);
    const extra = v.content.recipient === undefined
      ? undefined
      : { recipient: v.content.recipient };
    const ours = ReceiptCommand.create(reference.text, original, {
      sn: reference.sn,
      time: reference.time,
      extra,
    });
    outgoingCompat(ours.dictionary);
    assert.deepEqual(ours.dictionary, v.content);
    assert.ok(ours.matches(original));
  }
  // the peer receipt read through the whole pipeline
  const v = messages.find((m) => m.label === "cmd-receipt-peer")!;
  const [reader] = Object.keys(v.checks);
  const packer = new MessagePacker({
    user: referenceUser(reader),
    directory: referenceDirectory(),
  });
  const instant = await packer.unpack(ReliableMessage.parse(v.wire));
  assert.ok(instant.content instanceof ReceiptCommand);
  assert.ok(instant.content.matches(original));
});
