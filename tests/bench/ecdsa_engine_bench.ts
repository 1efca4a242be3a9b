/**
 * The ECDSA secp256k1 engines per operation: the system's libsecp256k1
 * through FFI (`station/libsecp256k1.ts`) against the runtime's engine
 * (`node:crypto` verifies, noble signs; baseline, same run): a verification
 * of a low-S and of a high-S signature (the key's handle kept, as a key
 * object keeps it), a signature, and a signature with a nonce
 * made ahead (`signWithNonce`, the same in both: plain arithmetic; its
 * nonces made before the clock), and a batch of 128 such nonces (as the
 * station's signer thread makes them). The
 * signatures cycle through 4,096 data, more than the cache of verified
 * signatures keeps (1,024), so every verification is made. Without
 * libsecp256k1 only the runtime's run.
 *
 * Run: deno bench -A tests/bench/ecdsa_engine_bench.ts
 */
import {
  decodeEcdsaSignature,
  EccPrivateKey,
  type EcdsaEngine,
  encodeEcdsaSignature,
  installEcdsaEngine,
  makeEcdsaNonces,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import { openLibsecp256k1 } from "../../station/libsecp256k1.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** About a visa's signed bytes. */
const DATA = utf8Encode(JSON.stringify({ a: "x".repeat(300) }));
const COUNT = 4096;

const key = await EccPrivateKey.generate();
/** Distinct data, their low-S signatures and the high-S twins. */
const datas = Array.from(
  { length: COUNT },
  (_, i) => utf8Encode(`${i} ${"x".repeat(300)}`),
);
const lows = await Promise.all(datas.map((data) => key.sign(data)));
const highs = lows.map((der) => {
  const { r, s } = decodeEcdsaSignature(der);
  return encodeEcdsaSignature({ r, s: N - s });
});

const engines: [string, EcdsaEngine | undefined][] = [["runtime", undefined]];
try {
  engines.push(["libsecp256k1", openLibsecp256k1()]);
} catch {
  // no libsecp256k1 here: the runtime's only
}

for (const [name, engine] of engines) {
  const baseline = engine === undefined;
  let i = 0;
  let j = 0;
  Deno.bench(`ECDSA verify (low S), ${name}`, {
    group: "verify",
    baseline,
  }, async () => {
    installEcdsaEngine(engine);
    const at = i++ % COUNT;
    if (!await key.publicKey.verify(datas[at], lows[at])) throw new Error();
  });
  Deno.bench(`ECDSA verify (high S), ${name}`, {
    group: "verify-high",
    baseline,
  }, async () => {
    installEcdsaEngine(engine);
    const at = j++ % COUNT;
    if (!await key.publicKey.verify(datas[at], highs[at])) throw new Error();
  });
  Deno.bench(`ECDSA sign, ${name}`, {
    group: "sign",
    baseline,
  }, async () => {
    installEcdsaEngine(engine);
    await key.sign(DATA);
  });
  Deno.bench(`ECDSA nonces made ahead, a batch of 128, ${name}`, {
    group: "nonces",
    baseline,
    n: 50,
  }, () => {
    installEcdsaEngine(engine);
    makeEcdsaNonces(128);
  });
}
installEcdsaEngine(undefined);
let nonces = makeEcdsaNonces(1024);
Deno.bench("ECDSA sign with a nonce made ahead (either engine)", {
  group: "sign",
}, () => {
  if (nonces.length === 0) nonces = makeEcdsaNonces(1024);
  key.signWithNonce(DATA, nonces.pop()!);
});
