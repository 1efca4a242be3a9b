import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import { ArrayContent } from "../../../dimp/content/mod.ts";
import { MessagePacker, ReliableMessage } from "../../../dimp/message/mod.ts";
import {
  scanSealed,
  type SealedDirection,
} from "../../../cli/bench/_sealed_envelope.ts";
import { aliceBobStation } from "../../dimp/message/_fixtures.ts";

const encoder = new TextEncoder();
const { alice, bob, station, directory } = await aliceBobStation();
const fromStation = new MessagePacker({ user: station.user, directory });
const receipts = (n: number) =>
  ArrayContent.create(
    Array.from(
      { length: n },
      (_, i) => ReceiptCommand.create(`Message ${i}.`, undefined),
    ),
  );
const messages: ReliableMessage[] = [];
for (const n of [1, 3, 7, 20]) {
  messages.push(await fromStation.packContent(alice.user.id, receipts(n)));
}
const { sender, receiver, key } = messages[0].dictionary as Record<
  string,
  string
>;
const direction: SealedDirection = {
  sender: encoder.encode(sender),
  receiver: encoder.encode(receiver),
  key: encoder.encode(key),
};
/** A frame's JSON inside a larger buffer, with quotes on both sides. */
function inBuffer(text: string): { bytes: Uint8Array; start: number } {
  const before = '{"data":"QUJD","signature":"x"}"';
  return {
    bytes: encoder.encode(before + text + '"}"data":"'),
    start: before.length,
  };
}
function scan(text: string) {
  const { bytes, start } = inBuffer(text);
  return scanSealed(
    bytes,
    start,
    start + encoder.encode(text).length,
    direction,
  );
}

Deno.test("sealed envelope: a station's messages read from their bytes as ReliableMessage.parse reads them, in any member order, inside a larger buffer", () => {
  assert.equal(messages[1].dictionary.key, key); // one sealed key per direction
  for (const msg of messages) {
    const text = msg.serialize();
    const sealed = scan(text);
    assert.ok(sealed !== undefined);
    assert.equal(sealed.text, text);
    assert.deepEqual(sealed.data, msg.dataBytes);
    assert.equal(sealed.iv, msg.dictionary.IV);
    // another order of the same members, and no IV at all
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(msg.dictionary).reverse()),
    );
    assert.deepEqual(scan(reordered)?.data, msg.dataBytes);
    const { IV: _iv, ...noIv } = msg.dictionary;
    assert.equal(scan(JSON.stringify(noIv))?.iv, undefined);
    assert.deepEqual(scan(JSON.stringify(noIv))?.data, msg.dataBytes);
  }
});

Deno.test("sealed envelope: anything unusual is left to the ordinary way", async () => {
  const msg = messages[2];
  const text = msg.serialize();
  const dict = msg.dictionary as Record<string, unknown>;
  const data = dict.data as string;
  const other = await new MessagePacker({ user: bob.user, directory })
    .packContent(alice.user.id, receipts(1));
  const toBob = await fromStation.packContent(bob.user.id, receipts(1));
  const edit = (change: Record<string, unknown>) =>
    JSON.stringify({ ...dict, ...change });
  const unusual: Record<string, string> = {
    "a group": edit({ group: bob.user.id.value }),
    "keys": edit({ keys: { [alice.user.id.value]: key } }),
    "traces": edit({ traces: [station.user.id.value] }),
    "meta": edit({ meta: station.meta.dictionary }),
    "another sender": other.serialize(),
    "another receiver": toBob.serialize(),
    "another sealed key": edit({ key: other.dictionary.key }),
    "no sealed key": JSON.stringify({ ...dict, key: undefined }),
    "no signature": JSON.stringify({ ...dict, signature: undefined }),
    "an empty signature": edit({ signature: "" }),
    "a signature not base64": edit({ signature: "c2ln!" }),
    "an IV not base64": edit({ IV: "not base64 at all" }),
    "a time as a string": edit({ time: "1700000000" }),
    "a type as a string": edit({ type: "202" }),
    "a bad number": text.replace(/"time":[0-9.]+/, '"time":01.5'),
    "white space": JSON.stringify(dict, null, 1),
    "a space after a colon": text.replace('"data":"', '"data": "'),
    "an escape in data": text.replace(
      `"data":"${data[0]}`,
      `"data":"\\u00${data.charCodeAt(0).toString(16)}`,
    ),
    "data cut by a character": edit({ data: data.slice(1) }),
    "data with a space": edit({ data: data.slice(0, 8) + " " + data.slice(8) }),
    "data not base64": edit({ data: "!" + data.slice(1) }),
    "data with a character outside ASCII": edit({
      data: "é" + data.slice(2),
    }),
    "data empty": edit({ data: "" }),
    "data with padding bits": edit({ data: "QUJDRA==".replace("A", "B") }),
    "a member twice": text.replace('{"sender"', `{"time":1,"sender"`)
      .replace(/,"time":[0-9.]+/, ',"time":2'),
    "something after the object": text + " ",
    "not an object": `[${text}]`,
  };
  for (const [why, json] of Object.entries(unusual)) {
    assert.notEqual(json, text, why);
    assert.equal(scan(json), undefined, why);
  }
  // most of them are still messages the ordinary way reads
  for (
    const why of [
      "a group",
      "traces",
      "white space",
      "an escape in data",
    ]
  ) {
    const parsed = ReliableMessage.parse(unusual[why]);
    assert.equal(parsed.sender.value, sender, why);
  }
  assert.deepEqual(
    ReliableMessage.parse(unusual["an escape in data"]).dataBytes,
    msg.dataBytes,
  );
});

Deno.test("sealed envelope: whatever it reads from a damaged frame, the ordinary way reads the same (3,000 random one-byte changes)", () => {
  const text = messages[1].serialize();
  const bytes = encoder.encode(text);
  const alphabet = encoder.encode(
    '"\\{}[],: \n\t0123456789.-+=/eEAZaz~é',
  );
  let accepted = 0;
  for (let n = 0; n < 3000; n++) {
    const damaged = bytes.slice();
    const at = Math.floor(Math.random() * damaged.length);
    damaged[at] = n % 7 === 0
      ? Math.floor(Math.random() * 256)
      : alphabet[n % alphabet.length];
    const sealed = scanSealed(damaged, 0, damaged.length, direction);
    if (sealed === undefined) continue;
    accepted++;
    const msg = ReliableMessage.parse(damaged);
    assert.equal(sealed.text, msg.serialize());
    assert.deepEqual(sealed.data, msg.dataBytes);
    assert.equal(sealed.iv, msg.dictionary.IV);
    assert.equal(msg.dictionary.key, key);
    assert.equal(msg.sender.value, sender);
    assert.equal(msg.receiver.value, receiver);
  }
  assert.ok(accepted > 0); // some changes keep it a plain message
});
