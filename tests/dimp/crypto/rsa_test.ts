import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import {
  base64Decode,
  base64Encode,
  CryptoError,
  KeyFormatError,
  parsePrivateKey,
  parsePublicKey,
  RsaPrivateKey,
  type RsaPublicKey,
  SignatureFormatError,
  SignatureMismatchError,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { identityVectors, type KeyJson } from "../_vectors.ts";
import { pem, pemBody, rsaSignVector } from "./_keys.ts";

for (
  const v of identityVectors<
    { private_key: KeyJson; public_key: KeyJson; data_utf8: string },
    { signature_base64: string; verify: boolean }
  >("rsa_sign")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const privateKey = parsePrivateKey(v.input.private_key);
    const data = utf8Encode(v.input.data_utf8);
    const signature = await privateKey.sign(data);
    assert.equal(base64Encode(signature), v.expect.signature_base64);
    const publicKey = parsePublicKey(v.input.public_key);
    assert.equal(await publicKey.verify(data, signature), v.expect.verify);
    assert.ok(publicKey.equals(privateKey.publicKey));
  });
}

for (
  const v of identityVectors<
    { public_key: KeyJson; data_utf8: string; signature_base64: string },
    { verify: boolean }
  >("rsa_verify")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parsePublicKey(v.input.public_key);
    const ok = await key.verify(
      utf8Encode(v.input.data_utf8),
      base64Decode(v.input.signature_base64),
    );
    assert.equal(ok, v.expect.verify);
  });
}

for (
  const v of identityVectors<
    { private_key: KeyJson; ciphertext_base64: string },
    { plaintext_utf8: string }
  >("rsa_decrypt")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parsePrivateKey(v.input.private_key) as RsaPrivateKey;
    const plaintext = await key.decrypt(
      base64Decode(v.input.ciphertext_base64),
    );
    assert.ok(plaintext);
    assert.equal(utf8Decode(plaintext), v.expect.plaintext_utf8);
  });
}

const hulk = rsaSignVector("rsa/sign/hulk");
const HULK_SPKI = hulk.expect.public_key_spki_der_base64 as string;
const HULK_PKCS1 = pemBody(hulk.input.public_key.data as string);
const MOKY = utf8Encode("moky");
const HULK_SIGNATURE = base64Decode(hulk.expect.signature_base64);

const PUBLIC_FORMS: Record<string, string> = {
  "SPKI PEM, 64 columns": pem("PUBLIC KEY", HULK_SPKI),
  "PKCS#1 body under PUBLIC KEY": pem("PUBLIC KEY", HULK_PKCS1),
  "RSA PUBLIC KEY": pem("RSA PUBLIC KEY", HULK_PKCS1),
  "bare base64 SPKI": HULK_SPKI,
  "bare base64 PKCS#1": HULK_PKCS1,
  "SPKI PEM, \\r\\n and 76 columns": pem("PUBLIC KEY", HULK_SPKI, 76, "\r\n"),
  "PKCS#1 PEM, one line, trailing newline": pem("PUBLIC KEY", HULK_PKCS1, 999) +
    "\n",
};

for (const [form, data] of Object.entries(PUBLIC_FORMS)) {
  Deno.test(`RSA public key form: ${form}`, async () => {
    const key = parsePublicKey({ algorithm: "RSA", data }) as RsaPublicKey;
    assert.equal(base64Encode(key.data), HULK_SPKI);
    assert.equal(key.modulusBytes, 128);
    assert.ok(await key.verify(MOKY, HULK_SIGNATURE));
    assert.equal(key.toDictionary().data, data);
  });
}

Deno.test("RSA algorithm aliases SHA256withRSA and RSA/ECB/PKCS1Padding", () => {
  for (const algorithm of ["SHA256withRSA", "RSA/ECB/PKCS1Padding"]) {
    const key = parsePublicKey({ algorithm, data: HULK_SPKI });
    assert.equal(key.algorithm, "RSA");
  }
});

const HULK_PRIVATE_PEM = hulk.input.private_key.data as string;

const PRIVATE_FORMS: Record<string, string> = {
  "PKCS#1 PEM (RSA PRIVATE KEY)": HULK_PRIVATE_PEM,
  "PKCS#8 PEM (PRIVATE KEY)": createPrivateKey(HULK_PRIVATE_PEM).export({
    type: "pkcs8",
    format: "pem",
  }) as string,
  "bare base64 PKCS#1": pemBody(HULK_PRIVATE_PEM),
  "bare base64 PKCS#8": base64Encode(
    createPrivateKey(HULK_PRIVATE_PEM).export({ type: "pkcs8", format: "der" }),
  ),
  "public block before the private block": pem("PUBLIC KEY", HULK_SPKI) +
    "\n" + HULK_PRIVATE_PEM,
  "\\r\\n line breaks": HULK_PRIVATE_PEM.replaceAll("\n", "\r\n"),
};

for (const [form, data] of Object.entries(PRIVATE_FORMS)) {
  Deno.test(`RSA private key form: ${form}`, async () => {
    const key = parsePrivateKey({ algorithm: "RSA", data });
    assert.equal(base64Encode(key.publicKey.data), HULK_SPKI);
    assert.deepEqual(await key.sign(MOKY), HULK_SIGNATURE);
  });
}

Deno.test("RSA verification rejects a flipped bit in data or signature", async () => {
  const key = parsePublicKey(hulk.input.public_key);
  const signature = HULK_SIGNATURE.slice();
  signature[64] ^= 0x01;
  assert.equal(await key.verify(MOKY, signature), false);
  assert.equal(await key.verify(utf8Encode("mokz"), HULK_SIGNATURE), false);
  await assert.rejects(
    key.verifyOrThrow(MOKY, signature),
    SignatureMismatchError,
  );
});

Deno.test("RSA verification: a truncated signature is a format error", async () => {
  const key = parsePublicKey(hulk.input.public_key);
  const truncated = HULK_SIGNATURE.subarray(0, 100);
  assert.equal(await key.verify(MOKY, truncated), false);
  await assert.rejects(
    key.verifyOrThrow(MOKY, truncated),
    SignatureFormatError,
  );
  await assert.rejects(
    key.verifyOrThrow(MOKY, new Uint8Array(0)),
    SignatureFormatError,
  );
});

Deno.test("RSA: signatures and ciphertexts missing leading zero bytes (JSEncrypt) are padded", async () => {
  const key = parsePrivateKey(hulk.input.private_key) as RsaPrivateKey;
  let data = MOKY;
  let signature = HULK_SIGNATURE;
  for (let i = 0; signature[0] !== 0; i++) {
    data = utf8Encode(`moky-${i}`);
    signature = await key.sign(data);
  }
  const stripped = signature.subarray(1);
  assert.equal(stripped.length, 127);
  assert.ok(await key.publicKey.verify(data, stripped));
  await key.publicKey.verifyOrThrow(data, stripped);

  const plaintext = utf8Encode("moky");
  let ciphertext = await key.publicKey.encrypt(plaintext);
  while (ciphertext[0] !== 0) {
    ciphertext = await key.publicKey.encrypt(plaintext);
  }
  assert.deepEqual(await key.decrypt(ciphertext.subarray(1)), plaintext);
});

Deno.test("RSA generated keys: 1024-bit, e=65537, SPKI PEM public, PKCS#1 PEM private", async () => {
  const key = await RsaPrivateKey.generate();
  const privateJson = key.toDictionary();
  const publicJson = key.publicKey.toDictionary();
  assert.equal(privateJson.algorithm, "RSA");
  assert.match(
    privateJson.data as string,
    /^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END RSA PRIVATE KEY-----$/,
  );
  assert.match(
    publicJson.data as string,
    /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----$/,
  );
  assert.deepEqual(
    {
      mode: publicJson.mode,
      padding: publicJson.padding,
      digest: publicJson.digest,
    },
    { mode: "ECB", padding: "PKCS1", digest: "SHA256" },
  );
  const details =
    createPublicKey(publicJson.data as string).asymmetricKeyDetails;
  assert.equal(details?.modulusLength, 1024);
  assert.equal(details?.publicExponent, 65537n);
  const reparsed = parsePrivateKey(privateJson);
  assert.ok(reparsed.publicKey.equals(key.publicKey));
});

Deno.test("RSA: our ciphertext decrypts (random padding each time)", async () => {
  const key = await RsaPrivateKey.generate();
  const plaintext = utf8Encode(
    '{"algorithm":"AES","data":"C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk="}',
  );
  const ciphertext = await key.publicKey.encrypt(plaintext);
  assert.equal(ciphertext.length, 128);
  assert.deepEqual(await key.decrypt(ciphertext), plaintext);
  assert.notDeepEqual(await key.publicKey.encrypt(plaintext), ciphertext);
});

Deno.test("RSA decryption failure is 'no plaintext', not an error", async () => {
  const vector = identityVectors<
    { private_key: KeyJson; ciphertext_base64: string },
    unknown
  >("rsa_decrypt").find((v) => v.id === "rsa/decrypt/hulk");
  assert.ok(vector);
  const ciphertext = base64Decode(vector.input.ciphertext_base64);
  const hulkKey = parsePrivateKey(vector.input.private_key) as RsaPrivateKey;
  const otherKey = parsePrivateKey(
    rsaSignVector("rsa/sign/gsp-s001").input.private_key,
  ) as RsaPrivateKey;
  assert.equal(await otherKey.decrypt(ciphertext), undefined);
  assert.equal(await hulkKey.decrypt(ciphertext.subarray(1)), undefined);
  assert.equal(await hulkKey.decrypt(new Uint8Array(128)), undefined);
  const tampered = ciphertext.slice();
  tampered[5] ^= 0xff;
  assert.equal(await hulkKey.decrypt(tampered), undefined);
});

Deno.test("RSA encryption refuses plaintexts longer than k - 11 bytes", async () => {
  const key = parsePublicKey(hulk.input.public_key) as RsaPublicKey;
  assert.equal((await key.encrypt(new Uint8Array(117))).length, 128);
  await assert.rejects(key.encrypt(new Uint8Array(118)), CryptoError);
});

Deno.test("RSA keys reject bad PEM and non-RSA DER", () => {
  const bad: Record<string, string> = {
    "unterminated PEM": "-----BEGIN PUBLIC KEY-----\n" + HULK_SPKI,
    "private block only": HULK_PRIVATE_PEM,
    "truncated DER": HULK_SPKI.slice(0, 100),
    "not base64": "this is not a key",
    "ECC SPKI":
      "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEfJElljaloWU44GA2NvBsUy3W8rtC+N0z+gzbOVRs9ElhLz6vFduUQ7fgZo7yIYfekFljPrIxEmQ6OHccYw25EQ==",
  };
  for (const [what, data] of Object.entries(bad)) {
    assert.throws(
      () => parsePublicKey({ algorithm: "RSA", data }),
      KeyFormatError,
      what,
    );
  }
  assert.throws(() => parsePublicKey({ algorithm: "RSA" }), KeyFormatError);
  assert.throws(
    () =>
      parsePrivateKey({ algorithm: "RSA", data: pem("PUBLIC KEY", HULK_SPKI) }),
    KeyFormatError,
  );
});

Deno.test("RSA public key: the SPKI of a PKCS#1 key is written with minimal integers (leading zeros dropped, a zero before a high bit)", async () => {
  const { TAG, writeTlv } = await import("../../../dimp/crypto/_der.ts");
  const integer = (value: Uint8Array) => writeTlv(TAG.INTEGER, value);
  const minimal = (value: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const body = value.subarray(start);
    return body[0] >= 0x80 ? Uint8Array.of(0, ...body) : body;
  };
  const algorithm = Uint8Array.fromHex("300d06092a864886f70d0101010500");
  const modulus = crypto.getRandomValues(new Uint8Array(128));
  modulus[127] |= 1;
  const cases: [Uint8Array, Uint8Array][] = [
    [
      Uint8Array.of(0, ...modulus.map((b, i) => i === 0 ? b | 0x80 : b)),
      Uint8Array.of(1, 0, 1),
    ],
    [modulus.map((b, i) => i === 0 ? b & 0x7f : b), Uint8Array.of(3)],
    [
      Uint8Array.of(0, 0, ...modulus.map((b, i) => i === 0 ? b & 0x7f : b)),
      Uint8Array.of(0, 0x80),
    ],
    [
      new Uint8Array(300).map((_, i) => (i * 31 + 7) & 0xff),
      Uint8Array.of(0, 0, 1, 0, 1),
    ],
  ];
  for (const [n, e] of cases) {
    const pkcs1 = writeTlv(TAG.SEQUENCE, integer(n), integer(e));
    const key = parsePublicKey({
      algorithm: "RSA",
      data: base64Encode(pkcs1),
    }) as RsaPublicKey;
    const expected = writeTlv(
      TAG.SEQUENCE,
      algorithm,
      writeTlv(
        TAG.BIT_STRING,
        Uint8Array.of(0),
        writeTlv(TAG.SEQUENCE, integer(minimal(n)), integer(minimal(e))),
      ),
    );
    assert.deepStrictEqual(key.data, expected);
  }
});
