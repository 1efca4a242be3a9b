/**
 * The RSA engines per operation: OpenSSL's libcrypto through FFI
 * (`station/openssl_rsa.ts`) against the runtime's `node:crypto` (baseline,
 * same run), RSA-1024 as DIM generates: the decryption of a sealed message
 * key (one per handshake on each side), the encryption of one, an RSA
 * signature and its verification. Without libcrypto only the runtime's run.
 *
 * Run: deno bench -A tests/bench/rsa_engine_bench.ts
 */
import {
  installRsaEngine,
  type RsaEngine,
  RsaPrivateKey,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import { openOpensslRsa } from "../../station/openssl_rsa.ts";

const TEXT = utf8Encode(
  '{"algorithm":"AES","data":"C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk="}',
);
const KIB = new Uint8Array(1024).fill(0x61);

const key = await RsaPrivateKey.generate();
const sealed = await key.publicKey.encrypt(TEXT);
const signature = await key.sign(KIB);

const engines: [string, RsaEngine | undefined][] = [["runtime", undefined]];
try {
  engines.push(["openssl", openOpensslRsa()]);
} catch {
  // no libcrypto here: the runtime's only
}

for (const [name, engine] of engines) {
  const baseline = engine === undefined;
  Deno.bench(`RSA-1024 decrypt (message key), ${name}`, {
    group: "decrypt",
    baseline,
  }, async () => {
    installRsaEngine(engine);
    await key.decrypt(sealed);
  });
  Deno.bench(`RSA-1024 encrypt (message key), ${name}`, {
    group: "encrypt",
    baseline,
  }, async () => {
    installRsaEngine(engine);
    await key.publicKey.encrypt(TEXT);
  });
  Deno.bench(`RSA-1024 sign 1 KiB, ${name}`, {
    group: "sign",
    baseline,
  }, async () => {
    installRsaEngine(engine);
    await key.sign(KIB);
  });
  Deno.bench(`RSA-1024 verify 1 KiB, ${name}`, {
    group: "verify",
    baseline,
  }, async () => {
    installRsaEngine(engine);
    await key.publicKey.verify(KIB, signature);
  });
}
