import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import {
  ArrayContent,
  incomingCompat,
  parseContent,
  TextContent,
} from "../../../dimp/content/mod.ts";
import {
  expandContentKeys,
  MessagePacker,
  type ReliableMessage,
} from "../../../dimp/message/mod.ts";
import {
  RECEIPT_CACHED,
  RECEIPT_DELIVERED,
  RECEIPT_OTHER,
  receiptKind,
  ReceiptScan,
} from "../../../cli/bench/_receipt_scan.ts";
import { isPlainAscii } from "../../../cli/bench/_json_bytes.ts";
import { aliceBobStation } from "../../dimp/message/_fixtures.ts";

const encoder = new TextEncoder();
const { alice, bob, station, directory } = await aliceBobStation();
const fromAlice = new MessagePacker({ user: alice.user, directory });
const texts: ReliableMessage[] = [];
for (let i = 0; i < 7; i++) {
  texts.push(
    await fromAlice.packContent(bob.user.id, TextContent.create(`hi ${i}`)),
  );
}
const TEXTS = ["Message delivered.", "Message cached.", "Message refused."];

/** A receipt as `dim station` writes it: traces in its origin, a recipient. */
function stationReceipt(msg: ReliableMessage, i: number): ReceiptCommand {
  const receipt = ReceiptCommand.create(TEXTS[i % 3], msg, {
    extra: { recipient: bob.user.id.value },
  });
  const origin = receipt.dictionary.origin as Record<string, unknown>;
  origin.traces = [{
    ID: station.user.id.value,
    did: station.user.id.value,
    time: 1796481599.085,
  }];
  return receipt;
}
const array = ArrayContent.create(texts.map(stationReceipt));
const plaintext = encoder.encode(JSON.stringify(array.dictionary));

/** The receipts as the JSON way reads them: [original signature, kind]. */
function parsed(bytes: Uint8Array): [string | undefined, number][] {
  const content = JSON.parse(new TextDecoder("utf-8", { fatal: true })
    .decode(bytes)) as Record<string, unknown>;
  expandContentKeys(content);
  const top = parseContent(incomingCompat(content));
  const items = top instanceof ReceiptCommand
    ? [top]
    : top instanceof ArrayContent
    ? top.contents.map(parseContent)
    : [];
  return items.filter((item) => item instanceof ReceiptCommand).map((r) => [
    r.originalSignature,
    receiptKind(r.text),
  ]);
}

/** What a scan found: [original signature, kind]. */
function found(scan: ReceiptScan, bytes: Uint8Array): [string, number][] {
  return Array.from({ length: scan.count }, (_, i) => [
    new TextDecoder().decode(bytes.subarray(scan.from(i), scan.to(i))),
    scan.kind(i),
  ]);
}

Deno.test("receipt scan: a station's array of receipts and a single receipt read as JSON.parse and the content classes read them", () => {
  const scan = new ReceiptScan();
  assert.ok(scan.scan(plaintext));
  assert.equal(scan.count, 7);
  assert.deepEqual(found(scan, plaintext), parsed(plaintext));
  assert.deepEqual(
    found(scan, plaintext).map(([signature]) => signature),
    texts.map((msg) => msg.signature),
  );
  assert.deepEqual(
    found(scan, plaintext).map(([, kind]) => kind).slice(0, 3),
    [RECEIPT_DELIVERED, RECEIPT_CACHED, RECEIPT_OTHER],
  );
  const single = encoder.encode(
    JSON.stringify(stationReceipt(texts[0], 0).dictionary),
  );
  assert.ok(scan.scan(single));
  assert.deepEqual(found(scan, single), [[texts[0].signature, 1]]);
  // more receipts than its first table holds
  const many = ArrayContent.create(
    Array.from({ length: 40 }, (_, i) => stationReceipt(texts[i % 7], i)),
  );
  const manyBytes = encoder.encode(JSON.stringify(many.dictionary));
  assert.ok(scan.scan(manyBytes));
  assert.equal(scan.count, 40);
  assert.deepEqual(found(scan, manyBytes), parsed(manyBytes));
});

Deno.test("receipt scan: anything unusual is left to JSON.parse", () => {
  const scan = new ReceiptScan();
  const json = JSON.stringify(array.dictionary);
  const first = JSON.stringify(
    (array.dictionary.contents as unknown[])[0],
  );
  const item = (array.dictionary.contents as Record<string, unknown>[])[0];
  const withItem = (change: Record<string, unknown>) =>
    JSON.stringify({
      ...array.dictionary,
      contents: [{ ...item, ...change }],
    });
  const unusual: Record<string, string> = {
    "white space": JSON.stringify(array.dictionary, null, 1),
    "a byte order mark": "\uFEFF" + json,
    "an escape": json.replace("Message delivered.", "Message delivered\\u002e"),
    "text outside ASCII": json.replace("Message delivered.", "已送达"),
    "a control character": json.replace("Message delivered.", "a\u0001b"),
    "cmd as well": withItem({ cmd: "receipt" }),
    "the 2021 message instead of text": withItem({
      text: undefined,
      message: "Message delivered.",
    }),
    "a group": withItem({ group: bob.user.id.value }),
    "a type as a string": withItem({ type: "136" }),
    "another command type": withItem({ type: 137 }),
    "another command": withItem({ command: "receipts" }),
    "an origin without a signature": withItem({
      origin: { sender: alice.user.id.value },
    }),
    "an empty original signature": withItem({ origin: { signature: "" } }),
    "the envelope instead of origin": withItem({
      origin: undefined,
      envelope: item.origin,
    }),
    "an item that is a text": JSON.stringify({
      ...array.dictionary,
      contents: [TextContent.create("hi").dictionary],
    }),
    "no receipts": JSON.stringify({ ...array.dictionary, contents: [] }),
    "an array of another type": JSON.stringify({
      ...array.dictionary,
      type: 203,
    }),
    "a short name": JSON.stringify({
      ...array.dictionary,
      type: undefined,
      T: 202,
    }),
    "a member twice": json.replace('{"type":202', '{"type":202,"type":202'),
    "an origin nested too deep": withItem({
      origin: {
        signature: "c2ln",
        deep: JSON.parse("[".repeat(20) + "]".repeat(20)),
      },
    }),
    "something after the object": json + " ",
    "not an object": `[${first}]`,
  };
  for (const [why, text] of Object.entries(unusual)) {
    assert.notEqual(text, json, why);
    assert.equal(scan.scan(encoder.encode(text)), false, why);
  }
  // the ordinary way still finds the receipts of most of them
  for (const why of ["white space", "an escape", "cmd as well", "a group"]) {
    assert.equal(parsed(encoder.encode(unusual[why])).length > 0, true, why);
  }
});

Deno.test("receipt scan: whatever it reads from a damaged plaintext, JSON.parse and the content classes read the same (5,000 random one-byte changes)", () => {
  const scan = new ReceiptScan();
  const alphabet = encoder.encode('"\\{}[],: \n0123456789.-+eEAZaz~');
  let accepted = 0;
  for (let n = 0; n < 5000; n++) {
    const damaged = plaintext.slice();
    const at = Math.floor(Math.random() * damaged.length);
    damaged[at] = n % 7 === 0
      ? Math.floor(Math.random() * 256)
      : alphabet[n % alphabet.length];
    if (!scan.scan(damaged)) continue;
    accepted++;
    assert.deepEqual(found(scan, damaged), parsed(damaged), `at ${at}`);
  }
  assert.ok(accepted > 0);
});

Deno.test("receipt scan: printable ASCII without backslashes, four bytes at a time at any offset", () => {
  const bytes = encoder.encode(" ".repeat(8) + "abc~XYZ{}".repeat(5));
  for (let from = 0; from < 8; from++) {
    for (let to = from; to <= bytes.length; to += 3) {
      assert.equal(isPlainAscii(bytes, from, to), true);
    }
  }
  for (const bad of [0x5c, 0x1f, 0x00, 0x80, 0xff, 0x0a]) {
    for (let at = 0; at < bytes.length; at++) {
      const copy = bytes.slice();
      copy[at] = bad;
      for (const from of [0, 1, 2, 3]) {
        assert.equal(
          isPlainAscii(copy.subarray(from), 0, copy.length - from),
          at < from,
          `${bad} at ${at}, from ${from}`,
        );
      }
    }
  }
});
