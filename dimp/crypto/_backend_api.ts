/**
 * The shape of a crypto backend: the primitive operations the DIM core needs
 * and the values they exchange. `_backend.ts` picks the implementation.
 *
 * @module
 */
declare const keyHandleBrand: unique symbol;

/** An imported key object, opaque outside the backend. */
export interface KeyHandle {
  /** Marks the type; never present at run time. */
  readonly [keyHandleBrand]: true;
}

/**
 * A one-time ECDSA nonce for secp256k1, made ahead of the signature it will
 * be used for: `r` = x(k·G) mod n and `kInverse` = k⁻¹ mod n of a fresh
 * random k. Used for exactly one signature, never twice.
 */
export interface EcNonce {
  /** x(k·G) mod n, never 0. */
  readonly r: bigint;
  /** k⁻¹ mod n. */
  readonly kInverse: bigint;
}

/** A fresh RSA key pair as DER. */
export interface RsaKeyPairDer {
  /** The private key, PKCS#1 `RSAPrivateKey`. */
  readonly pkcs1: Uint8Array;
  /** The public key, `SubjectPublicKeyInfo`. */
  readonly spki: Uint8Array;
}

/** The primitive operations the DIM core needs. */
export interface CryptoBackend {
  /** Bytes from a cryptographically secure generator. */
  randomBytes(length: number): Uint8Array;
  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /** RIPEMD-160. */
  ripemd160(data: Uint8Array): Uint8Array;
  /** Keccak-256 (original padding, not FIPS SHA3). */
  keccak256(data: Uint8Array): Uint8Array;
  /** SHA-1. */
  sha1(data: Uint8Array): Uint8Array;
  /** MD5. */
  md5(data: Uint8Array): Uint8Array;

  /** Imports an RSA public key from SPKI DER. */
  rsaImportPublic(spki: Uint8Array): Promise<KeyHandle>;
  /** Imports an RSA private key from PKCS#1 DER. */
  rsaImportPrivate(pkcs1: Uint8Array): Promise<KeyHandle>;
  /** RSASSA-PKCS1-v1_5 with SHA-256. */
  rsaSign(key: KeyHandle, data: Uint8Array): Promise<Uint8Array>;
  /** RSASSA-PKCS1-v1_5 with SHA-256; `false` for any mismatch. */
  rsaVerify(
    key: KeyHandle,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
  /** RSAES-PKCS1-v1_5 encryption. */
  rsaEncrypt(key: KeyHandle, plaintext: Uint8Array): Promise<Uint8Array>;
  /** RSAES-PKCS1-v1_5 decryption; `undefined` when it fails. */
  rsaDecrypt(
    key: KeyHandle,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined>;
  /** A new RSA key pair with e = 65537. */
  rsaGenerate(modulusBits: number): Promise<RsaKeyPairDer>;

  /** Imports a secp256k1 public key from its 65-byte uncompressed point. */
  ecImportPublic(point: Uint8Array): Promise<KeyHandle>;
  /**
   * ECDSA/secp256k1 over SHA-256(data) with a DER signature whose S is
   * already low; `false` for any mismatch.
   */
  ecVerify(
    key: KeyHandle,
    data: Uint8Array,
    lowSDer: Uint8Array,
  ): Promise<boolean>;
  /** ECDSA/secp256k1 over SHA-256(data): 64-byte `r‖s`, low S, RFC 6979. */
  ecSign(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /**
   * `count` one-time nonces from the CSPRNG: a point multiplication each,
   * the costly half of an ECDSA signature.
   */
  ecNonces(count: number): EcNonce[];
  /**
   * The 65-byte uncompressed form of a 33- or 65-byte point; throws when the
   * bytes are not a point on the curve.
   */
  ecUncompressed(point: Uint8Array): Uint8Array;
  /** The 33-byte compressed form of a valid 65-byte point. */
  ecCompressed(point: Uint8Array): Uint8Array;
  /** The 65-byte public point of a 32-byte secret; throws for an invalid secret. */
  ecPublicPoint(secret: Uint8Array): Uint8Array;
  /** A new random 32-byte secret. */
  ecGenerate(): Uint8Array;

  /**
   * AES-CBC with PKCS#7 padding (key of 16, 24 or 32 bytes); a text is
   * encrypted as its UTF-8.
   */
  aesCbcEncrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array | string,
  ): Promise<Uint8Array>;
  /** AES-CBC with PKCS#7 padding; `undefined` for bad padding. */
  aesCbcDecrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined>;
}
