/**
 * `dim bench`'s own receive path (issue 13, the generator's CPU per text):
 * a station receipt message of seven receipts (an array content, as `dim
 * station` batches them) read through the packer's `decrypt` and the
 * content objects, against the bench's {@link ReceiptOpener} with the key
 * learnt; a delivered text's signature found by {@link signatureOf} and a
 * map by string, against {@link SignatureIndex}.
 *
 * Run: deno bench -A tests/bench/generator_bench.ts
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import {
  ArrayContent,
  parseContent,
  TextContent,
} from "../../dimp/content/mod.ts";
import {
  MemoryCipherKeyCache,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import { ReceiptOpener } from "../../cli/bench/_receipt_opener.ts";
import { ReceiptScan } from "../../cli/bench/_receipt_scan.ts";
import { SignatureIndex } from "../../cli/bench/_signature_index.ts";
import { signatureOf } from "../../cli/bench/_signature_of.ts";
import { aliceBobStation } from "../dimp/message/_fixtures.ts";

const { alice, bob, station, directory } = await aliceBobStation();
const encoder = new TextEncoder();

// 7 texts alice -> bob (256 characters), the station's receipts to alice
const fromAlice = new MessagePacker({ user: alice.user, directory });
const texts: ReliableMessage[] = [];
for (let i = 0; i < 7; i++) {
  texts.push(
    await fromAlice.packContent(
      bob.user.id,
      TextContent.create("x".repeat(256)),
    ),
  );
}
const stationPacker = new MessagePacker({ user: station.user, directory });
const receipts = ArrayContent.create(
  texts.map((msg) => ReceiptCommand.create("Message delivered.", msg)),
);
const wire = encoder.encode(
  (await stationPacker.packContent(alice.user.id, receipts)).serialize(),
);

const cipherKeys = new MemoryCipherKeyCache();
const packer = new MessagePacker({ user: alice.user, directory, cipherKeys });
const first = ReliableMessage.parse(wire);
await packer.decrypt(first); // the sealed key opened once (RSA), as a session does
const opener = new ReceiptOpener();
opener.learn(first, cipherKeys.get(first.sender, first.destination));

/** The receipts' original signatures and texts, from a content dictionary. */
function receiptsOf(content: Record<string, unknown>): number {
  let n = 0;
  for (const item of (parseContent(content) as ArrayContent).contents) {
    const receipt = parseContent(item);
    if (
      receipt instanceof ReceiptCommand &&
      receipt.originalSignature !== undefined && receipt.text !== ""
    ) n++;
  }
  return n;
}

Deno.bench(
  `a station receipt message (7 receipts, ${wire.length} bytes): the packer's decrypt`,
  { group: "receipt message", baseline: true },
  async () => {
    const msg = ReliableMessage.parse(wire);
    const content = (await packer.decrypt(msg)).content.dictionary;
    if (receiptsOf(content) !== 7) throw new Error("not 7 receipts");
  },
);
Deno.bench(
  "a station receipt message: ReceiptOpener with the learnt key",
  { group: "receipt message" },
  async () => {
    const msg = ReliableMessage.parse(wire);
    const content = await opener.open(msg);
    if (content === undefined || receiptsOf(content) !== 7) {
      throw new Error("not 7 receipts");
    }
  },
);

const scan = new ReceiptScan();
Deno.bench(
  "a station receipt message: its envelope and receipts read from the bytes (scanSealed, ReceiptScan)",
  { group: "receipt message" },
  async () => {
    const sealed = opener.scan(wire, 0, wire.length);
    const plaintext = sealed && await opener.decrypt(sealed);
    if (plaintext === undefined || !scan.scan(plaintext) || scan.count !== 7) {
      throw new Error("not 7 receipts");
    }
  },
);

// each step of the short way alone
const sealed = opener.scan(wire, 0, wire.length)!;
const plaintext = (await opener.decrypt(sealed))!;
Deno.bench(
  "the envelope: ReliableMessage.parse and its data decoded",
  { group: "receipt message steps", baseline: true },
  () => {
    if (ReliableMessage.parse(wire).dataBytes.length === 0) throw new Error();
  },
);
Deno.bench(
  "the envelope: scanSealed (data decoded)",
  { group: "receipt message steps" },
  () => {
    if (opener.scan(wire, 0, wire.length) === undefined) throw new Error();
  },
);
Deno.bench(
  "the plaintext: JSON.parse and the content classes",
  { group: "receipt message steps" },
  () => {
    if (receiptsOf(opener.contentOf(plaintext)!) !== 7) throw new Error();
  },
);
Deno.bench(
  "the plaintext: ReceiptScan",
  { group: "receipt message steps" },
  () => {
    if (!scan.scan(plaintext) || scan.count !== 7) throw new Error();
  },
);
Deno.bench(
  "the plaintext: decrypted with the learnt key",
  { group: "receipt message steps" },
  async () => {
    if ((await opener.decrypt(sealed)) === undefined) throw new Error();
  },
);

// a delivered text's signature among 10,000 planned ones (a 64 KiB read buffer)
const planned = new Map<string, number>();
const index = new SignatureIndex();
for (let i = 0; i < 10_000; i++) {
  const signature = i === 5_000 ? texts[0].signature : crypto.getRandomValues(
    new Uint8Array(71),
  ).toBase64();
  planned.set(signature, i);
  index.add(signature, i);
}
const frame = encoder.encode(texts[0].serialize());
const buffer = new Uint8Array(64 * 1024);
buffer.set(frame, 100);
Deno.bench(
  "a delivered text's signature: signatureOf and a map by string",
  { group: "text signature", baseline: true },
  () => {
    const signature = signatureOf(buffer, 100, 100 + frame.length);
    if (planned.get(signature!) !== 5_000) throw new Error("not found");
  },
);
Deno.bench(
  "a delivered text's signature: SignatureIndex",
  { group: "text signature" },
  () => {
    if (index.find(buffer, 100, 100 + frame.length) !== 5_000) {
      throw new Error("not found");
    }
  },
);

// 10,000 planned signatures, looked up in turn (each text a frame of its
// own in its own place of a 64 KiB read buffer): the table's cache misses,
// which one signature looked up again and again hides; and the receipt
// message's signature, not the bench's, as each receipt message is tried
const many = new SignatureIndex();
const manyFrames: { at: number; length: number }[] = [];
const manyBuffer = new Uint8Array(64 * 1024);
const textJson = texts[0].serialize();
for (let i = 0; i < 10_000; i++) {
  const signature = crypto.getRandomValues(new Uint8Array(71)).toBase64();
  many.add(signature, i);
  if (i % 200 !== 0) continue;
  const json = encoder.encode(
    textJson.replace(texts[0].signature, signature),
  );
  const at = manyFrames.length * json.length;
  manyBuffer.set(json, at);
  manyFrames.push({ at, length: json.length });
}
let turn = 0;
Deno.bench(
  "a delivered text's signature among 10,000, a different one each time: SignatureIndex",
  { group: "text signatures in turn" },
  () => {
    const { at, length } = manyFrames[turn++ % manyFrames.length];
    if (many.find(manyBuffer, at, at + length) < 0) throw new Error();
  },
);
const receiptWire = new Uint8Array(64 * 1024);
receiptWire.set(wire, 100);
Deno.bench(
  "a receipt message: not a signature of the bench's (SignatureIndex)",
  { group: "text signatures in turn" },
  () => {
    if (many.find(receiptWire, 100, 100 + wire.length) >= 0) throw new Error();
  },
);
