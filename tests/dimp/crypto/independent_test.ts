import assert from "node:assert/strict";
import {
  generatePrivateKey,
  type PrivateKey,
  RsaPrivateKey,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import {
  HAS_PYTHON_CRYPTOGRAPHY,
  independentVerify,
  pythonCheck,
  type PythonJob,
} from "../_independent.ts";

const MESSAGES = [
  "moky",
  "",
  "《道德经》",
  '{"type":"visa","name":"dim","time":1795563359.968}',
  "x".repeat(4096),
];

async function keys(): Promise<PrivateKey[]> {
  return [
    await generatePrivateKey("RSA"),
    await generatePrivateKey("RSA"),
    await generatePrivateKey("ECC"),
    await generatePrivateKey("ECC"),
  ];
}

Deno.test("independent: our ECDSA signatures verify with noble (low S), our RSA signatures with Web Crypto", async () => {
  for (const key of await keys()) {
    for (const text of MESSAGES) {
      const data = utf8Encode(text);
      const signature = await key.sign(data);
      assert.ok(
        await independentVerify(key.publicKey, data, signature),
        `${key.algorithm} ${text.slice(0, 20)}`,
      );
      const wrong = utf8Encode(text + "!");
      assert.equal(
        await independentVerify(key.publicKey, wrong, signature),
        false,
      );
    }
  }
});

Deno.test({
  name:
    "independent: Python (OpenSSL) verifies our RSA and ECDSA signatures and decrypts our RSA ciphertexts",
  ignore: !HAS_PYTHON_CRYPTOGRAPHY,
  fn: async () => {
    const jobs: PythonJob[] = [];
    const expected: (boolean | string)[] = [];
    for (const key of await keys()) {
      for (const text of MESSAGES) {
        const data = utf8Encode(text);
        const signature = await key.sign(data);
        jobs.push({ op: "verify", key: key.publicKey, data, signature });
        expected.push(true);
        jobs.push({
          op: "verify",
          key: key.publicKey,
          data: utf8Encode(text + "!"),
          signature,
        });
        expected.push(false);
      }
      if (key instanceof RsaPrivateKey) {
        const plaintext =
          '{"algorithm":"AES","data":"C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk="}';
        jobs.push({
          op: "decrypt-rsa",
          key,
          data: await key.publicKey.encrypt(utf8Encode(plaintext)),
        });
        expected.push(btoa(plaintext));
      }
    }
    assert.deepEqual(await pythonCheck(jobs), expected);
  },
});
