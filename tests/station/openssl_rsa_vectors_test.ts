/**
 * The RSA tests of `dimp/crypto` (the DIM vectors, the reference clients'
 * keys and ciphertexts, every key form, bad signatures, JSEncrypt's short
 * values) run again with OpenSSL's libcrypto installed as the RSA engine.
 * Where libcrypto does not load, one ignored test says so.
 */
import assert from "node:assert/strict";
import { installRsaEngine, rsaEngine } from "../../dimp/crypto/mod.ts";
import { openOpensslRsa } from "../../station/openssl_rsa.ts";

let reason = "";
try {
  installRsaEngine(openOpensslRsa());
} catch (error) {
  reason = (error as Error).message;
}

if (reason === "") {
  await import("../dimp/crypto/rsa_test.ts");
  await import("../dimp/crypto/reference_crypto_test.ts");
  Deno.test("openssl engine: the tests above ran with it", () => {
    assert.equal(rsaEngine().name, "openssl");
  });
} else {
  Deno.test({
    name: `openssl engine: the RSA vectors (ignored: ${reason})`,
    ignore: true,
    fn: () => {},
  });
}
