import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as nodeCrypto from "node:crypto";
import { backendName } from "../../../dimp/crypto/_backend.ts";
import type { CryptoBackend } from "../../../dimp/crypto/_backend_api.ts";
import { createNodeBackend } from "../../../dimp/crypto/_backend_node.ts";
import { webBackend } from "../../../dimp/crypto/_backend_web.ts";
import { utf8Encode } from "../../../dimp/crypto/mod.ts";

const nodeBackend = createNodeBackend(nodeCrypto, Buffer);
const pairs: [string, CryptoBackend, CryptoBackend][] = [
  ["node → web", nodeBackend, webBackend],
  ["web → node", webBackend, nodeBackend],
];
const data = utf8Encode("a message for both backends");

Deno.test("crypto backends: the same digests", () => {
  const sample = utf8Encode("digest me");
  for (
    const name of ["sha256", "sha1", "md5", "ripemd160", "keccak256"] as const
  ) {
    assert.deepEqual(webBackend[name](sample), nodeBackend[name](sample), name);
  }
});

for (const [label, one, other] of pairs) {
  Deno.test(`crypto backends: RSA keys, signatures and encryption ${label}`, async () => {
    const { pkcs1, spki } = await one.rsaGenerate(1024);
    const signature = await one.rsaSign(
      await one.rsaImportPrivate(pkcs1),
      data,
    );
    const publicKey = await other.rsaImportPublic(spki);
    assert.ok(await other.rsaVerify(publicKey, data, signature));
    assert.equal(
      await other.rsaVerify(publicKey, utf8Encode("another"), signature),
      false,
    );
    // PKCS#1 v1.5 signatures are deterministic: both sign alike
    assert.deepEqual(
      await other.rsaSign(await other.rsaImportPrivate(pkcs1), data),
      signature,
    );
    const sealed = await other.rsaEncrypt(publicKey, data);
    assert.deepEqual(
      await one.rsaDecrypt(await one.rsaImportPrivate(pkcs1), sealed),
      data,
    );
    const tampered = sealed.slice();
    tampered[5] ^= 0xff;
    assert.equal(
      await one.rsaDecrypt(await one.rsaImportPrivate(pkcs1), tampered),
      undefined,
    );
  });

  Deno.test(`crypto backends: ECDSA and AES ${label}`, async () => {
    const secret = one.ecGenerate();
    const point = other.ecPublicPoint(secret);
    const compact = await one.ecSign(secret, data);
    const der = derSignature(compact);
    const key = await other.ecImportPublic(point);
    assert.ok(await other.ecVerify(key, data, der));
    assert.equal(await other.ecVerify(key, utf8Encode("x"), der), false);
    assert.equal(await other.ecVerify(key, data, der.subarray(1)), false);
    for (const size of [16, 24, 32]) {
      const aesKey = one.randomBytes(size);
      const iv = one.randomBytes(16);
      const sealed = await one.aesCbcEncrypt(aesKey, iv, data);
      assert.deepEqual(await other.aesCbcDecrypt(aesKey, iv, sealed), data);
      const wrongKey = aesKey.map((b) => b ^ 1);
      const opened = await other.aesCbcDecrypt(wrongKey, iv, sealed);
      assert.notDeepEqual(opened, data, `AES-${size * 8} with a wrong key`);
    }
  });
}

/** DER `SEQUENCE { r, s }` of a 64-byte compact signature. */
function derSignature(compact: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): number[] => {
    let start = 0;
    while (start < 31 && bytes[start] === 0) start++;
    const body = [...bytes.subarray(start)];
    if (body[0] >= 0x80) body.unshift(0);
    return [0x02, body.length, ...body];
  };
  const body = [
    ...integer(compact.subarray(0, 32)),
    ...integer(compact.subarray(32)),
  ];
  return new Uint8Array([0x30, body.length, ...body]);
}

if (Deno.env.get("DIM_CRYPTO_BACKEND") === "web") {
  Deno.test("crypto backends: DIM_CRYPTO_BACKEND=web picks the browser backend", () => {
    assert.equal(backendName, "web");
  });
} else {
  Deno.test("crypto backends: the dimp tests pass on the browser backend (DIM_CRYPTO_BACKEND=web)", async () => {
    assert.equal(backendName, "node");
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--no-check", "tests/dimp/"],
      cwd: new URL("../../../", import.meta.url),
      env: { DIM_CRYPTO_BACKEND: "web", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(run.stdout);
    const summary = out.match(/^(ok|FAILED) \| (\d+) passed.*\| (\d+) failed/m);
    assert.ok(summary, out.slice(-2000) + new TextDecoder().decode(run.stderr));
    assert.equal(summary[3], "0", out.slice(-4000));
    assert.ok(Number(summary[2]) > 700, summary[0]);
    assert.match(
      out,
      /DIM_CRYPTO_BACKEND=web picks the browser backend \.\.\. ok/,
    );
    assert.equal(run.code, 0);
  });
}

Deno.test("crypto backends: both encrypt a text as its UTF-8 (AES-128, -192, -256)", async () => {
  const text = '{"text":"Message delivered. é € 😀"}';
  const iv = new Uint8Array(16).fill(5);
  for (const n of [16, 24, 32]) {
    const key = new Uint8Array(n).fill(n);
    const expected = await webBackend.aesCbcEncrypt(key, iv, utf8Encode(text));
    for (const backend of [webBackend, nodeBackend]) {
      assert.deepEqual(await backend.aesCbcEncrypt(key, iv, text), expected);
    }
  }
});
