/**
 * The AES tests of `dimp/crypto` (the DIM vectors, the reference clients'
 * ciphertexts, every key size and IV rule, bad padding) and the message
 * vectors run again with OpenSSL's libcrypto installed as the AES engine.
 * Where libcrypto does not load, one ignored test says so.
 */
import assert from "node:assert/strict";
import { aesEngine, installAesEngine } from "../../dimp/crypto/mod.ts";
import { openOpensslAes } from "../../station/openssl_aes.ts";
import { DEFAULT_LIBCRYPTO } from "../../station/libcrypto.ts";

let reason = "";
try {
  installAesEngine(openOpensslAes(DEFAULT_LIBCRYPTO));
} catch (error) {
  reason = (error as Error).message;
}

if (reason === "") {
  await import("../dimp/crypto/aes_test.ts");
  await import("../dimp/crypto/reference_crypto_test.ts");
  await import("../dimp/message/vectors_test.ts");
  await import("../dimp/message/reference_generated_test.ts");
  Deno.test("openssl engine: the AES tests above ran with it", () => {
    assert.equal(aesEngine().name, "openssl");
  });
} else {
  Deno.test({
    name: `openssl engine: the AES vectors (ignored: ${reason})`,
    ignore: true,
    fn: () => {},
  });
}
