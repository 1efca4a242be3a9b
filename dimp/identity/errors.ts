/**
 * Typed errors of the identity layer (IDs, addresses, metas, documents).
 * Key and encoding failures underneath keep their crypto error types
 * (`KeyFormatError`, `UnsupportedAlgorithmError`, `EncodingError`, ...).
 *
 * @module
 */

/**
 * Base class of every identity error.
 *
 * @example
 * ```ts
 * import { parseId } from "./id.ts";
 * try { parseId("bad"); } catch (e) { e instanceof IdentityError; } // true
 * ```
 */
export class IdentityError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IdentityError";
  }
}

/**
 * A string that is not an ID (wrong length, two `@`, empty name or terminal,
 * an address that does not parse).
 */
export class IdFormatError extends IdentityError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IdFormatError";
  }
}

/**
 * An address that does not parse: wrong length, bad base58, not 25 bytes,
 * not `0x` + 40 alphanumerics.
 */
export class AddressFormatError extends IdFormatError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AddressFormatError";
  }
}

/**
 * A BTC-style address whose 4-byte check code does not match.
 */
export class AddressChecksumError extends AddressFormatError {
  /** Creates the error for the given address. */
  constructor(address: string) {
    super(`address check code mismatch: ${address}`);
    this.name = "AddressChecksumError";
  }
}

/**
 * Base class of meta errors.
 */
export class MetaError extends IdentityError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MetaError";
  }
}

/**
 * A meta whose JSON is wrong: not an object, unknown type, no key, a seed
 * without fingerprint (or the reverse), seed members on a type without seed.
 */
export class MetaFormatError extends MetaError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MetaFormatError";
  }
}

/**
 * A meta whose fingerprint is not the key's signature of its seed.
 */
export class MetaSignatureError extends MetaError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MetaSignatureError";
  }
}

/**
 * A valid meta that does not belong to the ID (other name, other address,
 * an unknown address).
 */
export class MetaMismatchError extends MetaError {
  /** Creates the error for an ID and the address the meta generates. */
  constructor(id: string, generated: string, reason?: string) {
    super(
      reason ?? `meta does not match ${id} (it generates address ${generated})`,
    );
    this.name = "MetaMismatchError";
  }
}

/**
 * Base class of document errors.
 */
export class DocumentError extends IdentityError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DocumentError";
  }
}

/**
 * A document whose JSON is wrong: not an object, no `did`/`ID`, no `data`
 * or `signature`, `data` that is not a JSON object.
 */
export class DocumentFormatError extends DocumentError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DocumentFormatError";
  }
}

/**
 * A document whose signature does not verify with the entity's key; `cause`
 * is the crypto error (`SignatureFormatError` for a malformed or truncated
 * signature, `SignatureMismatchError` for tampered data).
 */
export class DocumentSignatureError extends DocumentError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DocumentSignatureError";
  }
}

/**
 * Why a station refuses a valid document (spec identity.md §9.5).
 */
export type DocumentRejection =
  | "future"
  | "address"
  | "older"
  | "broadcast"
  | "unknown-address";

/**
 * A document a station must not accept although it may be well signed.
 */
export class DocumentRejectedError extends DocumentError {
  /** The rule that refused it. */
  readonly reason: DocumentRejection;

  /** Creates the error. */
  constructor(reason: DocumentRejection, message: string) {
    super(message);
    this.name = "DocumentRejectedError";
    this.reason = reason;
  }
}
