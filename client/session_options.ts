/**
 * How a {@link ClientSession} is made and what it reports: its options,
 * its states, its log levels, the options of a send.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import type {
  CipherKeyCache,
  LocalUser,
  ReliableMessage,
} from "../dimp/message/mod.ts";
import type { Accounts } from "../store/mod.ts";
import type {
  Connection,
  DialOptions,
  Framing,
  TransportLimits,
} from "./transport/mod.ts";
import type { AccountsDirectory } from "./directory.ts";
import type { GroupBook } from "./groups.ts";
import type { ReceivedMessage } from "./received_message.ts";

/**
 * Where a session stands: `idle` (not connected yet), `connecting`,
 * `handshaking`, `running` (the station accepted; messages flow), `closed`.
 *
 * @example
 * ```ts
 * import type { SessionState } from "./session_options.ts";
 * const state: SessionState = "running";
 * ```
 */
export type SessionState =
  | "idle"
  | "connecting"
  | "handshaking"
  | "running"
  | "closed";

/**
 * Log levels of {@link ClientSessionOptions.onLog}.
 *
 * @example
 * ```ts
 * import type { LogLevel } from "./session_options.ts";
 * const level: LogLevel = "warn";
 * ```
 */
export type LogLevel = "debug" | "info" | "warn";

/**
 * How a session is made. Times in milliseconds.
 *
 * @example
 * ```ts ignore
 * const options: ClientSessionOptions = { accounts, user: alice, port: 9394, framing: "ws" };
 * ```
 */
export interface ClientSessionOptions extends TransportLimits {
  /** The store facade holding the local user's keys, metas and visas (shared). */
  readonly accounts: Accounts;
  /** The local user (its private keys must be in `accounts`), or the user itself. */
  readonly user: ID | LocalUser;
  /** The station host (default `127.0.0.1`). */
  readonly host?: string;
  /** The station port (default 9394). */
  readonly port?: number;
  /** The framing (default `"mtp"`; `"ws"`, `"plain"`, `"mars"`). */
  readonly framing?: Framing;
  /** The local address to connect from (default: the system's choice). */
  readonly localAddress?: string;
  /** WebSocket request path (default `/`). */
  readonly path?: string;
  /**
   * Opens the session's connections (default `dialStation`); a load
   * generator passes its own, e.g. one that counts what it receives from
   * the raw frames.
   */
  readonly dial?: (
    host: string,
    port: number,
    options: DialOptions,
  ) => Promise<Connection>;
  /** The station ID when known: the first offer goes to it; others are refused. */
  readonly station?: ID;
  /** The identity directory over `accounts` (share one between sessions). */
  readonly directory?: AccountsDirectory;
  /** Message keys per direction (share one between sessions). */
  readonly cipherKeys?: CipherKeyCache;
  /** How long an offer waits for the station's answer before a new one (30 s, §3.2). */
  readonly handshakeTimeout?: number;
  /** Offers before {@link HandshakeTimeoutError} (default 3). */
  readonly handshakeAttempts?: number;
  /**
   * Keep-online period: a login broadcast (users, bots) or `report online`
   * (a station ID, the bridge) every 5 minutes by default; 0: never.
   */
  readonly keepOnlineInterval?: number;
  /** Send the keep-online message right after the handshake (default: not for a station ID). */
  readonly loginOnConnect?: boolean;
  /** Broadcast the local visa to everyone@everywhere after the handshake (default: not for a station ID). */
  readonly announceVisa?: boolean;
  /** Answer user messages with the end-to-end receipt "Message received." (default true; §6.1). */
  readonly sendReceipts?: boolean;
  /**
   * Ask the station for its receipts batched in array contents (default
   * true: this session reads them; `dim station` honours it, others ignore it).
   */
  readonly receiptArrays?: boolean;
  /** Default wait for a station receipt in {@link OutgoingMessage.stationReceipt} (30 s). */
  readonly receiptTimeout?: number;
  /** How long a documents query for an unknown receiver or sender is waited for (10 s). */
  readonly queryTimeout?: number;
  /** Received messages buffered for the application; a full inbox holds the connection back (1024). */
  readonly inboxSize?: number;
  /** Messages from unknown senders kept while their meta is queried (256 in all, 32 per sender). */
  readonly maxSuspended?: number;
  /** Redial (1 s, 2 s, … 30 s apart) when the connection is lost after the first handshake. */
  readonly reconnect?: boolean;
  /** The user agent of login commands. */
  readonly agent?: string;
  /**
   * Open `forward` contents (messages.md §7.7): each carried message is
   * received as if it had come directly, and the forward itself is not
   * delivered (default true; the group assistant takes forwards whole).
   */
  readonly unwrapForwards?: boolean;
  /**
   * Apply the group commands received to this book (a client learning a
   * group's members from its history); refusals are only logged.
   */
  readonly groups?: GroupBook;
  /**
   * Called once every message a forward carried has been received (its
   * group commands applied to `groups`), with the forward's sender and the
   * carried messages.
   */
  readonly onForward?: (
    sender: ID,
    messages: readonly ReliableMessage[],
  ) => void;
  /** Called for each received message in order (instead of {@link ClientSession.messages}). */
  readonly onMessage?: (message: ReceivedMessage) => void | Promise<void>;
  /**
   * Sees each received line before it is parsed; `true` takes it out of
   * the pipeline (a load generator that counts messages by a member).
   */
  readonly onLine?: (line: string) => boolean;
  /**
   * Sees each reliable message first; `true` takes it out of the pipeline
   * (a bridge relays other people's messages untouched).
   */
  readonly onReliable?: (
    message: ReliableMessage,
  ) => boolean | Promise<boolean>;
  /**
   * Which received messages have their signature checked (default: every
   * one — what a client does). For a load generator that samples its
   * checks of the station's replies: a message `check` declines is
   * decrypted without its signature checked; `rejected` hears of each one
   * checked whose signature failed (it is dropped, as always).
   */
  readonly signatureSample?: SignatureSample;
  /** Called on each state change. */
  readonly onState?: (state: SessionState) => void;
  /** Where the session logs (default: nowhere). */
  readonly onLog?: (level: LogLevel, text: string) => void;
}

/**
 * A sample of the received messages whose signature a session checks (see
 * {@link ClientSessionOptions.signatureSample}).
 *
 * @example
 * ```ts
 * import type { SignatureSample } from "./session_options.ts";
 * let received = 0;
 * const firstOnly: SignatureSample = { check: () => received++ === 0 };
 * ```
 */
export interface SignatureSample {
  /** Whether to check `message`'s signature. */
  check(message: ReliableMessage): boolean;
  /** A checked message whose signature failed (dropped). */
  rejected?(message: ReliableMessage): void;
}

/** Options of {@link ClientSession.send}. */
export interface SendOptions {
  /** Expose this group on the envelope (key direction sender → group). */
  readonly group?: ID;
  /** Attach the local meta and visa (first contact). */
  readonly attach?: boolean;
}
