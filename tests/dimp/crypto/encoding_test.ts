import assert from "node:assert/strict";
import {
  base58Decode,
  base58Encode,
  base64Decode,
  base64Encode,
  EncodingError,
  hexDecode,
  hexEncode,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { identityVectors, referenceGenerated } from "../_vectors.ts";

for (
  const v of identityVectors<
    { utf8: string },
    { hex: string; base64?: string; base58?: string; length?: number }
  >("encoding")
) {
  Deno.test(`identity vector ${v.id}`, () => {
    const bytes = utf8Encode(v.input.utf8);
    assert.equal(hexEncode(bytes), v.expect.hex);
    assert.equal(utf8Decode(hexDecode(v.expect.hex)), v.input.utf8);
    if (v.expect.length !== undefined) {
      assert.equal(bytes.length, v.expect.length);
    }
    if (v.expect.base64 !== undefined) {
      assert.equal(base64Encode(bytes), v.expect.base64);
      assert.deepEqual(base64Decode(v.expect.base64), bytes);
    }
    if (v.expect.base58 !== undefined) {
      assert.equal(base58Encode(bytes), v.expect.base58);
      assert.deepEqual(base58Decode(v.expect.base58), bytes);
    }
  });
}

referenceGenerated().encodings.forEach((e, i) => {
  Deno.test(`reference encodings[${i}] hex ${e.hex || "(empty)"}`, () => {
    const bytes = hexDecode(e.hex);
    assert.equal(base58Encode(bytes), e.base58);
    assert.equal(base64Encode(bytes), e.base64);
    assert.deepEqual(base58Decode(e.base58), bytes);
    assert.deepEqual(base64Decode(e.base64), bytes);
  });
});

Deno.test("base64 decoding drops line breaks, \\r\\n and spaces", () => {
  assert.equal(utf8Decode(base64Decode("bW9r\neQ==")), "moky");
  assert.equal(utf8Decode(base64Decode("bW9r\r\neQ==\r\n")), "moky");
  assert.equal(utf8Decode(base64Decode(" bW 9r eQ == ")), "moky");
  // any other character outside the alphabet is dropped too
  assert.equal(utf8Decode(base64Decode("bW9r*eQ==")), "moky");
  assert.equal(utf8Decode(base64Decode("bW9r\u00e9eQ==")), "moky");
  // bits left in the padding are ignored, as the references do
  assert.deepEqual(base64Decode("bW9reR=="), base64Decode("bW9reQ=="));
  assert.deepEqual(base64Decode("AB=="), Uint8Array.of(0));
});

Deno.test("base64 decoding rejects unpadded and misplaced padding", () => {
  assert.throws(() => base64Decode("bW9reQ"), EncodingError);
  assert.throws(() => base64Decode("bW9reQ="), EncodingError);
  assert.throws(() => base64Decode("bW=9reQ="), EncodingError);
  assert.throws(() => base64Decode("===="), EncodingError);
});

Deno.test("hex accepts both cases, emits lower case, rejects odd and non-hex", () => {
  assert.deepEqual(hexDecode("6D6F6b79"), utf8Encode("moky"));
  assert.equal(hexEncode(new Uint8Array([0xab, 0xcd])), "abcd");
  assert.throws(() => hexDecode("abc"), EncodingError);
  assert.throws(() => hexDecode("zz"), EncodingError);
});

Deno.test("base58 rejects characters outside the Bitcoin alphabet", () => {
  for (const bad of ["0", "O", "I", "l", "3oF5M+"]) {
    assert.throws(() => base58Decode(bad), EncodingError, bad);
  }
  assert.deepEqual(base58Decode("112"), new Uint8Array([0, 0, 1]));
});

Deno.test("UTF-8 decoding is strict and keeps a byte order mark", () => {
  assert.throws(() => utf8Decode(new Uint8Array([0xc3, 0x28])), EncodingError);
  assert.throws(() => utf8Decode(new Uint8Array([0xff])), EncodingError);
  assert.equal(utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "\ufeffa");
});
