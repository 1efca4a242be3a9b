/**
 * The OpenSSL RSA engine (libcrypto through FFI) against the runtime's:
 * the same signatures, each decrypts what the other encrypts, bad
 * ciphertexts fail alike, evicted keys are parsed again; and the engine
 * choice falls back when libcrypto does not load. Real libcrypto, real keys;
 * where libcrypto does not load, the tests that need it are ignored and say
 * why.
 */
import assert from "node:assert/strict";
import {
  installAesEngine,
  installRsaEngine,
  rsaEngine,
  RsaPrivateKey,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import {
  installCryptoEngine,
  parseCryptoEngine,
} from "../../station/crypto_engine.ts";
import { OpensslError } from "../../station/libcrypto.ts";
import {
  openOpensslRsa,
  type OpensslRsaEngine,
} from "../../station/openssl_rsa.ts";
import { DecryptPool } from "../../station/mod.ts";
import { buildShim, runWithoutFfi } from "./_ffi_tools.ts";

let missing = "";
try {
  openOpensslRsa().close();
} catch (error) {
  missing = `libcrypto does not load: ${(error as Error).message}`;
}

/** A test that needs libcrypto: ignored, with the reason, where it is absent. */
function withOpenssl(
  name: string,
  fn: (engine: OpensslRsaEngine) => Promise<void>,
): void {
  Deno.test({
    name: missing === "" ? name : `${name} (ignored: ${missing})`,
    ignore: missing !== "",
    fn: async () => {
      const engine = openOpensslRsa({ publicKeys: 8, privateKeys: 8 });
      try {
        await fn(engine);
      } finally {
        installRsaEngine(undefined);
        engine.close();
      }
    },
  });
}

/** Runs `body` with `engine` installed (`undefined`: the runtime's). */
async function under<T>(
  engine: OpensslRsaEngine | undefined,
  body: () => Promise<T>,
): Promise<T> {
  installRsaEngine(engine);
  try {
    return await body();
  } finally {
    installRsaEngine(undefined);
  }
}

withOpenssl(
  "openssl engine: random keys sign, verify, encrypt and decrypt as the runtime does",
  async (engine) => {
    for (let i = 0; i < 6; i++) {
      const key = await RsaPrivateKey.generate(i === 5 ? 2048 : 1024);
      // fresh key objects per engine: each engine imports its own handle
      const data = crypto.getRandomValues(new Uint8Array(1 + i * 97));
      const runtimeSignature = await key.sign(data);
      const opensslSignature = await under(engine, () => key.sign(data));
      assert.deepEqual(opensslSignature, runtimeSignature);
      assert.ok(
        await under(engine, () => key.publicKey.verify(data, runtimeSignature)),
      );
      const flipped = runtimeSignature.slice();
      flipped[7] ^= 1;
      assert.equal(
        await under(engine, () => key.publicKey.verify(data, flipped)),
        false,
      );
      assert.equal(await key.publicKey.verify(data, flipped), false);

      const plaintext = crypto.getRandomValues(
        new Uint8Array(key.publicKey.modulusBytes - 11 - i),
      );
      const byOpenssl = await under(
        engine,
        () => key.publicKey.encrypt(plaintext),
      );
      const byRuntime = await key.publicKey.encrypt(plaintext);
      assert.equal(byOpenssl.length, key.publicKey.modulusBytes);
      assert.notDeepEqual(byOpenssl, byRuntime); // random padding
      assert.deepEqual(await key.decrypt(byOpenssl), plaintext);
      assert.deepEqual(
        await under(engine, () => key.decrypt(byRuntime)),
        plaintext,
      );
      assert.deepEqual(
        await under(engine, () => key.decrypt(byOpenssl)),
        plaintext,
      );
    }
    assert.equal(rsaEngine().name, "runtime");
  },
);

withOpenssl(
  "openssl engine: a ciphertext that does not decrypt is undefined, as with the runtime",
  async (engine) => {
    const key = await RsaPrivateKey.generate();
    const size = key.publicKey.modulusBytes;
    const sealed = await key.publicKey.encrypt(utf8Encode("a message key"));
    const tampered = sealed.slice();
    tampered[size - 1] ^= 0x55;
    const bad: [string, Uint8Array][] = [
      ["tampered", tampered],
      ["one byte too long", new Uint8Array([1, ...sealed])],
      ["nine bytes short", sealed.subarray(9)],
      ["empty", new Uint8Array()],
      ["above the modulus", new Uint8Array(size).fill(0xff)],
      ["zero", new Uint8Array(size)],
    ];
    for (const [what, ciphertext] of bad) {
      assert.equal(
        await key.decrypt(ciphertext),
        undefined,
        `runtime: ${what}`,
      );
      assert.equal(
        await under(engine, () => key.decrypt(ciphertext)),
        undefined,
        `openssl: ${what}`,
      );
    }
    // random bytes below the modulus: a bad padding, never a crash or garbage
    let opened = 0;
    for (let i = 0; i < 300; i++) {
      const noise = crypto.getRandomValues(new Uint8Array(size));
      noise[0] = 0;
      const runtime = await key.decrypt(noise);
      const openssl = await under(engine, () => key.decrypt(noise));
      assert.deepEqual(openssl, runtime);
      if (openssl !== undefined) opened++;
    }
    assert.ok(opened < 5, `${opened} random ciphertexts decrypted`);
    // the good one still decrypts after all those failures
    assert.deepEqual(
      await under(engine, () => key.decrypt(sealed)),
      utf8Encode("a message key"),
    );
  },
);

withOpenssl(
  "openssl engine: evicted keys are freed and parsed again when used",
  async (engine) => {
    const keys = await Promise.all(
      Array.from({ length: 12 }, () => RsaPrivateKey.generate()),
    );
    const sealed = await Promise.all(
      keys.map((key, i) => key.publicKey.encrypt(utf8Encode(`key ${i}`))),
    );
    await under(engine, async () => {
      for (let round = 0; round < 3; round++) {
        for (const [i, key] of keys.entries()) {
          assert.deepEqual(
            await key.decrypt(sealed[i]),
            utf8Encode(`key ${i}`),
          );
          assert.ok(engine.cachedKeys <= 8);
        }
      }
    });
    assert.equal(engine.cachedKeys, 8);
    // public keys have a cache of their own
    const again = await under(engine, async () => {
      const out: Uint8Array[] = [];
      for (let round = 0; round < 2; round++) {
        for (const key of keys) {
          out.push(await key.publicKey.encrypt(utf8Encode("again")));
          assert.ok(engine.cachedKeys <= 16);
        }
      }
      return out;
    });
    assert.equal(engine.cachedKeys, 16);
    for (const [i, ciphertext] of again.entries()) {
      assert.deepEqual(
        await keys[i % keys.length].decrypt(ciphertext),
        utf8Encode("again"),
      );
    }
  },
);

Deno.test("crypto engine: auto falls back to the runtime when libcrypto is not there", async () => {
  const auto = installCryptoEngine("auto", {
    path: "/nonexistent/libcrypto.so.3",
  });
  try {
    assert.equal(auto.engine, "runtime");
    assert.match(
      auto.summary,
      /^RSA and AES engine: runtime \(node:crypto; cannot load \/nonexistent\/libcrypto\.so\.3/,
    );
    assert.equal(rsaEngine().name, "runtime");
    const key = await RsaPrivateKey.generate();
    const sealed = await key.publicKey.encrypt(utf8Encode("still works"));
    assert.deepEqual(await key.decrypt(sealed), utf8Encode("still works"));
  } finally {
    installRsaEngine(undefined);
  }
  assert.throws(
    () =>
      installCryptoEngine("openssl", { path: "/nonexistent/libcrypto.so.3" }),
    OpensslError,
  );
  assert.equal(installCryptoEngine("runtime").engine, "runtime");
  assert.equal(parseCryptoEngine("openssl"), "openssl");
  assert.equal(parseCryptoEngine("fast"), undefined);
});

Deno.test({
  name: missing === ""
    ? "crypto engine: auto takes openssl when it loads"
    : `crypto engine: auto takes openssl when it loads (ignored: ${missing})`,
  ignore: missing !== "",
  fn: () => {
    try {
      const auto = installCryptoEngine("auto");
      assert.equal(auto.engine, "openssl");
      assert.match(
        auto.summary,
        /^RSA and AES engine: openssl \(libcrypto 3\.\d+\.\d+\)$/,
      );
      assert.equal(rsaEngine().name, "openssl");
    } finally {
      installRsaEngine(undefined);
      installAesEngine(undefined);
    }
  },
});

Deno.test("crypto engine: without --allow-ffi, auto runs the runtime's and says why", async () => {
  const text = await runWithoutFfi(
    new URL("./_crypto_engine_child.ts", import.meta.url),
  );
  assert.match(
    text,
    /^RSA and AES engine: runtime \(node:crypto; cannot load libcrypto\.so\.3: .*ffi/m,
  );
  assert.match(text, /^decrypted: yes$/m);
});

withOpenssl(
  "openssl engine: a DecryptPool's workers are handed the engine and decrypt with it installed",
  async () => {
    installCryptoEngine("openssl");
    const key = await RsaPrivateKey.generate(2048);
    const pool = new DecryptPool(key, 2);
    try {
      const texts = Array.from({ length: 6 }, (_, i) => `key ${i}`);
      const sealed = await Promise.all(
        texts.map((text) => key.publicKey.encrypt(utf8Encode(text))),
      );
      const opened = await Promise.all(sealed.map((c) => pool.decrypt(c)));
      assert.equal(pool.threads, 2);
      assert.deepEqual(opened, texts.map(utf8Encode));
      const tampered = sealed[0].slice();
      tampered[9] ^= 1;
      assert.equal(await pool.decrypt(tampered), undefined);
    } finally {
      pool.close();
    }
  },
);

/**
 * A library that answers a bad PKCS#1 v1.5 padding with bytes instead of a
 * failure, as OpenSSL ≥ 3.2 does with implicit rejection on: libcrypto with
 * its `EVP_PKEY_decrypt` wrapped (every other symbol is libcrypto's own).
 */
const _IMPLICIT_REJECTION_SHIM = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
typedef int (*decrypt_fn)(void *, unsigned char *, size_t *,
                          const unsigned char *, size_t);
int EVP_PKEY_decrypt(void *ctx, unsigned char *out, size_t *outlen,
                     const unsigned char *in, size_t inlen) {
  decrypt_fn real = (decrypt_fn)dlsym(RTLD_NEXT, "EVP_PKEY_decrypt");
  if (real(ctx, out, outlen, in, inlen) == 1) return 1;
  memset(out, 0x5a, 32);
  *outlen = 32;
  return 1;
}
`;

withOpenssl(
  "openssl engine: a library that decrypts a bad padding fails the self-test, and auto falls back",
  () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-openssl-shim-" });
    try {
      const path = buildShim(dir, _IMPLICIT_REJECTION_SHIM, "libcrypto.so.3");
      assert.throws(
        () => openOpensslRsa({ path }),
        (error: unknown) =>
          error instanceof OpensslError &&
          /self-test: a ciphertext with a bad padding decrypts/.test(
            error.message,
          ),
      );
      const auto = installCryptoEngine("auto", { path });
      assert.equal(auto.engine, "runtime");
      assert.match(auto.summary, /libcrypto fails the self-test/);
      assert.equal(rsaEngine().name, "runtime");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    return Promise.resolve();
  },
);
