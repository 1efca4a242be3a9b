/**
 * Typed errors of the crypto layer. Every failure to read bytes, keys or
 * signatures throws one of these, so callers can tell bad input apart from
 * bugs.
 *
 * @module
 */

/**
 * Base class of every crypto error.
 *
 * @example
 * ```ts
 * import { base64Decode } from "./encoding.ts";
 * try {
 *   base64Decode("bW9reQ");
 * } catch (e) {
 *   if (e instanceof CryptoError) console.log(e.name);
 * }
 * ```
 */
export class CryptoError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CryptoError";
  }
}

/**
 * Bytes written as text (base64, base58, hex, UTF-8, TED, PNF) that do not
 * decode.
 */
export class EncodingError extends CryptoError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EncodingError";
  }
}

/**
 * A key dictionary whose `data` is not a key of its algorithm: a bad PEM, a
 * DER structure that does not parse, a point not on the curve, a key without
 * `data`.
 */
export class KeyFormatError extends CryptoError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyFormatError";
  }
}

/**
 * A key dictionary whose `algorithm` we do not implement (or that has none).
 */
export class UnsupportedAlgorithmError extends CryptoError {
  /** The algorithm name as received (`undefined` when it was missing). */
  readonly algorithm: unknown;

  /** Creates the error for the given algorithm name. */
  constructor(algorithm: unknown, message?: string) {
    super(message ?? `unsupported algorithm: ${JSON.stringify(algorithm)}`);
    this.name = "UnsupportedAlgorithmError";
    this.algorithm = algorithm;
  }
}

/**
 * A signature that cannot be a signature of its key: wrong length for an RSA
 * modulus, not a minimal DER `SEQUENCE { r, s }` for ECDSA, `r` or `s` out of
 * range.
 */
export class SignatureFormatError extends CryptoError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SignatureFormatError";
  }
}

/**
 * A well-formed signature that does not verify with the key (tampered data,
 * tampered signature, or another key).
 */
export class SignatureMismatchError extends CryptoError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SignatureMismatchError";
  }
}
