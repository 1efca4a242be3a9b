/**
 * Typed errors of the message layer. Every way a message can be refused —
 * bad JSON, a missing or malformed member, a size over the limit, a
 * signature that does not verify, a key that is not ours, a peer whose keys
 * we do not know yet — throws one of these, so a station can tell "drop",
 * "suspend and query" and bugs apart.
 *
 * @module
 */

/**
 * Base class of every message error.
 *
 * @example
 * ```ts
 * import { ReliableMessage } from "./reliable.ts";
 * try {
 *   ReliableMessage.parse("{}");
 * } catch (e) {
 *   if (e instanceof MessageError) console.log(e.message);
 * }
 * ```
 */
export class MessageError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MessageError";
  }
}

/**
 * A message that is not well formed: not UTF-8, not JSON, not an object, or
 * a member the reader relies on is missing or of the wrong kind.
 */
export class MessageFormatError extends MessageError {
  /** The member at fault (`sender`, `data`, ...); `undefined` for the whole text. */
  readonly field: string | undefined;

  /** Creates the error for a member (or the whole message when `field` is undefined). */
  constructor(
    field: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(field === undefined ? message : `${field}: ${message}`, options);
    this.name = "MessageFormatError";
    this.field = field;
  }
}

/**
 * A serialized message larger than the parser accepts.
 */
export class MessageTooLargeError extends MessageError {
  /** The size received (bytes, or UTF-16 units for a string). */
  readonly size: number;
  /** The limit in force. */
  readonly limit: number;

  /** Creates the error. */
  constructor(size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit}`);
    this.name = "MessageTooLargeError";
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A well-formed message whose signature verifies with none of the sender's
 * keys (tampered data, the signature of another message, another sender).
 */
export class MessageSignatureError extends MessageError {
  /** The claimed sender. */
  readonly sender: string;

  /** Creates the error for the claimed sender. */
  constructor(sender: string, message?: string) {
    super(message ?? `signature does not verify for sender ${sender}`);
    this.name = "MessageSignatureError";
    this.sender = sender;
  }
}

/**
 * Why a message could not be decrypted.
 *
 * - `not-for-me`: neither the receiver nor a member key names the local user
 * - `no-key`: no `key` / `keys` entry for us and no cached key for the direction
 * - `key`: the encrypted key does not decrypt with any of our keys, or is not
 *   a symmetric key
 * - `data`: the content does not decrypt (bad padding: wrong key or IV)
 * - `content`: the plaintext is not UTF-8 JSON of an object
 */
export type DecryptionFailure =
  | "not-for-me"
  | "no-key"
  | "key"
  | "data"
  | "content";

/**
 * A message that cannot be decrypted by the local user.
 */
export class DecryptionError extends MessageError {
  /** What went wrong. */
  readonly reason: DecryptionFailure;
  /** The message sender. */
  readonly sender: string;

  /** Creates the error. */
  constructor(
    reason: DecryptionFailure,
    message: string,
    sender: string,
    options?: ErrorOptions,
  ) {
    super(`${reason}: ${message}`, options);
    this.name = "DecryptionError";
    this.reason = reason;
    this.sender = sender;
  }
}

/**
 * The keys needed for a message are not known yet: the sender's meta (to
 * verify, `purpose: "verify"`) or the receiver's visa / RSA meta key (to
 * encrypt, `purpose: "encrypt"`). The reference suspends such messages with
 * `error = {"message": "verify key not found", "user": ...}` and queries the
 * documents; `user` is that ID.
 */
export class KeyNotFoundError extends MessageError {
  /** Which key is missing. */
  readonly purpose: "verify" | "encrypt";
  /** The entity whose key is missing. */
  readonly user: string;

  /** Creates the error. */
  constructor(purpose: "verify" | "encrypt", user: string) {
    super(`${purpose} key not found: ${user}`);
    this.name = "KeyNotFoundError";
    this.purpose = purpose;
    this.user = user;
  }
}
