import assert from "node:assert/strict";
import {
  addVerified,
  base64Encode,
  collectVerified,
  decodeEcdsaSignature,
  EccPrivateKey,
  type EccPublicKey,
  encodeEcdsaSignature,
  hexDecode,
  hexEncode,
  isLowS,
  KeyFormatError,
  makeEcdsaNonce,
  makeEcdsaNonces,
  parsePrivateKey,
  parsePublicKey,
  SignatureFormatError,
  SignatureMismatchError,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { identityVectors, type KeyJson } from "../_vectors.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

for (
  const v of identityVectors<
    { public_key: KeyJson; data_utf8: string; signature_der_hex: string },
    { verify: boolean; s_is_high?: boolean }
  >("ecdsa_verify")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parsePublicKey(v.input.public_key);
    const signature = hexDecode(v.input.signature_der_hex);
    const data = utf8Encode(v.input.data_utf8);
    assert.equal(await key.verify(data, signature), v.expect.verify);
    if (v.expect.s_is_high !== undefined) {
      assert.equal(
        !isLowS(decodeEcdsaSignature(signature).s),
        v.expect.s_is_high,
      );
    }
    if (!v.expect.verify) {
      await assert.rejects(
        key.verifyOrThrow(data, signature),
        SignatureMismatchError,
      );
    }
  });
}

interface EccKeyExpect {
  public_key_hex_uncompressed: string;
  public_key_hex_compressed: string;
  public_key_json_from_reference: KeyJson;
  private_key_pem_pkcs8: string;
  private_key_pem_sec1: string;
}

const [keypair] = identityVectors<{ private_key_hex: string }, EccKeyExpect>(
  "ecc_key",
);

Deno.test(`identity vector ${keypair.id}`, () => {
  const expect = keypair.expect;
  for (
    const data of [
      keypair.input.private_key_hex,
      keypair.input.private_key_hex.toUpperCase(),
      expect.private_key_pem_pkcs8,
      expect.private_key_pem_sec1,
    ]
  ) {
    const key = parsePrivateKey({ algorithm: "ECC", data });
    const point = (key.publicKey as EccPublicKey).point;
    assert.equal(hexEncode(point), expect.public_key_hex_uncompressed);
  }
  const fromHex = parsePrivateKey({
    algorithm: "ECC",
    data: keypair.input.private_key_hex,
  });
  // our PEM of the public key is byte for byte what Python writes
  assert.equal(
    fromHex.publicKey.toDictionary().data,
    expect.public_key_json_from_reference.data,
  );
  for (
    const data of [
      expect.public_key_hex_uncompressed,
      expect.public_key_hex_uncompressed.slice(2),
      expect.public_key_hex_compressed,
      expect.public_key_json_from_reference.data as string,
    ]
  ) {
    const key = parsePublicKey({ algorithm: "ECC", data }) as EccPublicKey;
    assert.equal(hexEncode(key.point), expect.public_key_hex_uncompressed);
    assert.ok(key.equals(fromHex.publicKey));
  }
});

Deno.test("ECC key data: uncompressed point, or compressed when the JSON says so", () => {
  const hex = keypair.expect.public_key_hex_uncompressed;
  const key = parsePublicKey({ algorithm: "ECC", data: hex });
  assert.equal(hexEncode(key.data), hex);
  const compressed = parsePublicKey({
    algorithm: "ECC",
    data: hex,
    compressed: true,
  });
  assert.equal(
    hexEncode(compressed.data),
    keypair.expect.public_key_hex_compressed,
  );
});

Deno.test("ECDSA: our signatures are minimal DER, low S, deterministic (RFC 6979)", async () => {
  const key = parsePrivateKey({
    algorithm: "ECC",
    data: keypair.input.private_key_hex,
  });
  const vector = identityVectors<unknown, unknown>("ecdsa_verify").find((v) =>
    v.id === "ecc/verify/ts-low-s-rfc6979"
  ) as { input: { signature_der_hex: string } };
  const signature = await key.sign(utf8Encode("moky"));
  assert.equal(hexEncode(signature), vector.input.signature_der_hex);
  for (let i = 0; i < 64; i++) {
    const data = utf8Encode(`message ${i}`);
    const der = await key.sign(data);
    const { r, s } = decodeEcdsaSignature(der); // strict: rejects non-minimal DER
    assert.ok(isLowS(s));
    assert.deepEqual(encodeEcdsaSignature({ r, s }), der);
    assert.ok(await key.publicKey.verify(data, der));
  }
});

Deno.test("ECDSA with a nonce made ahead: minimal DER, low S, verifies; a fresh r per nonce", async () => {
  const key = await EccPrivateKey.generate();
  const seen = new Set<bigint>();
  for (let i = 0; i < 64; i++) {
    const nonce = makeEcdsaNonce();
    assert.ok(nonce.r > 0n && nonce.r < N);
    assert.ok(nonce.kInverse > 0n && nonce.kInverse < N);
    assert.ok(!seen.has(nonce.r));
    seen.add(nonce.r);
    const data = utf8Encode(`message ${i}`);
    const der = key.signWithNonce(data, nonce);
    const { r, s } = decodeEcdsaSignature(der);
    assert.equal(r, nonce.r);
    assert.ok(isLowS(s));
    assert.deepEqual(encodeEcdsaSignature({ r, s }), der);
    assert.ok(await key.publicKey.verify(data, der));
    assert.ok(!await key.publicKey.verify(utf8Encode(`message ${i}!`), der));
  }
});

Deno.test("ECDSA with nonces made in a batch: each distinct, k⁻¹·k = 1, r = x(k·G); signatures verify", async () => {
  const key = await EccPrivateKey.generate();
  const nonces = makeEcdsaNonces(40);
  assert.equal(nonces.length, 40);
  assert.equal(new Set(nonces.map((nonce) => nonce.r)).size, 40);
  for (const [i, nonce] of nonces.entries()) {
    assert.ok(nonce.r > 0n && nonce.r < N);
    assert.ok(nonce.kInverse > 0n && nonce.kInverse < N);
    const data = utf8Encode(`batch ${i}`);
    const der = key.signWithNonce(data, nonce);
    assert.equal(decodeEcdsaSignature(der).r, nonce.r);
    assert.ok(await key.publicKey.verify(data, der));
    assert.ok(!await key.publicKey.verify(utf8Encode(`batch ${i}!`), der));
  }
  assert.equal(makeEcdsaNonces(1).length, 1);
});

Deno.test("ECDSA with a nonce made ahead: another key's signature does not verify", async () => {
  const key = await EccPrivateKey.generate();
  const other = await EccPrivateKey.generate();
  const data = utf8Encode("moky");
  const der = other.signWithNonce(data, makeEcdsaNonce());
  assert.ok(!await key.publicKey.verify(data, der));
  assert.ok(await other.publicKey.verify(data, der));
});

Deno.test("ECDSA: high-S form of our signature verifies too", async () => {
  const key = await EccPrivateKey.generate();
  const data = utf8Encode("high and low");
  const { r, s } = decodeEcdsaSignature(await key.sign(data));
  const high = encodeEcdsaSignature({ r, s: N - s });
  assert.ok(!isLowS(N - s));
  assert.ok(await key.publicKey.verify(data, high));
});

Deno.test("ECDSA: flipped bits, truncation and malformed DER fail", async () => {
  const key = await EccPrivateKey.generate();
  const data = utf8Encode("moky");
  const der = await key.sign(data);
  const flipped = der.slice();
  flipped[10] ^= 0x01;
  assert.equal(await key.publicKey.verify(data, flipped), false);
  assert.equal(await key.publicKey.verify(utf8Encode("mokz"), der), false);
  const truncated = der.subarray(0, der.length - 1);
  assert.equal(await key.publicKey.verify(data, truncated), false);
  await assert.rejects(
    key.publicKey.verifyOrThrow(data, truncated),
    SignatureFormatError,
  );
  const malformed: Record<string, string> = {
    "empty": "",
    "raw r||s": "11".repeat(64),
    "non-minimal integer": "3007020200010201" + "01",
    "negative integer": "3006020180020101",
    "r = 0": "3006020100020101",
    "trailing bytes": hexEncode(der) + "00",
  };
  for (const [what, hex] of Object.entries(malformed)) {
    await assert.rejects(
      key.publicKey.verifyOrThrow(data, hexDecode(hex)),
      SignatureFormatError,
      what,
    );
    assert.equal(await key.publicKey.verify(data, hexDecode(hex)), false, what);
  }
});

Deno.test("ECC generated keys: PKCS#8 PEM private, SPKI PEM public, re-readable", async () => {
  const key = await EccPrivateKey.generate();
  const json = key.toDictionary();
  assert.match(json.data as string, /^-----BEGIN PRIVATE KEY-----\nMIGEAgEB/);
  assert.equal(json.curve, "SECP256k1");
  const again = parsePrivateKey(json);
  assert.ok(again.publicKey.equals(key.publicKey));
  const publicJson = key.publicKey.toDictionary();
  assert.match(
    publicJson.data as string,
    /^-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE/,
  );
  assert.ok(parsePublicKey(publicJson).equals(key.publicKey));
  const signature = await again.sign(utf8Encode("x"));
  assert.ok(await key.publicKey.verify(utf8Encode("x"), signature));
  assert.notEqual(base64Encode(signature), "");
});

Deno.test("ECC keys reject bad hex, points off the curve, bad PEM, zero secrets", () => {
  const hex = keypair.expect.public_key_hex_uncompressed;
  const bad: Record<string, string> = {
    "short hex": hex.slice(0, 100),
    "non-hex": "zz" + hex.slice(2),
    "off the curve": hex.slice(0, -2) + (hex.endsWith("11") ? "12" : "11"),
    "RSA SPKI PEM":
      "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCwfr21CuPFFPa45YJ6IUKMDBPtybU29oSz6rWrVTlt+uPxChatPz0nZ2VRPVdmavqW1+3Y95wkuKVp2H+NBCx/MLg5tE3OI0O9L+C4AHHctyRk51lBogrGPtGfJDc0ZJtxSYnefdhS+68s37yMwfW44PFNiapcglQMlGBJyr+JQwIDAQAB\n-----END PUBLIC KEY-----",
  };
  for (const [what, data] of Object.entries(bad)) {
    assert.throws(
      () => parsePublicKey({ algorithm: "ECC", data }),
      KeyFormatError,
      what,
    );
  }
  assert.throws(
    () => parsePrivateKey({ algorithm: "ECC", data: "00".repeat(32) }),
    KeyFormatError,
  );
  assert.throws(
    () => parsePrivateKey({ algorithm: "ECC", data: "ff".repeat(32) }),
    KeyFormatError,
  );
  assert.throws(
    () =>
      parsePrivateKey({
        algorithm: "ECC",
        data: keypair.input.private_key_hex.slice(2),
      }),
    KeyFormatError,
  );
});

Deno.test("ECDSA: a signature that verified verifies again (remembered); over other data, with another key or altered it does not", async () => {
  const key = await EccPrivateKey.generate();
  const other = await EccPrivateKey.generate();
  const data = utf8Encode("a visa checked by the packer, then by the store");
  const signature = await key.sign(data);
  for (let i = 0; i < 3; i++) {
    assert.equal(await key.publicKey.verify(data, signature), true);
    await key.publicKey.verifyOrThrow(data, signature);
    assert.equal(await other.publicKey.verify(data, signature), false);
    assert.equal(
      await key.publicKey.verify(utf8Encode("other data"), signature),
      false,
    );
    const altered = signature.slice();
    altered[altered.length - 1] ^= 1;
    assert.equal(await key.publicKey.verify(data, altered), false);
  }
});

Deno.test("ECDSA: collectVerified gathers an id per signature that verifies (checked or remembered), none for one that fails; addVerified takes them", async () => {
  const key = await EccPrivateKey.generate();
  const data = utf8Encode("a handshake checked on a worker");
  const signature = await key.sign(data);
  const altered = signature.slice();
  altered[altered.length - 1] ^= 1;
  const ids: string[] = [];
  collectVerified(ids);
  try {
    assert.equal(await key.publicKey.verify(data, altered), false);
    assert.deepEqual(ids, []);
    assert.equal(await key.publicKey.verify(data, signature), true);
    assert.equal(await key.publicKey.verify(data, signature), true);
  } finally {
    collectVerified(undefined);
  }
  assert.equal(ids.length, 2);
  assert.equal(ids[0], ids[1]);
  assert.equal(await key.publicKey.verify(data, signature), true);
  assert.equal(ids.length, 2);
  addVerified(ids);
  assert.equal(await key.publicKey.verify(data, signature), true);
  assert.equal(await key.publicKey.verify(data, altered), false);
});

Deno.test("ECC uncompressed points: accepted and refused exactly as noble's Point.fromBytes does (coordinates 1 ≤ x, y < p on the curve)", async () => {
  const { noblePart } = await import("../../../dimp/crypto/_backend_noble.ts");
  const secp = await import("@noble/secp256k1");
  const p = secp.Point.CURVE().p;
  const point = (x: bigint, y: bigint): Uint8Array =>
    Uint8Array.fromHex(
      "04" + (x % 2n ** 256n).toString(16).padStart(64, "0") +
        (y % 2n ** 256n).toString(16).padStart(64, "0"),
    );
  const noble = (bytes: Uint8Array): string => {
    try {
      return hexEncode(secp.Point.fromBytes(bytes).toBytes(false));
    } catch {
      return "refused";
    }
  };
  const ours = (bytes: Uint8Array): string => {
    try {
      return hexEncode(noblePart.ecUncompressed(bytes));
    } catch {
      return "refused";
    }
  };
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const valid = secp.Point.fromBytes(
      noblePart.ecPublicPoint(noblePart.ecGenerate()),
    );
    const { x, y } = valid.toAffine();
    cases.push(
      point(x, y), // on the curve
      point(x, p - y), // its negation: on the curve
      point(x, y + 1n), // off
      point(x + 1n, y), // off
      point(x + p, y), // x + p: ≥ p when it fits in 32 bytes, else wrapped
      point(x, y + p), // y + p: the same
      crypto.getRandomValues(new Uint8Array(65)).fill(4, 0, 1), // random
    );
  }
  // zero and top coordinates
  cases.push(point(0n, 1n), point(0n, 0n), point(1n, 0n), point(p, 0n));
  cases.push(
    point(p - 1n, p - 1n),
    new Uint8Array(65).fill(0xff, 1).fill(4, 0, 1),
  );
  let accepted = 0;
  for (const bytes of cases) {
    const expected = noble(bytes);
    assert.equal(ours(bytes), expected, hexEncode(bytes));
    if (expected !== "refused") {
      accepted++;
      assert.equal(expected, hexEncode(bytes)); // the same bytes, a copy
      assert.notEqual(noblePart.ecUncompressed(bytes), bytes);
    }
  }
  assert.ok(accepted >= 80, `${accepted} accepted`);
  // 33-byte and other forms still go through noble
  const compressed = noblePart.ecCompressed(
    noblePart.ecPublicPoint(noblePart.ecGenerate()),
  );
  assert.equal(noblePart.ecUncompressed(compressed).length, 65);
  assert.throws(() => noblePart.ecUncompressed(new Uint8Array(64)));
});
