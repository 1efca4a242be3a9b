/**
 * Reading keys from their JSON dictionaries and making new ones.
 *
 * @module
 */
import { AesKey } from "./aes.ts";
import { EccPrivateKey, EccPublicKey } from "./ecc.ts";
import { utf8Encode } from "./encoding.ts";
import { UnsupportedAlgorithmError } from "./errors.ts";
import { keyDictionary } from "./_key_json.ts";
import {
  canonicalAlgorithm,
  type Key,
  type PrivateKey,
  type PublicKey,
  type SymmetricKey,
} from "./key.ts";
import { PLAIN_KEY } from "./plain.ts";
import { RsaPrivateKey, RsaPublicKey } from "./rsa.ts";

/**
 * Reads a public key (`RSA` or `ECC`, with aliases); unknown members are kept.
 *
 * @throws {UnsupportedAlgorithmError} another or no algorithm
 * @throws {KeyFormatError} not an object, no `data`, or data that does not parse
 */
export function parsePublicKey(value: unknown): PublicKey {
  const dict = keyDictionary(value);
  switch (canonicalAlgorithm(dict.algorithm)) {
    case "RSA":
      return RsaPublicKey.fromDictionary(dict);
    case "ECC":
      return EccPublicKey.fromDictionary(dict);
  }
  throw new UnsupportedAlgorithmError(dict.algorithm);
}

/**
 * Reads a private key (`RSA` or `ECC`, with aliases).
 *
 * @throws {UnsupportedAlgorithmError} another or no algorithm
 * @throws {KeyFormatError} not an object, no `data`, or data that does not parse
 */
export function parsePrivateKey(value: unknown): PrivateKey {
  const dict = keyDictionary(value);
  switch (canonicalAlgorithm(dict.algorithm)) {
    case "RSA":
      return RsaPrivateKey.fromDictionary(dict);
    case "ECC":
      return EccPrivateKey.fromDictionary(dict);
  }
  throw new UnsupportedAlgorithmError(dict.algorithm);
}

/**
 * Reads a symmetric key: `AES` (with aliases) or `PLAIN`; the short member
 * names `A`/`D`/`I` of the v2.x message shortener are understood.
 *
 * @throws {UnsupportedAlgorithmError} another or no algorithm
 * @throws {KeyFormatError} not an object, no `data`, bad base64 or length
 * @example
 * ```ts
 * const key = parseSymmetricKey({ A: "AES", D: "C2+xGizLL1G1+z9QLPYNdp/bPP/seDvNw45SXPAvQqk=" });
 * ```
 */
export function parseSymmetricKey(value: unknown): SymmetricKey {
  const dict = keyDictionary(value);
  const algorithm = dict.algorithm ?? dict.A;
  switch (canonicalAlgorithm(algorithm)) {
    case "AES":
      return AesKey.fromDictionary(dict);
    case "PLAIN":
      return PLAIN_KEY;
  }
  throw new UnsupportedAlgorithmError(algorithm);
}

/**
 * Makes a new private key: RSA-1024 (e = 65537) or secp256k1.
 *
 * @example
 * ```ts
 * const idKey = await generatePrivateKey("ECC");
 * const visaKey = await generatePrivateKey("RSA");
 * ```
 */
export function generatePrivateKey(
  algorithm: "RSA" | "ECC",
): Promise<PrivateKey> {
  switch (algorithm) {
    case "RSA":
      return RsaPrivateKey.generate();
    case "ECC":
      return EccPrivateKey.generate();
  }
  throw new UnsupportedAlgorithmError(algorithm);
}

/**
 * Makes a new AES-256 key from the CSPRNG.
 *
 * @example
 * ```ts
 * const messageKey = generateSymmetricKey();
 * ```
 */
export function generateSymmetricKey(): SymmetricKey {
  return AesKey.generate();
}

const PROBE = utf8Encode("Moky loves May Lee forever!");

/**
 * Whether a private key belongs to a public key (signs a fixed text and
 * verifies it), or — for two symmetric keys — whether one decrypts what the
 * other encrypts.
 */
export async function isKeyPair(
  privateKey: PrivateKey | SymmetricKey,
  publicKey: PublicKey | SymmetricKey,
): Promise<boolean> {
  if (isPrivateKey(privateKey) && isPublicKey(publicKey)) {
    return publicKey.verify(PROBE, await privateKey.sign(PROBE));
  }
  if (isPrivateKey(privateKey) || isPublicKey(publicKey)) return false;
  const params: Record<string, unknown> = {};
  const plaintext = await publicKey.decrypt(
    await privateKey.encrypt(PROBE, params),
    params,
  );
  return plaintext !== undefined &&
    plaintext.length === PROBE.length &&
    plaintext.every((b, i) => b === PROBE[i]);
}

function isPrivateKey(key: Key): key is PrivateKey {
  return "sign" in key;
}

function isPublicKey(key: Key): key is PublicKey {
  return "verify" in key;
}
