import assert from "node:assert/strict";
import {
  type AesKey,
  base64Decode,
  base64Encode,
  EncodingError,
  generateSymmetricKey,
  isKeyPair,
  KeyFormatError,
  parseSymmetricKey,
  PLAIN_KEY,
  UnsupportedAlgorithmError,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import {
  identityVectors,
  type KeyJson,
  referenceGenerated,
} from "../_vectors.ts";

for (
  const v of identityVectors<
    {
      key: KeyJson;
      params: Record<string, unknown>;
      ciphertext_base64: string;
    },
    { plaintext_utf8: string }
  >("aes_decrypt")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parseSymmetricKey(v.input.key);
    const plaintext = await key.decrypt(
      base64Decode(v.input.ciphertext_base64),
      { ...v.input.params },
    );
    assert.ok(plaintext);
    assert.equal(utf8Decode(plaintext), v.expect.plaintext_utf8);
  });
}

for (
  const v of identityVectors<
    { key: KeyJson; params: Record<string, unknown>; plaintext_utf8: string },
    {
      ciphertext_base64: string;
      length?: number;
      params_after?: Record<string, unknown>;
    }
  >("aes_encrypt")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parseSymmetricKey(v.input.key);
    const params = { ...v.input.params };
    const ciphertext = await key.encrypt(
      utf8Encode(v.input.plaintext_utf8),
      params,
    );
    assert.equal(base64Encode(ciphertext), v.expect.ciphertext_base64);
    if (v.expect.length !== undefined) {
      assert.equal(ciphertext.length, v.expect.length);
    }
    if (v.expect.params_after !== undefined) {
      assert.deepEqual(params, v.expect.params_after);
    }
  });
}

for (
  const v of identityVectors<{ key: KeyJson; plaintext_utf8: string }, {
    ciphertext_utf8: string;
  }>("plain_key")
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const key = parseSymmetricKey(v.input.key);
    assert.equal(key, PLAIN_KEY);
    const params: Record<string, unknown> = {};
    const data = await key.encrypt(utf8Encode(v.input.plaintext_utf8), params);
    assert.equal(utf8Decode(data), v.expect.ciphertext_utf8);
    assert.equal(
      utf8Decode((await key.decrypt(data, params))!),
      v.input.plaintext_utf8,
    );
    assert.deepEqual(params, {});
    assert.deepEqual(key.toDictionary(), { algorithm: "PLAIN" });
  });
}

const reference = referenceGenerated().crypto.find((c) => c.label === "aes")!;

Deno.test("reference crypto aes: decrypt and re-encrypt with the given IV", async () => {
  const key = parseSymmetricKey(reference.key);
  const params = { IV: reference.IV_base64 };
  const plaintext = await key.decrypt(
    base64Decode(reference.ciphertext_base64!),
    params,
  );
  assert.equal(utf8Decode(plaintext!), reference.plaintext_utf8);
  const ciphertext = await key.encrypt(
    utf8Encode(reference.plaintext_utf8!),
    params,
  );
  assert.equal(base64Encode(ciphertext), reference.ciphertext_base64);
});

const KEY = {
  algorithm: "AES",
  data: "C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk=",
};
const MOKY = utf8Encode("moky");

Deno.test("AES IV rules: IV, then iv, then key iv, then random written to params.IV", async () => {
  const key = parseSymmetricKey(KEY);
  const iv = "SxPwi6u4+ZLXLdAFJezvSQ==";
  const expected = "0xtbqZN6x2aWTZn0DpCoCA==";
  assert.equal(base64Encode(await key.encrypt(MOKY, { IV: iv })), expected);
  assert.equal(base64Encode(await key.encrypt(MOKY, { iv })), expected);
  const keyWithIv = parseSymmetricKey({ ...KEY, iv });
  const params: Record<string, unknown> = {};
  assert.equal(base64Encode(await keyWithIv.encrypt(MOKY, params)), expected);
  assert.deepEqual(params, {}, "a key with its own iv writes nothing");
  assert.equal(
    utf8Decode((await keyWithIv.decrypt(base64Decode(expected), {}))!),
    "moky",
  );
  assert.equal(
    utf8Decode((await key.decrypt(base64Decode(expected), { iv }))!),
    "moky",
  );

  const fresh: Record<string, unknown> = {};
  const ciphertext = await key.encrypt(MOKY, fresh);
  assert.equal(typeof fresh.IV, "string");
  assert.equal(base64Decode(fresh.IV as string).length, 16);
  assert.equal(utf8Decode((await key.decrypt(ciphertext, fresh))!), "moky");
  const again: Record<string, unknown> = {};
  await key.encrypt(MOKY, again);
  assert.notEqual(again.IV, fresh.IV);
});

Deno.test("AES: bad padding or partial blocks are 'no plaintext'", async () => {
  const key = parseSymmetricKey(KEY);
  const other = generateSymmetricKey();
  const params: Record<string, unknown> = {};
  const ciphertext = await key.encrypt(utf8Encode("some longer text"), params);
  // a wrong key gives random padding: check several fixed ciphertexts
  let failures = 0;
  for (let i = 0; i < 16; i++) {
    const block = new Uint8Array(32).fill(i);
    if (await other.decrypt(block, {}) === undefined) failures++;
  }
  assert.ok(failures >= 8);
  assert.equal(
    await key.decrypt(ciphertext.subarray(0, 31), params),
    undefined,
  );
  assert.equal(await key.decrypt(new Uint8Array(0), params), undefined);
  const tampered = ciphertext.slice();
  tampered[31] ^= 0xff;
  assert.equal(await key.decrypt(tampered, params), undefined);
});

Deno.test("AES: malformed IVs are errors", async () => {
  const key = parseSymmetricKey(KEY);
  await assert.rejects(
    () => key.encrypt(MOKY, { IV: "bW9reQ==" }),
    EncodingError,
  );
  await assert.rejects(
    () => key.decrypt(new Uint8Array(16), { IV: "bad" }),
    EncodingError,
  );
  assert.throws(
    () => parseSymmetricKey({ ...KEY, iv: "bW9reQ==" }),
    KeyFormatError,
  );
});

Deno.test("AES keys: short names A/D/I understood, long names emitted, local flags dropped", async () => {
  const short = parseSymmetricKey({
    A: "AES",
    D: KEY.data,
    I: "SxPwi6u4+ZLXLdAFJezvSQ==",
    reused: true,
    digest: "abc",
    keySize: 32,
  });
  assert.deepEqual(short.toDictionary(), {
    algorithm: "AES",
    data: KEY.data,
    iv: "SxPwi6u4+ZLXLdAFJezvSQ==",
    keySize: 32,
  });
  assert.equal(
    base64Encode(await short.encrypt(MOKY, {})),
    "0xtbqZN6x2aWTZn0DpCoCA==",
  );
  assert.equal(
    parseSymmetricKey({ algorithm: "AES/CBC/PKCS7Padding", data: KEY.data })
      .algorithm,
    "AES",
  );
});

Deno.test("AES keys: 16/24/32-byte keys; other lengths, missing data, RSA rejected", async () => {
  for (const n of [16, 24, 32]) {
    const key = parseSymmetricKey({
      algorithm: "AES",
      data: base64Encode(new Uint8Array(n).fill(7)),
    });
    const params: Record<string, unknown> = {};
    assert.deepEqual(
      await key.decrypt(await key.encrypt(MOKY, params), params),
      MOKY,
    );
  }
  assert.throws(
    () => parseSymmetricKey({ algorithm: "AES", data: "bW9reQ==" }),
    KeyFormatError,
  );
  assert.throws(() => parseSymmetricKey({ algorithm: "AES" }), KeyFormatError);
  assert.throws(
    () => parseSymmetricKey({ algorithm: "RSA", data: "x" }),
    UnsupportedAlgorithmError,
  );
  assert.throws(
    () => parseSymmetricKey({ algorithm: "DES", data: "x" }),
    UnsupportedAlgorithmError,
  );
  assert.throws(() => parseSymmetricKey("AES"), KeyFormatError);
});

Deno.test("AES and PLAIN keys encrypt a text as its UTF-8 (16/24/32-byte AES keys, the same IV: the same bytes)", async () => {
  const text = '{"type":1,"text":"hé, 《道德经》"}';
  for (const n of [16, 24, 32]) {
    const key = parseSymmetricKey({
      algorithm: "AES",
      data: base64Encode(new Uint8Array(n).fill(9)),
    });
    const iv = base64Encode(new Uint8Array(16).fill(3));
    const fromText = await key.encrypt(text, { IV: iv });
    assert.deepEqual(fromText, await key.encrypt(utf8Encode(text), { IV: iv }));
    assert.equal(utf8Decode((await key.decrypt(fromText, { IV: iv }))!), text);
  }
  assert.deepEqual(await PLAIN_KEY.encrypt(text, {}), utf8Encode(text));
});

Deno.test("AES generated keys: 32 random bytes, distinct, round trip", async () => {
  const a = generateSymmetricKey() as AesKey;
  const b = generateSymmetricKey() as AesKey;
  assert.equal(a.secret.length, 32);
  assert.notDeepEqual(a.secret, b.secret);
  assert.deepEqual(Object.keys(a.toDictionary()), ["algorithm", "data"]);
  assert.ok(await isKeyPair(a, parseSymmetricKey(a.toDictionary())));
  assert.equal(await isKeyPair(a, b), false);
});

Deno.test("AES keys kept in shared chunks: their own copy of the bytes, each still its own key", async () => {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const dict = { algorithm: "AES", data: raw.toBase64() };
  const a = parseSymmetricKey(dict) as AesKey;
  const b = generateSymmetricKey() as AesKey;
  const c = generateSymmetricKey() as AesKey;
  // one buffer for several small keys (in Deno each buffer costs ~0.5 KiB)
  assert.equal(b.secret.buffer, c.secret.buffer);
  assert.deepEqual(a.secret, raw);
  raw.fill(0);
  assert.notDeepEqual(a.secret, raw, "a copy, not the caller's array");
  const text = new TextEncoder().encode("kept");
  for (const key of [a, b, c]) {
    const params: Record<string, unknown> = {};
    const sealed = await key.encrypt(text, params);
    assert.deepEqual(await key.decrypt(sealed, params), text);
    for (const other of [a, b, c].filter((k) => k !== key)) {
      assert.notDeepEqual(await other.decrypt(sealed, params), text);
    }
  }
});
