import assert from "node:assert/strict";
import { SignatureIndex } from "../../../cli/bench/_signature_index.ts";
import { signatureOf } from "../../../cli/bench/_signature_of.ts";
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
      '{"meta":{"signature":"c2ln"},"signature":"c2ln"}', // more than one
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
