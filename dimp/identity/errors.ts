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
 *
 * @example
 * ```ts
 * new IdFormatError("ID longer than 64 characters");
 * ```
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
 *
 * @example
 * ```ts
 * new AddressFormatError("address of 20 characters");
 * ```
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
 *
 * @example
 * ```ts
 * new AddressChecksumError("4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEk");
 * ```
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
 *
 * @example
 * ```ts
 * try { await meta.checkId(id); } catch (e) { e instanceof MetaError; }
 * ```
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
 *
 * @example
 * ```ts
 * new MetaFormatError("meta type 4 must not carry a seed");
 * ```
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
 *
 * @example
 * ```ts
 * new MetaSignatureError("fingerprint does not verify");
 * ```
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
 *
 * @example
 * ```ts
 * new MetaMismatchError("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj", "1KwfMVfGoMDBTkFniJYH8bgrxm7tah5ADE");
 * ```
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
 *
 * @example
 * ```ts
 * try { await doc.checkSignature(meta.key); } catch (e) { e instanceof DocumentError; }
 * ```
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
 *
 * @example
 * ```ts
 * new DocumentFormatError("document without data");
 * ```
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
 *
 * @example
 * ```ts
 * new DocumentSignatureError("visa of hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj does not verify");
 * ```
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
 *
 * @example
 * ```ts
 * if (e instanceof DocumentRejectedError && e.reason === "older") return; // keep the stored one
 * ```
 */
export type DocumentRejection =
  | "future"
  | "address"
  | "older"
  | "broadcast"
  | "unknown-address";

/**
 * A document a station must not accept although it may be well signed.
 *
 * @example
 * ```ts
 * new DocumentRejectedError("future", "time is 40 minutes ahead");
 * ```
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
