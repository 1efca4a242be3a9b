/**
 * DecryptPool: RSA decryption of clients' message keys on worker threads
 * (real RSA keys, real workers), the same plaintexts as the key itself.
 */
import assert from "node:assert/strict";
import { generatePrivateKey, RsaPrivateKey } from "../../dimp/crypto/mod.ts";
import { DecryptPool } from "../../station/mod.ts";

const encoder = new TextEncoder();

Deno.test("DecryptPool: its workers start with the first decryption and decrypt what the public key encrypted; a foreign ciphertext is undefined", async () => {
  const key = await generatePrivateKey("RSA");
  const other = await generatePrivateKey("RSA");
  const pool = new DecryptPool(key, 2);
  try {
    assert.equal(pool.threads, 0);
    assert.equal(pool.algorithm, "RSA");
    assert.ok(pool.publicKey.equals(key.publicKey));
    const texts = Array.from(
      { length: 6 },
      (_, i) => `{"algorithm":"AES","data":"key ${i}"}`,
    );
    const sealed = await Promise.all(
      texts.map((text) => key.publicKey.encrypt!(encoder.encode(text))),
    );
    const opened = await Promise.all(sealed.map((c) => pool.decrypt(c)));
    assert.equal(pool.threads, 2);
    assert.deepEqual(
      opened.map((bytes) => new TextDecoder().decode(bytes)),
      texts,
    );
    const foreign = await other.publicKey.encrypt!(encoder.encode("x"));
    assert.equal(await pool.decrypt(foreign), undefined);
    // signing stays the key's own
    const data = encoder.encode("signed here");
    assert.ok(await key.publicKey.verify(data, await pool.sign(data)));
  } finally {
    pool.close();
  }
  assert.equal(pool.threads, 0);
});

Deno.test("DecryptPool: closed, or with 0 threads, it decrypts on the calling thread", async () => {
  const key = await generatePrivateKey("RSA");
  const sealed = await key.publicKey.encrypt!(encoder.encode("hello"));
  const here = new DecryptPool(key, 0);
  assert.equal(new TextDecoder().decode(await here.decrypt(sealed)), "hello");
  assert.equal(here.threads, 0);
  const closed = new DecryptPool(key, 2);
  closed.close();
  assert.equal(new TextDecoder().decode(await closed.decrypt(sealed)), "hello");
  assert.equal(closed.threads, 0);
});

Deno.test('DecryptPool: "auto" decrypts a 1024-bit key on the calling thread and a 2048-bit key on one worker per CPU', async () => {
  const small = await RsaPrivateKey.generate(1024);
  const large = await RsaPrivateKey.generate(2048);
  const here = new DecryptPool(small, "auto");
  const workers = new DecryptPool(large, "auto");
  try {
    for (const [pool, key] of [[here, small], [workers, large]] as const) {
      const sealed = await key.publicKey.encrypt(encoder.encode("auto"));
      assert.equal(
        new TextDecoder().decode(await pool.decrypt(sealed)),
        "auto",
      );
    }
    assert.equal(here.threads, 0);
    assert.equal(workers.threads, navigator.hardwareConcurrency);
  } finally {
    workers.close();
  }
});
