/**
 * Typed errors of the account facade ({@link Accounts}) beyond those of the
 * identity layer, and the station reply text each refusal stands for
 * (station.md §4.9).
 *
 * @module
 */
import { CryptoError } from "../dimp/crypto/mod.ts";
import { DocumentRejectedError, IdentityError } from "../dimp/identity/mod.ts";
import { StoreError } from "./errors.ts";

/**
 * Base class of the facade's own refusals.
 */
export class AccountError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AccountError";
  }
}

/**
 * A document (or a private key) for an ID whose meta is not stored and not
 * given with it.
 */
export class MetaNotFoundError extends AccountError {
  /** The ID without a meta. */
  readonly id: string;

  /** Creates the error for an ID. */
  constructor(id: string) {
    super(`meta not found: ${id}`);
    this.name = "MetaNotFoundError";
    this.id = id;
  }
}

/**
 * An ID the store knows nothing about (no meta), where one was required.
 */
export class UnknownAccountError extends AccountError {
  /** The unknown ID. */
  readonly id: string;

  /** Creates the error for an ID. */
  constructor(id: string, detail = "no meta is stored for it") {
    super(`unknown ID ${id}: ${detail}`);
    this.name = "UnknownAccountError";
    this.id = id;
  }
}

/**
 * A private key that does not belong to the account: an ID key that is not
 * the meta key's pair, a message key that cannot decrypt (not RSA), or
 * message keys none of which pairs with the visa key.
 */
export class PrivateKeyMismatchError extends AccountError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "PrivateKeyMismatchError";
  }
}

/**
 * An account record (the `export` / `import` JSON) of the wrong shape.
 */
export class AccountFormatError extends AccountError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "AccountFormatError";
  }
}

/**
 * The receipt texts a station sends for meta and document uploads
 * (station.md §4.9).
 */
export const ReplyText = {
  META_RECEIVED: "Meta received.",
  META_NOT_VALID: "Meta not valid.",
  META_NOT_ACCEPTED: "Meta not accepted.",
  META_NOT_FOUND: "Meta not found.",
  DOCUMENT_RECEIVED: "Document received.",
  DOCUMENT_NOT_ACCEPTED: "Document not accepted.",
  DOCUMENT_NOT_CHANGED: "Document not changed.",
  DOCUMENT_ID_NOT_MATCH: "Document ID not match.",
} as const;

/** One of the {@link ReplyText} values. */
export type ReplyText = typeof ReplyText[keyof typeof ReplyText];

function isBadInput(error: unknown): boolean {
  return error instanceof IdentityError || error instanceof CryptoError ||
    error instanceof AccountFormatError;
}

/**
 * The reply for a refused meta upload: bad input → `Meta not valid.`, a
 * store failure → `Meta not accepted.`; `undefined` for anything else (a
 * bug, to be logged).
 */
export function metaRefusalText(error: unknown): ReplyText | undefined {
  if (isBadInput(error)) return ReplyText.META_NOT_VALID;
  if (error instanceof StoreError) return ReplyText.META_NOT_ACCEPTED;
  return undefined;
}

/**
 * The reply for a refused document: no meta → `Meta not found.`; another
 * entity's document → `Document ID not match.`; older than the stored one,
 * more than 30 minutes ahead, or a store failure → `Document not changed.`;
 * any other bad input → `Document not accepted.`; `undefined` for anything
 * else (a bug, to be logged).
 */
export function documentRefusalText(error: unknown): ReplyText | undefined {
  if (error instanceof MetaNotFoundError) return ReplyText.META_NOT_FOUND;
  if (error instanceof DocumentRejectedError) {
    switch (error.reason) {
      case "address":
        return ReplyText.DOCUMENT_ID_NOT_MATCH;
      case "older":
      case "future":
        return ReplyText.DOCUMENT_NOT_CHANGED;
      default:
        return ReplyText.DOCUMENT_NOT_ACCEPTED;
    }
  }
  if (isBadInput(error)) return ReplyText.DOCUMENT_NOT_ACCEPTED;
  if (error instanceof StoreError) return ReplyText.DOCUMENT_NOT_CHANGED;
  return undefined;
}
