/**
 * The key interfaces every DIM key implements, and the algorithm names
 * (with the aliases the references write, spec identity.md §8.1).
 *
 * @module
 */
/**
 * Canonical algorithm names.
 */
export const KeyAlgorithm = {
  /** RSA-1024: PKCS#1 v1.5 signatures (SHA-256) and encryption. */
  RSA: "RSA",
  /** secp256k1: ECDSA over SHA-256, DER signatures. */
  ECC: "ECC",
  /** AES-CBC with PKCS#7 padding (message and file keys). */
  AES: "AES",
  /** No encryption (broadcast messages). */
  PLAIN: "PLAIN",
} as const;

/** One of the canonical algorithm names. */
export type KeyAlgorithm = typeof KeyAlgorithm[keyof typeof KeyAlgorithm];

const ALIASES: Readonly<Record<string, KeyAlgorithm>> = {
  "RSA": "RSA",
  "SHA256withRSA": "RSA",
  "RSA/ECB/PKCS1Padding": "RSA",
  "ECC": "ECC",
  "SHA256withECDSA": "ECC",
  "AES": "AES",
  "AES/CBC/PKCS7Padding": "AES",
  "PLAIN": "PLAIN",
};

/**
 * The canonical name for an algorithm name or alias (`SHA256withRSA` and
 * `RSA/ECB/PKCS1Padding` → `RSA`, `SHA256withECDSA` → `ECC`,
 * `AES/CBC/PKCS7Padding` → `AES`); `undefined` for anything else.
 *
 * @example
 * ```ts
 * canonicalAlgorithm("SHA256withECDSA"); // "ECC"
 * ```
 */
export function canonicalAlgorithm(name: unknown): KeyAlgorithm | undefined {
  return typeof name === "string" && Object.hasOwn(ALIASES, name)
    ? ALIASES[name]
    : undefined;
}

/**
 * What every key has: its algorithm and its JSON form.
 */
export interface Key {
  /** The canonical algorithm name. */
  readonly algorithm: KeyAlgorithm;
  /**
   * The dictionary that goes on the wire (a copy). For a parsed key: the
   * received dictionary with its unknown members.
   */
  toDictionary(): Record<string, unknown>;
  /** Same as {@link Key.toDictionary}, for `JSON.stringify`. */
  toJSON(): Record<string, unknown>;
}

/**
 * A public key (meta key, visa key): verifies, and RSA keys also encrypt.
 */
export interface PublicKey extends Key {
  /** `RSA` or `ECC`. */
  readonly algorithm: "RSA" | "ECC";
  /**
   * The key bytes addresses are computed from: RSA — DER
   * SubjectPublicKeyInfo; ECC — the 65-byte uncompressed point (33-byte
   * compressed when the key JSON says `"compressed": true`).
   */
  readonly data: Uint8Array;
  /**
   * Checks a signature over `data`; `false` for a wrong or malformed
   * signature (never throws for bad signatures).
   */
  verify(data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /**
   * Like {@link PublicKey.verify}, but says why it failed.
   *
   * @throws {SignatureFormatError} the signature cannot be one of this key
   * @throws {SignatureMismatchError} it is well-formed but does not verify
   */
  verifyOrThrow(data: Uint8Array, signature: Uint8Array): Promise<void>;
  /**
   * Encrypts for the holder of the private key (RSA only; `undefined` for
   * ECC keys, which DIM never uses for encryption).
   */
  encrypt?(plaintext: Uint8Array): Promise<Uint8Array>;
  /** Whether both are the same key material (the JSON may differ). */
  equals(other: PublicKey): boolean;
}

/**
 * A private key: signs, and RSA keys also decrypt.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * import { generatePrivateKey } from "./key_factory.ts";
 * const key: PrivateKey = await generatePrivateKey("ECC");
 * const signature = await key.sign(utf8Encode("moky"));
 * await key.publicKey.verify(utf8Encode("moky"), signature); // true
 * ```
 */
export interface PrivateKey extends Key {
  /** `RSA` or `ECC`. */
  readonly algorithm: "RSA" | "ECC";
  /** The matching public key. */
  readonly publicKey: PublicKey;
  /** Signs `data` (RSA: PKCS#1 v1.5 / SHA-256; ECC: DER ECDSA / SHA-256, low S). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decrypts what {@link PublicKey.encrypt} made (RSA only); resolves to
   * `undefined` when the ciphertext does not decrypt with this key.
   */
  decrypt?(ciphertext: Uint8Array): Promise<Uint8Array | undefined>;
}

/**
 * A symmetric key (message or file key): AES or PLAIN.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * import { generateSymmetricKey } from "./key_factory.ts";
 * const key: SymmetricKey = generateSymmetricKey();
 * const message: Record<string, unknown> = {};
 * const data = await key.encrypt(utf8Encode("moky"), message); // sets message.IV
 * ```
 */
export interface SymmetricKey extends Key {
  /** `AES` or `PLAIN`. */
  readonly algorithm: "AES" | "PLAIN";
  /**
   * Encrypts `plaintext` (a text: its UTF-8, which the AES key writes
   * straight into its cipher's input, no array of its own). `params` is the
   * message dictionary: the IV is read from it (`IV`, `iv`) and a fresh
   * random IV is written to `params.IV`.
   */
  encrypt(
    plaintext: Uint8Array | string,
    params: Record<string, unknown>,
  ): Promise<Uint8Array>;
  /**
   * Decrypts `ciphertext` with the IV found in `params` (or the key); resolves
   * to `undefined` when the padding is bad (wrong key).
   */
  decrypt(
    ciphertext: Uint8Array,
    params: Record<string, unknown>,
  ): Promise<Uint8Array | undefined>;
}
