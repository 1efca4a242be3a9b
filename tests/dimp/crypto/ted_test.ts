import assert from "node:assert/strict";
import {
  decodeTed,
  encodeDataUri,
  encodeTed,
  EncodingError,
  parseDataUri,
  PortableNetworkFile,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { identityVectors } from "../_vectors.ts";

for (
  const v of identityVectors<{ ted: string }, { bytes_utf8: string }>(
    "ted_parse",
  )
) {
  Deno.test(`identity vector ${v.id}`, () => {
    assert.equal(utf8Decode(decodeTed(v.input.ted)), v.expect.bytes_utf8);
  });
}

const MOKY = utf8Encode("moky");

Deno.test("TED emits plain base64 without any prefix", () => {
  assert.equal(encodeTed(MOKY), "bW9reQ==");
});

Deno.test("TED reads base64/base58/hex prefixes and the object form", () => {
  assert.deepEqual(decodeTed("base64,bW9reQ=="), MOKY);
  assert.deepEqual(decodeTed("base58,3oF5MJ"), MOKY);
  assert.deepEqual(decodeTed("hex,6d6f6b79"), MOKY);
  assert.deepEqual(decodeTed({ algorithm: "base64", data: "bW9reQ==" }), MOKY);
  assert.deepEqual(decodeTed({ algorithm: "hex", data: "6d6f6b79" }), MOKY);
});

Deno.test("TED: a data URI without base64 carries UTF-8 text", () => {
  assert.deepEqual(decodeTed("data:text/plain,moky"), MOKY);
  assert.deepEqual(decodeTed("data:,moky"), MOKY);
});

Deno.test("TED rejects non-strings, bad objects, bad base64", () => {
  assert.throws(() => decodeTed(42), EncodingError);
  assert.throws(
    () => decodeTed({ algorithm: "rot13", data: "x" }),
    EncodingError,
  );
  assert.throws(() => decodeTed("bW9reQ"), EncodingError);
  assert.throws(() => decodeTed("data:text/plain;base64"), EncodingError);
});

Deno.test("data URIs: MIME type, parameters, encoding", () => {
  const uri = parseDataUri(
    "data:image/png;filename=avatar.png;base64,bW9reQ==",
  );
  assert.equal(uri?.mimeType, "image/png");
  assert.deepEqual(uri?.parameters, { filename: "avatar.png" });
  assert.equal(uri?.encoding, "base64");
  assert.deepEqual(uri?.data, MOKY);
  assert.equal(parseDataUri("bW9reQ=="), undefined);
  assert.equal(
    encodeDataUri(MOKY, "image/png", "a.png"),
    "data:image/png;filename=a.png;base64,bW9reQ==",
  );
});

Deno.test("PNF: URL string, data URI, object, JSON string; short text is none", () => {
  const url = PortableNetworkFile.parse("https://example.com/avatar.png");
  assert.equal(url?.url, "https://example.com/avatar.png");
  assert.equal(url?.serialize(), "https://example.com/avatar.png");

  const data = PortableNetworkFile.parse(
    "data:image/png;filename=a.png;base64,bW9reQ==",
  );
  assert.equal(data?.filename, "a.png");
  assert.deepEqual(data?.data, MOKY);
  assert.equal(
    data?.serialize(),
    "data:image/png;filename=a.png;base64,bW9reQ==",
  );

  const key = {
    algorithm: "AES",
    data: "C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk=",
  };
  const object = PortableNetworkFile.parse({
    URL: "https://example.com/f.bin",
    filename: "f.bin",
    key,
    extra: 1,
  });
  assert.deepEqual(object?.key, key);
  assert.deepEqual(object?.serialize(), {
    URL: "https://example.com/f.bin",
    filename: "f.bin",
    key,
    extra: 1,
  });

  const text = PortableNetworkFile.parse(
    JSON.stringify({ URL: "https://a.example/x", filename: "x" }),
  );
  assert.equal(text?.url, "https://a.example/x");
  assert.equal(text?.serialize(), "https://a.example/x");

  assert.equal(PortableNetworkFile.parse(""), undefined);
  assert.equal(PortableNetworkFile.parse("a://b"), undefined);
  assert.equal(PortableNetworkFile.parse("not a file at all"), undefined);
  assert.throws(() => PortableNetworkFile.parse("{not json}"), EncodingError);
});

Deno.test("PNF builders write the shortest form", () => {
  assert.equal(
    PortableNetworkFile.fromUrl("https://example.com/a.png").serialize(),
    "https://example.com/a.png",
  );
  assert.equal(
    PortableNetworkFile.fromData(MOKY, "text/plain", "m.txt").serialize(),
    "data:text/plain;filename=m.txt;base64,bW9reQ==",
  );
  const withKey = PortableNetworkFile.fromUrl("https://example.com/a.bin", {
    key: { algorithm: "AES", data: "x" },
  });
  assert.equal(typeof withKey.serialize(), "object");
});
