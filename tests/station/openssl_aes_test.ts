/**
 * The OpenSSL AES engine (libcrypto through FFI, one kept cipher context)
 * against the runtime's `node:crypto`: the same bytes for many messages
 * under new and repeated keys of each size, what one seals the other
 * opens, bad padding, partial blocks and wrong keys refused; its
 * self-test refuses a library that accepts a bad padding, and the engine
 * choice then falls back for RSA and AES. Real libcrypto; where it does
 * not load, the tests that need it are ignored and say why.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv } from "node:crypto";
import {
  aesEngine,
  AesKey,
  installAesEngine,
  installRsaEngine,
  parseSymmetricKey,
  rsaEngine,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import { installCryptoEngine } from "../../station/crypto_engine.ts";
import {
  openOpensslAes,
  type OpensslAesEngine,
} from "../../station/openssl_aes.ts";
import { DEFAULT_LIBCRYPTO, OpensslError } from "../../station/libcrypto.ts";
import { buildShim } from "./_ffi_tools.ts";

let missing = "";
try {
  openOpensslAes(DEFAULT_LIBCRYPTO).close();
} catch (error) {
  missing = `libcrypto does not load: ${(error as Error).message}`;
}

/** A test that needs libcrypto: ignored, with the reason, where it is absent. */
function withOpenssl(
  name: string,
  fn: (engine: OpensslAesEngine) => Promise<void>,
): void {
  Deno.test({
    name: missing === "" ? name : `${name} (ignored: ${missing})`,
    ignore: missing !== "",
    fn: async () => {
      const engine = openOpensslAes(DEFAULT_LIBCRYPTO);
      try {
        await fn(engine);
      } finally {
        installAesEngine(undefined);
        engine.close();
      }
    },
  });
}

/** `length` random bytes. */
function random(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** A one-shot `node:crypto` cipher's bytes (a new cipher per message). */
function fresh(
  mode: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const cipher = mode === "encrypt"
    ? createCipheriv(`aes-${key.length * 8}-cbc`, key, iv)
    : createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

withOpenssl(
  "openssl aes: many messages under new and repeated keys give a fresh node:crypto cipher's bytes",
  async (engine) => {
    const kept = [random(16), random(32)];
    for (let i = 0; i < 600; i++) {
      // every third message under a key used before, the others new
      const key = i % 3 === 0 ? kept[i % 2] : random(i % 2 === 0 ? 16 : 32);
      const iv = random(16);
      const plaintext = random((i * 37) % 1500);
      const sealed = await engine.encrypt(key, iv, plaintext);
      assert.deepEqual(sealed, fresh("encrypt", key, iv, plaintext));
      assert.deepEqual(await engine.decrypt(key, iv, sealed), plaintext);
      // a text is sealed as its UTF-8
      const text = `message ${i} ✓`;
      assert.deepEqual(
        await engine.encrypt(key, iv, text),
        fresh("encrypt", key, iv, utf8Encode(text)),
      );
    }
    // larger than its first output buffer
    const key = random(32), iv = random(16);
    const big = new Uint8Array(70_000).map((_, i) => i * 7);
    const sealed = await engine.encrypt(key, iv, big);
    assert.deepEqual(sealed, fresh("encrypt", key, iv, big));
    assert.deepEqual(await engine.decrypt(key, iv, sealed), big);
  },
);

withOpenssl(
  "openssl aes: AES-192 keys seal and open as Web Crypto's",
  async (engine) => {
    for (let i = 0; i < 20; i++) {
      const key = random(24), iv = random(16);
      const plaintext = random(i * 13);
      const webKey = await crypto.subtle.importKey(
        "raw",
        key,
        "AES-CBC",
        false,
        ["encrypt"],
      );
      const expected = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-CBC", iv }, webKey, plaintext),
      );
      assert.deepEqual(await engine.encrypt(key, iv, plaintext), expected);
      assert.deepEqual(await engine.decrypt(key, iv, expected), plaintext);
    }
  },
);

withOpenssl(
  "openssl aes: bad padding, partial blocks and wrong keys do not decrypt; bad keys and IVs throw",
  async (engine) => {
    const key = random(32), iv = random(16);
    // blocks deciphering to each invalid last byte: 0 and 17..255, and a
    // pad of 4 whose other bytes are not 4
    for (const last of [0, 17, 100, 255]) {
      const block = new Uint8Array(16).fill(last);
      const raw = createCipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
      const unpadded = new Uint8Array(raw.update(block));
      assert.equal(await engine.decrypt(key, iv, unpadded), undefined);
    }
    const uneven = new Uint8Array(16).fill(4);
    uneven[13] = 5;
    const raw = createCipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
    const badPad = new Uint8Array(raw.update(uneven));
    assert.equal(await engine.decrypt(key, iv, badPad), undefined);
    const sealed = await engine.encrypt(key, iv, random(40));
    assert.equal(await engine.decrypt(key, iv, sealed.subarray(1)), undefined);
    assert.equal(await engine.decrypt(key, iv, new Uint8Array()), undefined);
    // a wrong key: never the plaintext (a random padding is almost always bad)
    const plaintext = utf8Encode("the right key only");
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const opened = await engine.decrypt(
        random(32),
        iv,
        await engine.encrypt(key, iv, plaintext),
      );
      assert.notDeepEqual(opened, plaintext);
      if (opened === undefined) refused++;
    }
    assert.ok(refused > 150, `${refused} of 200 refused`);
    await assert.rejects(
      async () => await engine.encrypt(random(20), iv, plaintext),
      OpensslError,
    );
    assert.throws(
      () => engine.encrypt(key, new Uint8Array(8), plaintext),
      OpensslError,
    );
    // after a refusal and an error the kept context still works
    assert.deepEqual(
      await engine.decrypt(key, iv, await engine.encrypt(key, iv, plaintext)),
      plaintext,
    );
  },
);

withOpenssl(
  "openssl aes: installed, AesKey seals and opens with it as with the runtime's",
  async (engine) => {
    const key = AesKey.generate();
    const params: Record<string, unknown> = {};
    const runtime = await key.encrypt("hello", params);
    installAesEngine(engine);
    assert.equal(aesEngine().name, "openssl");
    assert.deepEqual(await key.encrypt("hello", params), runtime);
    assert.deepEqual(await key.decrypt(runtime, params), utf8Encode("hello"));
    const again = parseSymmetricKey(key.toDictionary());
    assert.deepEqual(await again.decrypt(runtime, params), utf8Encode("hello"));
  },
);

withOpenssl("openssl aes: a closed engine throws", async (engine) => {
  engine.close();
  assert.throws(
    () => engine.encrypt(random(16), random(16), "x"),
    OpensslError,
  );
  engine.close();
  await Promise.resolve();
});

/**
 * A library that takes any padding, as a broken build might: libcrypto
 * with `EVP_CipherFinal_ex` wrapped to report success always.
 */
const _ANY_PADDING_SHIM = `#define _GNU_SOURCE
#include <dlfcn.h>
typedef int (*final_fn)(void *, unsigned char *, int *);
int EVP_CipherFinal_ex(void *ctx, unsigned char *out, int *outl) {
  final_fn real = (final_fn)dlsym(RTLD_NEXT, "EVP_CipherFinal_ex");
  if (real(ctx, out, outl) == 1) return 1;
  *outl = 0;
  return 1;
}
`;

withOpenssl(
  "openssl aes: a library that takes a bad padding fails the self-test, and auto keeps the runtime's RSA and AES",
  () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-openssl-aes-shim-" });
    try {
      const path = buildShim(dir, _ANY_PADDING_SHIM, DEFAULT_LIBCRYPTO);
      assert.throws(
        () => openOpensslAes(path),
        (error: unknown) =>
          error instanceof OpensslError &&
          /self-test: a bad padding decrypts/.test(error.message),
      );
      const auto = installCryptoEngine("auto", { path });
      assert.equal(auto.engine, "runtime");
      assert.match(auto.summary, /^RSA and AES engine: runtime .*self-test/);
      assert.equal(rsaEngine().name, "runtime");
      assert.equal(aesEngine().name, "runtime");
      assert.throws(
        () => installCryptoEngine("openssl", { path }),
        OpensslError,
      );
    } finally {
      installRsaEngine(undefined);
      installAesEngine(undefined);
      Deno.removeSync(dir, { recursive: true });
    }
    return Promise.resolve();
  },
);

Deno.test({
  name: missing === ""
    ? "crypto engine: auto installs openssl for AES too, runtime puts the runtime's back"
    : `crypto engine: auto installs openssl for AES too (ignored: ${missing})`,
  ignore: missing !== "",
  fn: () => {
    try {
      assert.equal(installCryptoEngine("auto").engine, "openssl");
      assert.equal(aesEngine().name, "openssl");
      assert.equal(installCryptoEngine("runtime").engine, "runtime");
      assert.equal(aesEngine().name, "runtime");
    } finally {
      installRsaEngine(undefined);
      installAesEngine(undefined);
    }
  },
});
