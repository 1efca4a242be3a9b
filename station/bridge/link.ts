/**
 * One client connection of the bridge (station.md §6.6): to the local
 * station or to a neighbour, logged in as this station's ID, kept up for
 * good — the first connection is retried with a growing delay, and once a
 * handshake succeeded the client session redials by itself.
 *
 * @module
 */
import type { ID } from "../../dimp/identity/mod.ts";
import type {
  CipherKeyCache,
  LocalUser,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import type { Accounts } from "../../store/mod.ts";
import {
  type AccountsDirectory,
  ClientSession,
  type LogLevel,
  type SessionState,
} from "../../client/mod.ts";
import type { StationLog } from "../../client/log.ts";
import { PRESENCE_COMMAND } from "../presence.ts";
import type { Framing, SendResult, TransportLimits } from "../transport/mod.ts";

/** How a link is made. Times in milliseconds. */
export interface StationLinkOptions {
  /** The store facade (shared with the station). */
  readonly accounts: Accounts;
  /** This station, with its private keys. */
  readonly user: LocalUser;
  /** The identity directory (shared by every link). */
  readonly directory: AccountsDirectory;
  /** Message keys per direction (shared by every link). */
  readonly cipherKeys: CipherKeyCache;
  /** Where the station listens. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Its ID when known for sure (the local station: our own). */
  readonly station?: ID;
  /** The framing (default `"mtp"`). */
  readonly framing?: Framing;
  /** Transport limits of the connection. */
  readonly limits?: TransportLimits;
  /** How long a handshake offer waits for its answer (default 30 s). */
  readonly handshakeTimeout?: number;
  /** The first retry delay after a failed connection (default 1 s; doubled each time). */
  readonly retryDelay?: number;
  /** The longest retry delay (default 60 s). */
  readonly maxRetryDelay?: number;
  /** Sees every message the station pushes; `true` takes it (the handshake replies must be left). */
  readonly onReliable: (
    msg: ReliableMessage,
    link: StationLink,
  ) => boolean | Promise<boolean>;
  /** The station accepted the handshake (again). */
  readonly onRunning?: (link: StationLink) => void;
  /** Where to log. */
  readonly log: StationLog;
  /** How the link is named in the log. */
  readonly name: string;
}

/**
 * A connection as this station to a station, kept up until closed.
 *
 * @example
 * ```ts ignore
 * const link = new StationLink({ accounts, user, directory, cipherKeys, host: "10.0.0.2", port: 9394,
 *   onReliable: (msg) => relay(msg), log, name: "neighbour 10.0.0.2:9394" });
 * link.start();
 * if (link.running) await link.send(msg);
 * await link.close();
 * ```
 */
export class StationLink {
  /** Where the station listens. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** How the link is named in the log. */
  readonly name: string;
  readonly #options: StationLinkOptions;
  #session: ClientSession | undefined;
  #state: SessionState = "idle";
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  /** A link (not started). */
  constructor(options: StationLinkOptions) {
    this.#options = options;
    this.host = options.host;
    this.port = options.port;
    this.name = options.name;
  }

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The station's ID, once a handshake told it. */
  get id(): ID | undefined {
    return this.#session?.station;
  }

  /**
   * Whether the station takes presence notices (a `dim` station says so in
   * its `DIM!`; a reference station does not, and gets none).
   */
  get takesPresence(): boolean {
    return this.running &&
      this.#session?.accepted?.dictionary[PRESENCE_COMMAND] === 1;
  }

  /** Whether the station accepted us and the connection is up. */
  get running(): boolean {
    return this.#state === "running" && !this.#closed;
  }

  /** Where the link stands (the client session's state). */
  get state(): SessionState {
    return this.#closed ? "closed" : this.#state;
  }

  /** Starts connecting (once). */
  start(): void {
    if (this.#closed) return;
    this.#loop ??= this.#run();
  }

  /**
   * Sends a message as it is; resolves with the transport's result (the
   * peer's acknowledgement) — `sent: false` when the link is not up.
   */
  send(msg: ReliableMessage | string): Promise<SendResult> {
    const session = this.#session;
    if (session === undefined || !this.running) {
      return Promise.resolve({ sent: false, reason: "closed" });
    }
    return session.sendReliable(msg);
  }

  /** Closes the connection (reporting offline) and stops retrying. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#wake?.();
    await this.#session?.close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const options = this.#options;
    let delay = options.retryDelay ?? 1_000;
    const maxDelay = options.maxRetryDelay ?? 60_000;
    while (!this.#closed) {
      const session = this.#newSession();
      this.#session = session;
      try {
        await session.connect();
        return; // up: from now on the session redials by itself
      } catch (error) {
        if (this.#closed) return;
        options.log.info(
          `bridge: ${this.name} not reached (${
            (error as Error).message
          }); again in ${delay / 1000} s`,
        );
      }
      await session.close();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#retry = setTimeout(resolve, delay);
      });
      this.#wake = undefined;
      delay = Math.min(maxDelay, delay * 2);
    }
  }

  #newSession(): ClientSession {
    const options = this.#options;
    const log = options.log;
    const session: ClientSession = new ClientSession({
      ...options.limits,
      accounts: options.accounts,
      user: options.user,
      directory: options.directory,
      cipherKeys: options.cipherKeys,
      host: this.host,
      port: this.port,
      station: options.station,
      framing: options.framing ?? "mtp",
      handshakeTimeout: options.handshakeTimeout,
      reconnect: true,
      sendReceipts: false,
      onReliable: (msg) => options.onReliable(msg, this),
      // what the link keeps for itself (handshake replies, replies to its
      // reports) needs no further reading
      onMessage: () => {},
      onState: (state) => {
        if (this.#session !== session) return; // an attempt given up
        const was = this.#state;
        this.#state = state;
        if (state === "running") {
          log.info(`bridge: ${this.name} up as ${this.id?.value}`);
          options.onRunning?.(this);
        } else if (was === "running") {
          log.info(`bridge: ${this.name} down (${state})`);
        }
      },
      onLog: (level: LogLevel, text: string) =>
        log[level === "warn" ? "warn" : "debug"](
          `bridge: ${this.name}: ${text}`,
        ),
    });
    return session;
  }
}
