/**
 * The ECDSA (secp256k1) verification a station makes three times for a user
 * it has never seen (the first offer, the new visa, the second offer: every
 * signature new, none found in the verified-signature cache), by primitive:
 * node:crypto (OpenSSL, what the crypto backend uses) from a kept
 * `KeyObject` and from the SPKI bytes, the key's import alone, and
 * `@noble/secp256k1` (pure JS, in deno.lock; `@noble/hashes` and
 * `@noble/ciphers` there have no ECDSA, and Web Crypto has no secp256k1),
 * then our `EccPublicKey.verify` on signatures it has not seen (a cache
 * miss: the DER check, the cache id's SHA-256, the backend's verification).
 * `tests/bench/crypto_bench.ts`'s "ours" figure verifies one signature
 * again and again: a hit of that cache, not a verification.
 *
 * Run: `deno bench -A tests/bench/ecdsa_verify_bench.ts`
 *
 * @module
 */
import * as secp from "@noble/secp256k1";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import * as nodeCrypto from "node:crypto";
import { Buffer } from "node:buffer";
import {
  decodeEcdsaSignature,
  EccPrivateKey,
  type EccPublicKey,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";

/** More distinct signatures than the verified-signature cache keeps (1,024). */
const COUNT = 4096;
/** A handshake offer's `data` is a few hundred bytes of ciphertext. */
const DATA = new Uint8Array(320).fill(0x61);

const key = await EccPrivateKey.generate();
const publicKey = key.publicKey as EccPublicKey;
const messages: Uint8Array[] = [];
const signatures: Uint8Array[] = [];
for (let i = 0; i < COUNT; i++) {
  const data = DATA.slice();
  data.set(utf8Encode(String(i)));
  messages.push(data);
  signatures.push(await key.sign(data));
}
const compact = signatures.map((der) => {
  const { r, s } = decodeEcdsaSignature(der);
  return Uint8Array.fromHex(
    r.toString(16).padStart(64, "0") + s.toString(16).padStart(64, "0"),
  );
});
const spki = {
  key: Buffer.concat([
    Buffer.from("3056301006072a8648ce3d020106052b8104000a034200", "hex"),
    publicKey.point,
  ]),
  format: "der",
  type: "spki",
} as const;
const keyObject = nodeCrypto.createPublicKey(spki);

let next = 0;
function take(): number {
  next = (next + 1) % COUNT;
  return next;
}

function check(ok: boolean): void {
  if (!ok) throw new Error("a valid signature did not verify");
}

Deno.bench("node:crypto verify, kept KeyObject", {
  group: "ecdsa-verify",
  baseline: true,
}, () => {
  const i = take();
  check(nodeCrypto.verify("sha256", messages[i], keyObject, signatures[i]));
});
Deno.bench("node:crypto verify, key from SPKI DER each call", {
  group: "ecdsa-verify",
}, () => {
  const i = take();
  check(nodeCrypto.verify("sha256", messages[i], spki, signatures[i]));
});
Deno.bench("node:crypto createPublicKey (SPKI DER) alone", {
  group: "ecdsa-verify",
}, () => {
  nodeCrypto.createPublicKey(spki);
});
Deno.bench("@noble/secp256k1 verify (SHA-256 by @noble/hashes)", {
  group: "ecdsa-verify",
}, () => {
  const i = take();
  check(
    secp.verify(compact[i], nobleSha256(messages[i]), publicKey.point, {
      prehash: false,
      lowS: false,
    }),
  );
});
Deno.bench("EccPublicKey.verify, a signature not seen before", {
  group: "ecdsa-verify",
}, async () => {
  const i = take();
  check(await publicKey.verify(messages[i], signatures[i]));
});
