import assert from "node:assert/strict";
import { SignatureIndex } from "../../../cli/bench/_signature_index.ts";
import {
  signatureOf,
  signatureStart,
} from "../../../cli/bench/_signature_of.ts";
import { base64Encode } from "../../../dimp/crypto/mod.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const frame = (signature: string) =>
  `{"sender":"a","data":"eA==","signature":"${signature}"}`;

Deno.test("signature index: finds what signatureOf and a map by string find, in a frame inside a larger buffer", () => {
  const known = new Map<string, number>();
  const index = new SignatureIndex();
  const random = () =>
    base64Encode(crypto.getRandomValues(new Uint8Array(70 + known.size % 3)));
  for (let i = 0; i < 2000; i++) {
    const signature = random();
    known.set(signature, i);
    index.add(signature, i);
  }
  // signatures that share their last 16 characters share a hash
  const tail = "QUJDREVGR0hJSktM";
  for (const head of ["MEQC", "MEUCIQ", "MEYCIQ"]) {
    const signature = head + tail;
    known.set(signature, 5000 + known.size);
    index.add(signature, known.get(signature)!);
  }
  const probes = [
    ...known.keys(),
    random(), // not indexed
    "ZZZZ" + tail, // not indexed, a shared hash
    [...known.keys()][7].slice(1), // a suffix of an indexed one
    [...known.keys()][7] + "A", // longer
  ];
  for (const signature of probes) {
    const json = frame(signature);
    const all = bytes(frame("YmVmb3Jl") + json + frame("YWZ0ZXI="));
    const start = frame("YmVmb3Jl").length;
    const expected = known.get(signatureOf(all, start, start + json.length)!);
    assert.equal(index.find(all, start, start + json.length), expected ?? -1);
  }
});

Deno.test("signature index: -1 where signatureOf finds nothing; the first value of a signature stays; one JSON would escape is not indexed", () => {
  const index = new SignatureIndex();
  index.add("c2ln", 1);
  index.add("c2ln", 2);
  index.add("c2\\/ln", 3);
  index.add('c2"ln', 4);
  index.add("c2ln\u00e4", 5);
  const find = (json: string) => {
    const b = bytes(json);
    return index.find(b, 0, b.length);
  };
  assert.equal(find(frame("c2ln")), 1);
  for (
    const json of [
      '{"data":"x"}', // none
      '{"meta":{"signature":"c2ln"},"signature":"c2ln","time":1}', // more than one
      '{"signature":"c2\\/ln"}', // escaped
      '{"signature":"c2ln', // unterminated
      '{"signature": "c2ln"}', // spaced
      '{"signature":"c2ln\u00e4"}', // not ASCII
    ]
  ) {
    assert.equal(find(json), -1, json);
  }
  // index 0 is a value like any other
  const zero = new SignatureIndex();
  zero.add("MA==", 0);
  assert.equal(zero.find(bytes(frame("MA==")), 0, frame("MA==").length), 0);
});

Deno.test("signature index: a message whose last member is its signature is read from its end — the signature a parse reads, whatever attached documents sign; other forms are read whole", async () => {
  const { aliceBobStation } = await import("../../dimp/message/_fixtures.ts");
  const { MessagePacker } = await import("../../../dimp/message/mod.ts");
  const { TextContent } = await import("../../../dimp/content/mod.ts");
  const { alice, bob, directory } = await aliceBobStation();
  const packer = new MessagePacker({ user: alice.user, directory });
  const plain = await packer.packContent(
    bob.user.id,
    TextContent.create("hi"),
  );
  const attached = await packer.packContent(
    bob.user.id,
    TextContent.create("hi"),
    { attach: true }, // meta and visa, the visa signed too
  );
  const index = new SignatureIndex();
  index.add(plain.signature, 1);
  index.add(attached.signature, 2);
  const visa = (attached.dictionary.visa as { signature: string }).signature;
  // the bench indexes messages' signatures only; here the visa's too, to
  // tell which one is found
  const withVisa = new SignatureIndex();
  withVisa.add(attached.signature, 2);
  withVisa.add(visa, 3);
  const find = (json: string) => {
    const b = bytes(json);
    return index.find(b, 0, b.length);
  };
  const reversed = (dict: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.entries(dict).reverse()));
  const signatureLast = (dict: Record<string, unknown>) => {
    const { signature, ...rest } = dict;
    return JSON.stringify({ ...rest, signature });
  };
  // written as a packer writes it: the signature last
  assert.ok(plain.serialize().endsWith(`"signature":"${plain.signature}"}`));
  assert.equal(find(plain.serialize()), 1);
  // documents attached after it: several signature members, left to a parse
  assert.equal(find(attached.serialize()), -1);
  const last = bytes(signatureLast(attached.dictionary));
  assert.equal(find(signatureLast(attached.dictionary)), 2);
  assert.equal(withVisa.find(last, 0, last.length), 2); // not the visa's
  // the signature first: the one signature member, else none
  assert.equal(find(reversed(plain.dictionary)), 1);
  assert.equal(find(reversed(attached.dictionary)), -1);
  // for every form and damage: what the whole read finds (the one
  // signature member, at any depth), or else what a parse reads (when it
  // parses)
  const forms = [
    plain.serialize(),
    attached.serialize(),
    signatureLast(attached.dictionary),
    reversed(plain.dictionary),
    reversed(attached.dictionary),
    JSON.stringify(plain.dictionary, null, 1),
    `{"a":"x\\":\\"${plain.signature}"}`, // quotes inside a string
    `{"a":{"signature":"${plain.signature}"}}`, // nested, nothing after
    `{"signature":"${visa}","a":{"signature":"${plain.signature}"}}`,
  ];
  const values = new Map([[plain.signature, 1], [attached.signature, 2]]);
  const whole = (json: Uint8Array) => {
    const from = signatureStart(json);
    const to = from < 0 ? -1 : json.indexOf(0x22, from);
    return to < 0 ? -1 : index.value(json, from, to);
  };
  let fromTheEnd = 0;
  for (const form of forms) {
    for (let i = -1; i < 400; i++) {
      const damaged = bytes(form);
      if (i >= 0) {
        damaged[Math.floor(Math.random() * damaged.length)] = ' "{}:,x'
          .charCodeAt(i % 7);
      }
      const value = index.find(damaged, 0, damaged.length);
      if (value === whole(damaged)) continue;
      fromTheEnd++;
      let parsed: { signature?: string };
      try {
        parsed = JSON.parse(new TextDecoder().decode(damaged));
      } catch {
        continue; // not JSON: texts are counted by their signature alone
      }
      assert.equal(value, values.get(parsed.signature!), form);
    }
  }
  assert.ok(fromTheEnd > 100, String(fromTheEnd));
});

Deno.test("signature index: 20,000 signatures, as many sharing the last 16 characters as one likes, each found with its own value", () => {
  const index = new SignatureIndex();
  const all: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const signature = i % 10 === 0
      ? `${base64Encode(new Uint8Array([i >> 8, i & 255, 7]))}QUJDREVGR0hJSktM`
      : base64Encode(crypto.getRandomValues(new Uint8Array(64)));
    all.push(signature);
    index.add(signature, i);
  }
  for (const [i, signature] of all.entries()) {
    const json = bytes(`{"x":1,"signature":"${signature}"}`);
    assert.equal(index.find(json, 0, json.length), i);
  }
  const missing = bytes(`{"signature":"ZZZZQUJDREVGR0hJSktM"}`);
  assert.equal(index.find(missing, 0, missing.length), -1);
});
