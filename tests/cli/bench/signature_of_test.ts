import assert from "node:assert/strict";
import { signatureOf } from "../../../cli/bench/_signature_of.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("signatureOf: the one signature member, read from the bytes", () => {
  assert.equal(
    signatureOf(bytes('{"sender":"a","data":"eA==","signature":"c2ln+/="}')),
    "c2ln+/=",
  );
  assert.equal(signatureOf(bytes('{\n\t"signature":"QQ=="\n}')), "QQ==");
});

Deno.test("signatureOf: undefined where only a parse can tell", () => {
  for (
    const json of [
      '{"data":"x"}', // none
      '{"meta":{"signature":"bWV0YQ=="},"signature":"c2ln"}', // more than one
      '{"signature":"c2\\/ln"}', // escaped
      '{"x\\"signature":"c2ln"}', // inside a member name
      '{"data":"\\"signature\\":\\"c2ln\\""}', // inside a value
      '{"signature":"c2ln', // unterminated
      '{"signature": "c2ln"}', // spaced (a parse reads it)
      '{"signature":"ä"}', // not ASCII
    ]
  ) {
    assert.equal(signatureOf(bytes(json)), undefined, json);
  }
});

Deno.test("signatureOf: only the bytes from start to end count", () => {
  const before = '{"signature":"YmVmb3Jl"}';
  const json = '{"data":"x","signature":"c2ln"}';
  const after = '{"signature":"YWZ0ZXI="}';
  const all = bytes(before + json + after);
  const start = before.length;
  const end = start + json.length;
  assert.equal(signatureOf(all, start, end), "c2ln");
  // cut before its closing quote: what follows does not complete it
  assert.equal(signatureOf(all, start, end - 3), undefined);
  // a frame whose signature comes after `end` has none
  assert.equal(signatureOf(all, start, start + 12), undefined);
  assert.equal(signatureOf(all, end), "YWZ0ZXI=");
});
