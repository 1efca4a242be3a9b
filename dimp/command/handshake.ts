/**
 * The handshake command (spec messages.md §8.1, station.md §3.2).
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { firstString, readString } from "../content/_values.ts";
import { Command, CommandName } from "./command.ts";

/**
 * The handshake titles.
 */
export const HandshakeTitle = {
  /** Client offer (with or without session key). */
  HELLO: "Hello world!",
  /** Station: handshake again with this session key. */
  AGAIN: "DIM?",
  /** Station: accepted. */
  SUCCESS: "DIM!",
  /** Speed test request (Tarsier). */
  SPEED_TEST: "Nice to meet you!",
  /** Speed test answer (carries `remote_address`). */
  SPEED_TEST_REPLY: "Nice to meet you too!",
} as const;

/**
 * Where a handshake stands: `start` (offer without key), `again` (station
 * asks again), `restart` (offer with key), `success` (accepted), or
 * `speed-test` / `speed-test-reply`; `unknown` for any other title.
 */
export type HandshakeState =
  | "start"
  | "again"
  | "restart"
  | "success"
  | "speed-test"
  | "speed-test-reply"
  | "unknown";

/** The offer's member that asks for batched station receipts (ours). */
const RECEIPT_ARRAYS_FIELD = "receipts";
/** Its value. */
const RECEIPT_ARRAYS = "array";

/**
 * Members the station adds to its replies.
 */
export interface HandshakeReplyOptions extends ContentOptions {
  /** The client's socket address as the station sees it: `[ip, port]`. */
  readonly remoteAddress?: readonly [string, number];
  /** `true` when an unbound session tried to send. */
  readonly force?: boolean;
}

/**
 * `{"command": "handshake", "title", "message", "session", ...}`. We write
 * both `title` and the legacy `message`; readers take `title`, else
 * `message`.
 *
 * @example
 * ```ts
 * const offer = HandshakeCommand.offer(); // DIM?
 * const again = HandshakeCommand.again("6E3A2B9C", { remoteAddress: ["127.0.0.1", 52014] });
 * again.title; // "DIM?"
 * ```
 */
export class HandshakeCommand extends Command {
  /** A handshake with the given title (and session key). */
  static create(
    title: string,
    session?: string,
    options: HandshakeReplyOptions = {},
  ): HandshakeCommand {
    const { remoteAddress, force } = options;
    return new HandshakeCommand(
      Command.buildCommand(CommandName.HANDSHAKE, {
        title,
        message: title,
        session,
        remote_address: remoteAddress === undefined
          ? undefined
          : [...remoteAddress],
        force,
      }, options),
    );
  }

  /**
   * Client offer: `Hello world!`, without key first, with it on restart.
   * `receiptArrays`: ask for station receipts batched in array contents
   * (`"receipts": "array"`, see {@link HandshakeCommand.wantsReceiptArrays}).
   */
  static offer(
    session?: string,
    options: ContentOptions & { readonly receiptArrays?: boolean } = {},
  ): HandshakeCommand {
    const offer = HandshakeCommand.create(
      HandshakeTitle.HELLO,
      session,
      options,
    );
    if (options.receiptArrays === true) {
      offer.dictionary[RECEIPT_ARRAYS_FIELD] = RECEIPT_ARRAYS;
    }
    return offer;
  }

  /**
   * Whether the client's offer asks for its station receipts batched: the
   * receipts due to it at the same moment in one array content (type 0xCA)
   * — one encryption and one signature for all of them. Ours: the
   * reference clients answer each item of an array with a message of their
   * own, so they never get one unless they ask.
   *
   * @example
   * ```ts
   * HandshakeCommand.offer(undefined, { receiptArrays: true }).wantsReceiptArrays; // true
   * HandshakeCommand.offer().wantsReceiptArrays; // false
   * ```
   */
  get wantsReceiptArrays(): boolean {
    return this.dictionary[RECEIPT_ARRAYS_FIELD] === RECEIPT_ARRAYS;
  }

  /** Station: `DIM?` with the connection's session key. */
  static again(
    session: string,
    options: HandshakeReplyOptions = {},
  ): HandshakeCommand {
    return HandshakeCommand.create(HandshakeTitle.AGAIN, session, options);
  }

  /** Station: `DIM!` (accepted) with the session key. */
  static success(
    session: string,
    options: HandshakeReplyOptions = {},
  ): HandshakeCommand {
    return HandshakeCommand.create(HandshakeTitle.SUCCESS, session, options);
  }

  /** The title: `title`, else the legacy `message` ("" when neither). */
  get title(): string {
    return firstString(this.dictionary.title, this.dictionary.message) ?? "";
  }

  /** The session key, if any. */
  get session(): string | undefined {
    const session = readString(this.dictionary.session);
    return session === "" ? undefined : session;
  }

  /** `remote_address` as `[ip, port]`, if well formed. */
  get remoteAddress(): [string, number] | undefined {
    const value = this.dictionary.remote_address;
    if (
      Array.isArray(value) && value.length === 2 &&
      typeof value[0] === "string" && typeof value[1] === "number"
    ) {
      return [value[0], value[1]];
    }
    return undefined;
  }

  /** Whether the station forced this handshake. */
  get force(): boolean {
    return this.dictionary.force === true;
  }

  /** Where the handshake stands (see {@link HandshakeState}). */
  get state(): HandshakeState {
    switch (this.title) {
      case HandshakeTitle.HELLO:
        return this.session === undefined ? "start" : "restart";
      case HandshakeTitle.AGAIN:
        return "again";
      case HandshakeTitle.SUCCESS:
        return "success";
      case HandshakeTitle.SPEED_TEST:
        return "speed-test";
      case HandshakeTitle.SPEED_TEST_REPLY:
        return "speed-test-reply";
    }
    return "unknown";
  }
}
