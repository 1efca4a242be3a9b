/**
 * Speed of the crypto and identity core: sign / verify / encrypt / decrypt
 * per algorithm, the node:crypto ECDSA verify against noble's pure-JS verify
 * (baseline, same run), ID parsing and meta verification.
 *
 * Run: deno bench -A tests/bench/crypto_bench.ts
 */
import * as secp from "@noble/secp256k1";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import * as nodeCrypto from "node:crypto";
import {
  AesKey,
  base64Decode,
  decodeEcdsaSignature,
  EccPrivateKey,
  type EccPublicKey,
  hexDecode,
  RsaPrivateKey,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import {
  Document,
  ID,
  Meta,
  MetaType,
  parseId,
} from "../../dimp/identity/mod.ts";

const KIB = new Uint8Array(1024).fill(0x61);
const TEXT = utf8Encode(
  '{"algorithm":"AES","data":"C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk="}',
);

const rsa = await RsaPrivateKey.generate();
const rsaSignature = await rsa.sign(KIB);
const rsaCiphertext = await rsa.publicKey.encrypt(TEXT);

const ecc = await EccPrivateKey.generate();
const eccPublic = ecc.publicKey as EccPublicKey;
const eccSignature = await ecc.sign(KIB);
const { r, s } = decodeEcdsaSignature(eccSignature);
const eccCompact = hexDecode(
  r.toString(16).padStart(64, "0") + s.toString(16).padStart(64, "0"),
);

const aes = AesKey.generate();
const aesParams: Record<string, unknown> = {};
const aesCiphertext = await aes.encrypt(KIB, aesParams);

Deno.bench("RSA-1024 sign 1 KiB", { group: "rsa" }, async () => {
  await rsa.sign(KIB);
});
Deno.bench(
  "RSA-1024 verify 1 KiB",
  { group: "rsa", baseline: true },
  async () => {
    await rsa.publicKey.verify(KIB, rsaSignature);
  },
);
Deno.bench("RSA-1024 encrypt (message key)", { group: "rsa" }, async () => {
  await rsa.publicKey.encrypt(TEXT);
});
Deno.bench("RSA-1024 decrypt (message key)", { group: "rsa" }, async () => {
  await rsa.decrypt(rsaCiphertext);
});

Deno.bench(
  "ECC secp256k1 sign 1 KiB (noble, RFC 6979)",
  { group: "ecc-sign" },
  async () => {
    await ecc.sign(KIB);
  },
);
Deno.bench("ECC secp256k1 verify 1 KiB (ours: node:crypto)", {
  group: "ecc-verify",
  baseline: true,
}, async () => {
  await eccPublic.verify(KIB, eccSignature);
});
Deno.bench("ECC secp256k1 verify 1 KiB (noble pure JS)", {
  group: "ecc-verify",
}, () => {
  secp.verify(eccCompact, nobleSha256(KIB), eccPublic.point, {
    prehash: false,
    lowS: false,
  });
});

// the backend keeps a node:crypto cipher per key (dimp/crypto/_kept_cbc.ts);
// the baselines make one per message, as it did before
const aesIv = hexDecode("000102030405060708090a0b0c0d0e0f");
Deno.bench("AES-256-CBC encrypt 1 KiB, a new node:crypto cipher", {
  group: "aes-encrypt",
  baseline: true,
}, () => {
  const cipher = nodeCrypto.createCipheriv("aes-256-cbc", aes.secret, aesIv);
  cipher.update(KIB);
  cipher.final();
});
Deno.bench("AES-256-CBC encrypt 1 KiB", { group: "aes-encrypt" }, async () => {
  await aes.encrypt(KIB, { IV: aesParams.IV });
});
// a receipt array message's content is ~10 KB at --rate 2000 (~10 receipts)
const TEN_KIB = new Uint8Array(10 * 1024).fill(0x61);
Deno.bench(
  "AES-256-CBC encrypt 10 KiB",
  { group: "aes-encrypt-10k" },
  async () => {
    await aes.encrypt(TEN_KIB, { IV: aesParams.IV });
  },
);
Deno.bench("AES-256-CBC decrypt 1 KiB, a new node:crypto cipher", {
  group: "aes-decrypt",
  baseline: true,
}, () => {
  const decipher = nodeCrypto.createDecipheriv(
    "aes-256-cbc",
    aes.secret,
    base64Decode(aesParams.IV as string),
  );
  decipher.update(aesCiphertext);
  decipher.final();
});
Deno.bench("AES-256-CBC decrypt 1 KiB", { group: "aes-decrypt" }, async () => {
  await aes.decrypt(aesCiphertext, aesParams);
});

const IDS = [
  "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
  "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC",
  "0xC40156Dd85bA6D604Ff97496FD9df74f0de22793",
  "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj/phone",
];
let next = 0;
Deno.bench("ID parse (cached)", { group: "id" }, () => {
  parseId(IDS[next++ % IDS.length]);
});
Deno.bench("ID parse (uncached: base58 + checksum)", {
  group: "id",
  baseline: true,
}, () => {
  ID.parseUncached(IDS[next++ % IDS.length]);
});

const rsaMeta = (await Meta.generate(MetaType.MKM, rsa, "station"))
  .toDictionary();
const eccMeta = (await Meta.generate(MetaType.MKM, ecc, "station"))
  .toDictionary();
Deno.bench("meta parse + verify (RSA, MKM)", { group: "meta" }, async () => {
  await Meta.parse(rsaMeta).checkValid();
});
Deno.bench("meta parse + verify (ECC, MKM)", { group: "meta" }, async () => {
  await Meta.parse(eccMeta).checkValid();
});

const meta = Meta.parse(eccMeta);
const visa = Document.create(meta.generateId(2));
visa.setProperty("name", "bench");
visa.setVisaKey(rsa.publicKey);
await visa.sign(ecc);
const visaJson = visa.toDictionary();
Deno.bench("visa parse + verify (ECC)", { group: "meta" }, async () => {
  await Document.parse(visaJson).checkSignature(meta.key);
});
