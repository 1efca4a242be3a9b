/**
 * Typed errors of the client session: every way a connect, a send or a wait
 * for a receipt can fail, so that `dim client`, the bots, the bridge and
 * `dim bench` can tell them apart (and print a clear message).
 *
 * @module
 */

/**
 * Base class of every client-session error.
 *
 * @example
 * ```ts
 * import { ClientSessionError } from "./errors.ts";
 * try {
 *   // await session.connect();
 * } catch (e) {
 *   if (e instanceof ClientSessionError) console.assert(e.name !== "");
 * }
 * ```
 */
export class ClientSessionError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientSessionError";
  }
}

/**
 * The station did not accept the handshake (`DIM!`) within the attempts
 * allowed (station.md §3.2: a client that gets no answer within 30 s tries
 * again).
 *
 * @example
 * ```ts
 * import { HandshakeTimeoutError } from "./errors.ts";
 * const e = new HandshakeTimeoutError(3, 30_000);
 * console.assert(e.attempts === 3);
 * ```
 */
export class HandshakeTimeoutError extends ClientSessionError {
  /** How many offers were sent. */
  readonly attempts: number;
  /** How long each attempt waited (ms). */
  readonly timeoutMs: number;

  /** `attempts` offers, each unanswered for `timeoutMs`. */
  constructor(attempts: number, timeoutMs: number) {
    super(
      `no handshake answer (DIM!) from the station after ${attempts} offer(s), ${timeoutMs} ms each`,
    );
    this.name = "HandshakeTimeoutError";
    this.attempts = attempts;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The session is closed (by {@link ClientSession.close}, or the connection
 * was lost and is not reconnected): what was waiting on it fails with this.
 */
export class SessionClosedError extends ClientSessionError {
  /** Why the session closed. */
  constructor(message = "the session is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "SessionClosedError";
  }
}

/**
 * The local user cannot be used: its ID key or message keys are not in the
 * store, or it has no meta there.
 */
export class LocalUserError extends ClientSessionError {
  /** The ID asked for. */
  readonly user: string;

  /** `user` cannot sign or decrypt here, because of `why`. */
  constructor(user: string, why: string) {
    super(`${user}: ${why}`);
    this.name = "LocalUserError";
    this.user = user;
  }
}

/**
 * No key to encrypt for the receiver: its visa (or RSA meta) is not known
 * here, and the station did not provide it (`reason` "not-found": the
 * station answered "Document not found." / "Meta not found."; "timeout": no
 * answer in time; "no-key": documents came but none with an encryption
 * key). messages.md §10: query documents, retry later.
 *
 * @example
 * ```ts
 * import { ReceiverKeyNotFoundError } from "./errors.ts";
 * const e = new ReceiverKeyNotFoundError("bob@…", "not-found", "Document not found.");
 * console.assert(e.reason === "not-found");
 * ```
 */
export class ReceiverKeyNotFoundError extends ClientSessionError {
  /** The receiver. */
  readonly receiver: string;
  /** Why no key came. */
  readonly reason: "not-found" | "timeout" | "no-key";

  /** No key for `receiver`; `detail` is the station's answer, if any. */
  constructor(
    receiver: string,
    reason: "not-found" | "timeout" | "no-key",
    detail?: string,
  ) {
    const why = reason === "not-found"
      ? `the station does not know it${detail ? ` (${detail})` : ""}`
      : reason === "timeout"
      ? "the station did not answer the documents query in time"
      : "its documents carry no encryption key";
    super(`no visa key to encrypt for ${receiver}: ${why}`);
    this.name = "ReceiverKeyNotFoundError";
    this.receiver = receiver;
    this.reason = reason;
  }
}

/**
 * A message was not handed to the station: the connection closed first, or
 * its outbound queue was full (transport `SendResult`).
 *
 * @example
 * ```ts
 * import { MessageNotSentError } from "./errors.ts";
 * console.assert(new MessageNotSentError("closed").reason === "closed");
 * ```
 */
export class MessageNotSentError extends ClientSessionError {
  /** The transport's reason. */
  readonly reason: string;

  /** Not sent because of `reason` (`closed`, `queue-full`, `ack-timeout`). */
  constructor(reason: string) {
    super(`the message was not sent: ${reason}`);
    this.name = "MessageNotSentError";
    this.reason = reason;
  }
}

/**
 * No receipt for a sent message arrived in time (base class of
 * {@link StationReceiptTimeoutError} and {@link PeerReceiptTimeoutError}).
 *
 * @example
 * ```ts
 * import { ReceiptTimeoutError, StationReceiptTimeoutError } from "./errors.ts";
 * console.assert(new StationReceiptTimeoutError(30_000) instanceof ReceiptTimeoutError);
 * ```
 */
export class ReceiptTimeoutError extends ClientSessionError {
  /** Whose receipt was awaited. */
  readonly kind: "station" | "peer";
  /** How long it was awaited (ms). */
  readonly timeoutMs: number;

  /** No `kind` receipt within `timeoutMs`. */
  constructor(kind: "station" | "peer", timeoutMs: number) {
    super(
      `no ${
        kind === "station" ? "station" : "receiver's"
      } receipt within ${timeoutMs} ms`,
    );
    this.name = "ReceiptTimeoutError";
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The station's receipt ("Message delivered." / "Message cached." / …) did
 * not arrive in time.
 *
 * @example
 * ```ts
 * import { StationReceiptTimeoutError } from "./errors.ts";
 * console.assert(new StationReceiptTimeoutError(30_000).kind === "station");
 * ```
 */
export class StationReceiptTimeoutError extends ReceiptTimeoutError {
  /** No station receipt within `timeoutMs`. */
  constructor(timeoutMs: number) {
    super("station", timeoutMs);
    this.name = "StationReceiptTimeoutError";
  }
}

/**
 * The receiver's own receipt ("Message received.") did not arrive in time.
 *
 * @example
 * ```ts
 * import { PeerReceiptTimeoutError } from "./errors.ts";
 * console.assert(new PeerReceiptTimeoutError(30_000).kind === "peer");
 * ```
 */
export class PeerReceiptTimeoutError extends ReceiptTimeoutError {
  /** No receipt from the receiver within `timeoutMs`. */
  constructor(timeoutMs: number) {
    super("peer", timeoutMs);
    this.name = "PeerReceiptTimeoutError";
  }
}

/**
 * No group assistant is known for a group: its bulletin names none and the
 * station's ANS has no `assistant`.
 *
 * @example
 * ```ts
 * import { AssistantNotFoundError } from "./errors.ts";
 * const e = new AssistantNotFoundError("team@…");
 * console.assert(e.group === "team@…");
 * ```
 */
export class AssistantNotFoundError extends ClientSessionError {
  /** The group (or "" for a new one). */
  readonly group: string;

  /** For `group`. */
  constructor(group: string) {
    super(
      `no group assistant for ${
        group === "" ? "a new group" : group
      }: its bulletin names none and the station's ANS has no "assistant"`,
    );
    this.name = "AssistantNotFoundError";
    this.group = group;
  }
}

/**
 * The group assistant refused a group command or message: its receipt text
 * (`Permission denied.`, `Command expired.`, …) and what it says.
 *
 * @example
 * ```ts
 * import { GroupRefusedError } from "./errors.ts";
 * const e = new GroupRefusedError("Permission denied.", "Not allowed to reset members of group: team@…");
 * console.assert(e.text === "Permission denied.");
 * ```
 */
export class GroupRefusedError extends ClientSessionError {
  /** The receipt text. */
  readonly text: string;
  /** The template with its replacements filled in. */
  readonly detail: string;

  /** The assistant's `text` and its filled-in template `detail`. */
  constructor(text: string, detail: string) {
    super(`the group assistant refused: ${text} ${detail}`.trim());
    this.name = "GroupRefusedError";
    this.text = text;
    this.detail = detail;
  }
}

/**
 * An answer that is not a receipt (the station's `ans` answer, the group
 * history the assistant sends) did not come in time.
 *
 * @example
 * ```ts
 * import { AnswerTimeoutError } from "./errors.ts";
 * const e = new AnswerTimeoutError("the group history", 30_000);
 * console.assert(e.timeoutMs === 30_000);
 * ```
 */
export class AnswerTimeoutError extends ClientSessionError {
  /** How long it was awaited (ms). */
  readonly timeoutMs: number;

  /** No `what` within `timeoutMs`. */
  constructor(what: string, timeoutMs: number) {
    super(`no answer (${what}) within ${timeoutMs} ms`);
    this.name = "AnswerTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}
