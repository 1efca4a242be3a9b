/**
 * The ECDSA tests of `dimp/` (the DIM vectors, high and low S, malformed
 * DER, RFC 6979 signatures byte for byte, nonces made ahead; the vectors'
 * metas and documents, whose signatures are ECDSA for ECC accounts; our
 * signatures checked by independent verifiers) run again with the system's
 * libsecp256k1 installed as the ECDSA engine. Where it does not load, one
 * ignored test says so.
 */
import assert from "node:assert/strict";
import { ecdsaEngine, installEcdsaEngine } from "../../dimp/crypto/mod.ts";
import { openLibsecp256k1 } from "../../station/libsecp256k1.ts";

let reason = "";
try {
  installEcdsaEngine(openLibsecp256k1());
} catch (error) {
  reason = (error as Error).message;
}

if (reason === "") {
  await import("../dimp/crypto/ecc_test.ts");
  await import("../dimp/crypto/independent_test.ts");
  await import("../dimp/identity/meta_test.ts");
  await import("../dimp/identity/document_test.ts");
  Deno.test("libsecp256k1 engine: the tests above ran with it", () => {
    assert.equal(ecdsaEngine().name, "libsecp256k1");
  });
} else {
  Deno.test({
    name: `libsecp256k1 engine: the ECDSA vectors (ignored: ${reason})`,
    ignore: true,
    fn: () => {},
  });
}
