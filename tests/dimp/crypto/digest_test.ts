import assert from "node:assert/strict";
import {
  hexEncode,
  keccak256,
  md5,
  ripemd160,
  sha1,
  sha256,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { identityVectors, referenceGenerated } from "../_vectors.ts";

const DIGESTS: Record<string, (data: Uint8Array) => Uint8Array> = {
  sha256,
  ripemd160,
  keccak256,
  sha1,
  md5,
};

for (
  const v of identityVectors<{ utf8: string; algorithm: string }, {
    hex: string;
  }>("digest")
) {
  Deno.test(`identity vector ${v.id}`, () => {
    const digest = DIGESTS[v.input.algorithm];
    assert.ok(digest, v.input.algorithm);
    assert.equal(hexEncode(digest(utf8Encode(v.input.utf8))), v.expect.hex);
  });
}

const reference = referenceGenerated().digests;
for (const name of Object.keys(DIGESTS)) {
  Deno.test(`reference digests ${name}("${reference.input_utf8}")`, () => {
    assert.equal(
      hexEncode(DIGESTS[name](utf8Encode(reference.input_utf8))),
      reference[name],
    );
  });
}

Deno.test("keccak256 is the original Keccak, not FIPS SHA3-256", () => {
  // SHA3-256("") = a7ffc6f8...; Keccak-256("") = c5d2460186f7...
  assert.equal(
    hexEncode(keccak256(new Uint8Array(0))),
    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
  );
});
