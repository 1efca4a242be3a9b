/**
 * DIM cryptography: encodings (base64, base58, hex, UTF-8, TED, PNF),
 * digests, and the RSA / ECC / AES / PLAIN keys with the exact wire rules of
 * the DIM references (spec identity.md §2, §3, §8). Pure: no sockets, no
 * disk.
 *
 * @example
 * ```ts
 * import { generatePrivateKey, utf8Encode } from "./mod.ts";
 *
 * const key = await generatePrivateKey("ECC");
 * const signature = await key.sign(utf8Encode("moky"));
 * await key.publicKey.verify(utf8Encode("moky"), signature); // true
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./encoding.ts";
export * from "./ted.ts";
export * from "./pnf.ts";
export * from "./digest.ts";
export * from "./key.ts";
export { RSA_MODULUS_BITS, RsaPrivateKey, RsaPublicKey } from "./rsa.ts";
export { installRsaEngine, type RsaEngine, rsaEngine } from "./rsa_engine.ts";
export { type AesEngine, aesEngine, installAesEngine } from "./aes_engine.ts";
export {
  type EcdsaEngine,
  ecdsaEngine,
  type EcdsaNonce,
  installEcdsaEngine,
} from "./ecdsa_engine.ts";
export {
  addVerified,
  collectVerified,
  decodeEcdsaSignature,
  EccPrivateKey,
  EccPublicKey,
  ecdsaNoncesFrom,
  type EcdsaSignature,
  encodeEcdsaSignature,
  isLowS,
  makeEcdsaNonce,
  makeEcdsaNonces,
} from "./ecc.ts";
export { AES_KEY_BYTES, AesKey } from "./aes.ts";
export { PLAIN_KEY, PlainKey } from "./plain.ts";
export * from "./key_factory.ts";
