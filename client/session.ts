/**
 * One local user's session with a station, as a DIM client (station.md §3,
 * §4.10, §6.1; messages.md §3, §4, §10): connect, handshake, send with the
 * receiver's visa fetched when unknown, receive (verify, decrypt, suspend
 * and retry when the sender is unknown), station receipts matched to what
 * was sent, end-to-end receipts, keep-online, report offline on close.
 *
 * `dim client`, the bots, the bridge and `dim bench` all run on it.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import {
  Command,
  DocumentCommand,
  GroupCommand,
  HandshakeCommand,
  LoginCommand,
  MetaCommand,
  ReceiptCommand,
  ReportCommand,
} from "../dimp/command/mod.ts";
import {
  ArrayContent,
  type Content,
  ContentType,
  ForwardContent,
} from "../dimp/content/mod.ts";
import {
  ANY_STATION,
  type Document,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  type ID,
} from "../dimp/identity/mod.ts";
import {
  DecryptionError,
  InstantMessage,
  KeyNotFoundError,
  MemoryCipherKeyCache,
  MessageError,
  MessagePacker,
  MessageSignatureError,
  ReliableMessage,
} from "../dimp/message/mod.ts";
import {
  type CloseInfo,
  type Connection,
  dialStation,
  type Framing,
  type SendResult,
  sweepEvery,
} from "./transport/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import { BoundedQueue } from "./_bounded_queue.ts";
import { atMost, deferred } from "./_deferred.ts";
import { IdentityQueries, type IdentityWanted } from "./_identity_queries.ts";
import { SuspendedMessages } from "./_suspended.ts";
import { AccountsDirectory, loadLocalUser } from "./directory.ts";
import {
  HandshakeTimeoutError,
  MessageNotSentError,
  ReceiverKeyNotFoundError,
  SessionClosedError,
} from "./errors.ts";
import { HandshakeMachine, type HandshakeStep } from "./handshake.ts";
import { type OutgoingMessage, ReceiptTracker } from "./receipts.ts";
import type { ReceivedMessage } from "./received_message.ts";
import type {
  ClientSessionOptions,
  LogLevel,
  SendOptions,
  SessionState,
} from "./session_options.ts";

const DEFAULT_AGENT =
  `DIMP/1.0 (Client; Deno; en-US) dim/${denoJson.version} DIM-by-dim/1.0`;
const SUSPENDED_PER_SENDER = 32;
const RECENT_LIMIT = 4096;
const QUERY_INTERVAL_MS = 60_000;
const VISA_PUSH_INTERVAL_MS = 600_000;
const CLOSE_GRACE_MS = 2_000;
/** A station's answer when it has no documents of an ID (it asks its neighbours). */
const DOCUMENT_NOT_FOUND = "Document not found.";
/** How long a send waits for the neighbours' answer after that (ms). */
const NEIGHBOUR_ANSWER_MS = 2_000;
/** How deep forwards inside forwards are opened. */
const MAX_FORWARD_DEPTH = 2;

/**
 * A DIM client session of one local user with one station.
 *
 * @example
 * ```ts ignore
 * const session = new ClientSession({ accounts, user: alice, port: 9394 });
 * await session.connect();                       // dial + handshake
 * const sent = await session.send(bob, TextContent.create("hi"));
 * console.log((await sent.stationReceipt()).text); // "Message delivered."
 * for await (const msg of session.messages()) console.log(msg.content);
 * await session.close();                         // report offline, then close
 * ```
 */
export class ClientSession {
  /** The local user. */
  readonly user: ID;
  /** The station host. */
  readonly host: string;
  /** The station port. */
  readonly port: number;
  /** The framing. */
  readonly framing: Framing;
  readonly #options: ClientSessionOptions;
  readonly #directory: AccountsDirectory;
  readonly #packer: MessagePacker;
  readonly #machine: HandshakeMachine;
  readonly #tracker: ReceiptTracker;
  readonly #inbox: BoundedQueue<ReceivedMessage>;
  readonly #handshakeTimeout: number;
  readonly #handshakeAttempts: number;
  readonly #keepOnline: number;
  readonly #queryTimeout: number;
  readonly #isStation: boolean;
  #state: SessionState = "idle";
  #conn: Connection | undefined;
  #running = deferred<void>();
  #dialing: Promise<void> | undefined;
  #everRan = false;
  #closing: Promise<void> | undefined;
  #closeError: Error | undefined;
  /** Leaves the sweep that ticks the session (while it has a connection). */
  #stopTicks: (() => void) | undefined;
  #onlineAt = 0;
  #remoteAddress: [string, number] | undefined;
  #accepted: HandshakeCommand | undefined;
  #redialTimer: ReturnType<typeof setTimeout> | undefined;
  #pump: Promise<void> | undefined;
  #firstOffer: string | undefined;
  readonly #background = new Set<Promise<unknown>>();
  readonly #seen = new BoundedMap<string, true>(RECENT_LIMIT);
  readonly #visaPushed = new BoundedMap<string, number>(RECENT_LIMIT);
  readonly #identities: IdentityQueries;
  readonly #suspended: SuspendedMessages;
  readonly #sendChains = new Map<string, Promise<void>>();

  /**
   * A session (not connected yet: call {@link ClientSession.connect}).
   *
   * @throws {LocalUserError} the local user's keys are not in `accounts`
   */
  constructor(options: ClientSessionOptions) {
    this.#options = options;
    const local = "signKey" in options.user
      ? options.user
      : loadLocalUser(options.accounts, options.user);
    this.user = local.id;
    this.host = options.host ?? "127.0.0.1";
    this.port = options.port ?? 9394;
    this.framing = options.framing ?? "mtp";
    this.#directory = options.directory ??
      new AccountsDirectory(options.accounts);
    const directory = this.#directory;
    this.#packer = new MessagePacker({
      user: local,
      directory,
      cipherKeys: options.cipherKeys ?? new MemoryCipherKeyCache(),
      onAttachments: async (sender, found) => {
        if (await directory.saveAttachments(sender, found)) {
          this.#identityUpdated(sender);
        }
      },
    });
    this.#machine = new HandshakeMachine(options.station);
    this.#tracker = new ReceiptTracker(options.receiptTimeout ?? 30_000);
    this.#inbox = new BoundedQueue(options.inboxSize ?? 1024);
    this.#handshakeTimeout = options.handshakeTimeout ?? 30_000;
    this.#handshakeAttempts = Math.max(1, options.handshakeAttempts ?? 3);
    this.#keepOnline = options.keepOnlineInterval ?? 300_000;
    this.#queryTimeout = options.queryTimeout ?? 10_000;
    this.#suspended = new SuspendedMessages(
      options.maxSuspended ?? 256,
      SUSPENDED_PER_SENDER,
    );
    this.#identities = new IdentityQueries({
      directory,
      sendToStation: (content) => this.#sendToStation(content),
      queryTimeout: this.#queryTimeout,
      maxQueries: RECENT_LIMIT,
      onQuery: (id, sent) =>
        this.#spawn(
          this.#settleQuery(id, sent),
          `documents query for ${id.value}`,
          false,
        ),
    });
    this.#isStation = this.user.type === EntityType.STATION;
    const onMessage = options.onMessage;
    if (onMessage !== undefined) this.#pump = this.#runPump(onMessage);
  }

  /** Where the session stands. */
  get state(): SessionState {
    return this.#state;
  }

  /** The station ID: given, or learned from its first `DIM?`. */
  get station(): ID | undefined {
    const station = this.#machine.station;
    return station === undefined || station.isBroadcast ? undefined : station;
  }

  /** The session key the station issued. */
  get sessionKey(): string | undefined {
    return this.#machine.sessionKey;
  }

  /**
   * The station's last `DIM!` (what it says of itself beyond the key, e.g.
   * a `dim` station's `presence` to a station), once accepted.
   */
  get accepted(): HandshakeCommand | undefined {
    return this.#accepted;
  }

  /** Our address as the station sees it (`remote_address` of its handshake). */
  get remoteAddress(): [string, number] | undefined {
    return this.#remoteAddress;
  }

  /** The current connection, if any. */
  get connection(): Connection | undefined {
    return this.#conn;
  }

  /** Messages waiting for their receipts. */
  get tracked(): number {
    return this.#tracker.size;
  }

  /**
   * Connects and handshakes; resolves once the station accepted (`DIM!`).
   *
   * @throws {DialError} no connection to the station
   * @throws {HandshakeTimeoutError} no `DIM!` after every attempt
   * @throws {SessionClosedError} the session closed meanwhile
   */
  async connect(): Promise<void> {
    if (this.#state === "closed") {
      throw this.#closeError ?? new SessionClosedError();
    }
    // while a redial is scheduled, it is the one that connects
    if (this.#conn === undefined && this.#redialTimer === undefined) {
      await this.#dial();
    }
    await this.#running.promise;
  }

  /**
   * Sends a content to `receiver`, end-to-end encrypted (plain for
   * broadcast receivers), once the session runs. When no key to encrypt
   * for the receiver is known, its documents are queried from the station
   * first (messages.md §10). Messages to one receiver leave in the order
   * given. The result waits for its receipts.
   *
   * @throws {ReceiverKeyNotFoundError} the station does not know the receiver's visa
   * @throws {MessageNotSentError} the connection did not take it
   * @throws {SessionClosedError} the session closed
   * @throws {HandshakeTimeoutError} the session could not connect
   */
  send(
    receiver: ID,
    content: Content,
    options: SendOptions = {},
  ): Promise<OutgoingMessage> {
    // messages to one receiver leave in the order they were given
    const key = receiver.value;
    const previous = this.#sendChains.get(key) ?? Promise.resolve();
    const task = previous.then(() => this.#sendNow(receiver, content, options));
    const chained = task.then(() => {}, () => {});
    this.#sendChains.set(key, chained);
    chained.then(() => {
      if (this.#sendChains.get(key) === chained) this.#sendChains.delete(key);
    });
    return task;
  }

  async #sendNow(
    receiver: ID,
    content: Content,
    options: SendOptions,
  ): Promise<OutgoingMessage> {
    const msg = await this.pack(receiver, content, options);
    return await this.#dispatch(msg, content.sn);
  }

  /**
   * Packs a content from the local user without sending it: a message to
   * carry inside another (a group message for the assistant, a broadcast
   * of the group's history). A user receiver's key is fetched from the
   * station when unknown; for a group receiver every member's is (members
   * whose key cannot be found are left out of `keys`, as the packer does).
   *
   * @throws {ReceiverKeyNotFoundError} the station does not know the receiver's visa
   * @throws {SessionClosedError} the session closed
   */
  async pack(
    receiver: ID,
    content: Content,
    options: SendOptions = {},
  ): Promise<ReliableMessage> {
    await this.#whenRunning();
    if (receiver.isGroup && !receiver.isBroadcast) {
      for (const member of await this.#directory.members(receiver)) {
        try {
          await this.#ensureKeyFor(member.withoutTerminal());
        } catch (error) {
          if (!(error instanceof ReceiverKeyNotFoundError)) throw error;
          this.#log("warn", `${receiver.value}: ${error.message}`);
        }
      }
    } else if (!receiver.isBroadcast) {
      await this.#ensureKeyFor(receiver.withoutTerminal());
    }
    return await this.#packer.packContent(receiver, content, options);
  }

  /**
   * Waits for the receipts of a message sent inside another one (a group
   * message forwarded to the assistant: its receipt and the members' refer
   * to the inner message).
   */
  track(message: ReliableMessage, sn?: number): OutgoingMessage {
    return this.#tracker.track(message, sn);
  }

  /**
   * Verifies a message that came inside another one (a forwarded group
   * message or command) with its sender's meta — queried from the station
   * when unknown.
   *
   * @throws {KeyNotFoundError} the sender's meta is not known here or at the station
   * @throws {MessageSignatureError} the signature does not verify
   */
  async verify(message: ReliableMessage): Promise<ReliableMessage> {
    try {
      return await this.#packer.verify(message);
    } catch (error) {
      if (!(error instanceof KeyNotFoundError)) throw error;
      await this.#awaitIdentity(message.sender.withoutTerminal(), "meta");
      return await this.#packer.verify(message);
    }
  }

  /**
   * {@link ClientSession.verify}, then decrypt (a broadcast, or a message
   * for the local user).
   *
   * @throws {DecryptionError} not readable here
   */
  async open(message: ReliableMessage): Promise<InstantMessage> {
    return await this.#packer.decrypt(await this.verify(message));
  }

  /**
   * The newest visa of `id`, fetched from the station when unknown here
   * (`undefined` when the station does not know it either).
   */
  async fetchVisa(id: ID): Promise<Document | undefined> {
    const user = id.withoutTerminal();
    const accounts = this.#directory.accounts;
    if (accounts.visa(user) === undefined) {
      await this.#whenRunning();
      await this.#awaitIdentity(user, "key");
    }
    return accounts.visa(user);
  }

  /**
   * Sends a reliable message as it is (a bridge relaying someone else's
   * message), once the connection has room. Resolves with the transport's
   * result (the framing's acknowledgement).
   */
  async sendReliable(message: ReliableMessage | string): Promise<SendResult> {
    const conn = this.#conn;
    if (conn === undefined) return { sent: false, reason: "closed" };
    await conn.ready();
    return await conn.send(
      typeof message === "string" ? message : message.serialize(),
    );
  }

  /**
   * The received messages in order, until the session closes (only one
   * consumer; not with `onMessage`). Keep consuming: a full inbox holds the
   * connection back.
   */
  messages(): AsyncIterable<ReceivedMessage> {
    if (this.#pump !== undefined) {
      throw new TypeError("this session delivers to onMessage");
    }
    return this.#inbox;
  }

  /**
   * Packs the first handshake offer now, before {@link ClientSession.connect}
   * — a load generator prepares before its clock what a client has ready
   * before it connects —, so that the first connection only writes it.
   * Only while no station is known to encrypt for (the offer then goes to
   * `station@anywhere` with the meta and visa attached, as it would); used
   * once, and any other offer is packed when it is sent. Returns the
   * offer's text, or `undefined` when none was packed.
   *
   * @example
   * ```ts ignore
   * await session.packFirstOffer(); // before the clock
   * await session.connect();        // writes it
   * ```
   */
  async packFirstOffer(): Promise<string | undefined> {
    const station = this.station;
    if (station !== undefined && this.#directory.canEncryptFor(station)) {
      return undefined;
    }
    this.#firstOffer = (await this.#packOffer(undefined, false)).serialize();
    return this.#firstOffer;
  }

  /**
   * Makes the message key for `station` and seals it for its visa key now
   * — a load generator prepares before its clock the key a client makes for
   * its station —, so that the offer that carries the session key costs no
   * RSA encryption. `false` when the station's visa is not known here.
   *
   * @example
   * ```ts ignore
   * await session.sealKeyFor(stationId); // before the clock
   * ```
   */
  async sealKeyFor(station: ID): Promise<boolean> {
    return await this.#packer.sealKeyFor(station.withoutTerminal()) !==
      undefined;
  }

  /** Sends `report online` to the station (station.md §3.6). */
  async reportOnline(): Promise<void> {
    await this.#sendToStation(ReportCommand.online());
  }

  /** Sends `report offline`: the station stops pushing to this session. */
  async reportOffline(): Promise<void> {
    await this.#sendToStation(ReportCommand.offline());
  }

  /**
   * Closes: waits briefly for replies under way, reports offline, closes
   * the connection; every wait fails with {@link SessionClosedError}.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ------------------------------------------------------------ connection

  /** One dial at a time. */
  #dial(): Promise<void> {
    this.#dialing ??= this.#open().finally(() => {
      this.#dialing = undefined;
    });
    return this.#dialing;
  }

  /** Dials and sends the first offer (the handshake goes on in the background). */
  async #open(): Promise<void> {
    if (this.#conn !== undefined) return;
    this.#setState("connecting");
    const dial = this.#options.dial ?? dialStation;
    const conn = await dial(this.host, this.port, {
      ...this.#options,
      framing: this.framing,
      path: this.#options.path,
      localAddress: this.#options.localAddress,
      // what we had to say is said: a station that ignores our FIN (the
      // reference) is not waited for long
      lingerTimeout: this.#options.lingerTimeout ?? 250,
      handler: {
        onPayload: (from, lines) => this.#onPayload(from, lines),
        onError: (_from, error) => this.#log("warn", error.message),
      },
    });
    if (this.#state === "closed") {
      conn.close();
      await conn.done;
      throw this.#closeError ?? new SessionClosedError();
    }
    this.#conn = conn;
    conn.done.then((info) => this.#onClosed(conn, info));
    this.#setState("handshaking");
    this.#startTimer();
    this.#offer(this.#machine.begin(Date.now()));
  }

  #onClosed(conn: Connection, info: CloseInfo): void {
    if (conn !== this.#conn) return;
    this.#conn = undefined;
    this.#machine.reset();
    if (this.#state === "closed") return;
    const why =
      `connection to ${this.host}:${this.port} closed (${info.reason})`;
    this.#log("info", why);
    if (this.#options.reconnect && this.#everRan) {
      if (this.#running.settled) this.#running = deferred();
      this.#setState("connecting");
      this.#scheduleRedial(1_000);
      return;
    }
    this.#shutdown(new SessionClosedError(why, { cause: info.error }));
  }

  /** Redials after `delay` ms, doubling the delay (at most 30 s) while it fails. */
  #scheduleRedial(delay: number): void {
    this.#redialTimer = setTimeout(() => {
      this.#redialTimer = undefined;
      if (this.#state === "closed") return;
      this.#dial().catch((error) => {
        this.#log("warn", `reconnect failed: ${error.message}`);
        if (this.#state !== "closed") {
          this.#scheduleRedial(Math.min(30_000, delay * 2));
        }
      });
    }, delay);
  }

  #startTimer(): void {
    if (this.#stopTicks !== undefined) return;
    const period = Math.max(
      10,
      Math.min(
        1_000,
        this.#handshakeTimeout / 4,
        this.#keepOnline > 0 ? this.#keepOnline / 4 : Infinity,
      ),
    );
    this.#stopTicks = sweepEvery(period, { tick: (now) => this.#tick(now) });
  }

  #tick(now: number): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    if (this.#machine.expired(now, this.#handshakeTimeout)) {
      if (this.#machine.attempts < this.#handshakeAttempts) {
        this.#log("info", "no handshake answer: offering again");
        this.#offer(this.#machine.begin(now));
      } else if (this.#options.reconnect && this.#everRan) {
        this.#log("warn", "no handshake answer: reconnecting");
        conn.close();
      } else {
        const error = new HandshakeTimeoutError(
          this.#machine.attempts,
          this.#handshakeTimeout,
        );
        this.#log("warn", error.message);
        this.#shutdown(error);
      }
      return;
    }
    if (
      this.#state === "running" && this.#keepOnline > 0 &&
      now - this.#onlineAt >= this.#keepOnline
    ) {
      this.#onlineAt = now;
      this.#keepAlive();
    }
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onState?.(state);
  }

  #log(level: LogLevel, text: string): void {
    this.#options.onLog?.(level, text);
  }

  /**
   * Runs `task` in the background, logging its failure; with `beforeClose`
   * (a reply under way) close() waits for it a little.
   */
  #spawn(task: Promise<unknown>, what: string, beforeClose = true): void {
    const tracked = task.catch((error) => {
      if (this.#state !== "closed") {
        this.#log("warn", `${what}: ${error?.message ?? error}`);
      }
    });
    if (!beforeClose) return;
    this.#background.add(tracked);
    tracked.finally(() => this.#background.delete(tracked));
  }

  async #whenRunning(): Promise<void> {
    if (this.#state === "closed") {
      throw this.#closeError ?? new SessionClosedError();
    }
    if (this.#state === "idle") await this.connect();
    else await this.#running.promise;
  }

  async #close(): Promise<void> {
    if (this.#state === "closed") return;
    const conn = this.#conn;
    if (conn !== undefined && this.#state === "running") {
      await atMost(Promise.allSettled([...this.#background]), CLOSE_GRACE_MS);
      try {
        const msg = await this.#packForStation(ReportCommand.offline());
        await atMost(conn.send(msg.serialize()), CLOSE_GRACE_MS);
      } catch (error) {
        this.#log("warn", `report offline: ${(error as Error).message}`);
      }
    }
    this.#shutdown(new SessionClosedError());
    if (conn !== undefined) {
      conn.close();
      await conn.done;
    }
    await this.#pump;
  }

  #shutdown(error: Error): void {
    if (this.#state === "closed") return;
    this.#closeError = error;
    this.#setState("closed");
    this.#stopTicks?.();
    clearTimeout(this.#redialTimer);
    this.#stopTicks = undefined;
    this.#redialTimer = undefined;
    this.#running.reject(error);
    this.#tracker.close(error);
    this.#inbox.close();
    this.#identities.wakeAll();
    this.#suspended.clear();
    const conn = this.#conn;
    if (conn !== undefined && !conn.closed) conn.close();
  }

  // ------------------------------------------------------------- handshake

  #offer(step: HandshakeStep): void {
    if (step.action !== "offer") return;
    this.#spawn(this.#sendOffer(step.session), "handshake offer");
  }

  async #sendOffer(session: string | undefined): Promise<void> {
    const station = this.station;
    const direct = station !== undefined &&
      this.#directory.canEncryptFor(station);
    const ready = this.#firstOffer;
    this.#firstOffer = undefined;
    // the answer is the station's handshake, not the framing's acknowledgement
    if (ready !== undefined && session === undefined && !direct) {
      this.sendReliable(ready);
      return;
    }
    this.sendReliable(await this.#packOffer(session, direct));
  }

  async #packOffer(
    session: string | undefined,
    direct: boolean,
  ): Promise<ReliableMessage> {
    // the first offer carries the group stations@everywhere (§3.2 step 1)
    const content = HandshakeCommand.offer(session, {
      group: session === undefined ? EVERY_STATION : undefined,
      receiptArrays: this.#options.receiptArrays ?? true,
    });
    return await this.#packer.packContent(
      direct ? this.station! : ANY_STATION,
      content,
      { attach: session === undefined || !direct },
    );
  }

  #onHandshake(command: HandshakeCommand, sender: ID): void {
    const step = this.#machine.receive({
      sender,
      title: command.title,
      session: command.session,
    }, Date.now());
    if (step.action === "ignore") {
      this.#log("debug", step.reason);
      return;
    }
    this.#remoteAddress = command.remoteAddress ?? this.#remoteAddress;
    if (step.action === "offer") {
      if (this.#state === "running") this.#running = deferred();
      this.#setState("handshaking");
      this.#offer(step);
      return;
    }
    this.#log("info", `handshake accepted by ${sender.value}`);
    this.#accepted = command;
    this.#everRan = true;
    this.#setState("running");
    this.#running.resolve();
    this.#onlineAt = Date.now();
    if (this.#options.announceVisa ?? !this.#isStation) {
      this.#spawn(this.#announceVisa(), "visa broadcast");
    }
    if (this.#options.loginOnConnect ?? !this.#isStation) this.#keepAlive();
  }

  /** Login broadcast (users, bots) or `report online` (a station ID). */
  #keepAlive(): void {
    if (this.#isStation) {
      this.#spawn(this.reportOnline(), "report online");
      return;
    }
    const login = LoginCommand.create(this.user, {
      agent: this.#options.agent ?? DEFAULT_AGENT,
      station: { id: this.station, host: this.host, port: this.port },
    });
    this.#spawn(this.send(EVERYONE, login), "login");
  }

  async #announceVisa(): Promise<void> {
    const user = this.#packer.user;
    const visa = this.#options.accounts.visa(this.user) ?? user.visa;
    if (visa === undefined) return;
    // with the meta: a station that lost it still takes the visa
    await this.send(
      EVERYONE,
      DocumentCommand.response(this.user, user.meta, [visa]),
    );
  }

  /** Sends our visa to `receiver` (messages.md §10), at most once in 10 minutes. */
  #pushVisa(receiver: ID): void {
    const now = Date.now();
    const last = this.#visaPushed.get(receiver.value);
    if (last !== undefined && now - last < VISA_PUSH_INTERVAL_MS) return;
    this.#visaPushed.set(receiver.value, now);
    const user = this.#packer.user;
    const visa = this.#options.accounts.visa(this.user) ?? user.visa;
    if (visa === undefined) return;
    this.#spawn(
      this.send(
        receiver,
        DocumentCommand.response(this.user, user.meta, [visa]),
      ),
      `visa to ${receiver.value}`,
    );
  }

  async #packForStation(content: Content): Promise<ReliableMessage> {
    const station = this.station;
    const receiver = station !== undefined &&
        this.#directory.canEncryptFor(station)
      ? station
      : ANY_STATION;
    return await this.#packer.packContent(receiver, content);
  }

  async #sendToStation(content: Content): Promise<OutgoingMessage> {
    return await this.#dispatch(
      await this.#packForStation(content),
      content.sn,
    );
  }

  /**
   * Tracks and queues a packed message. Resolves once it is queued (the
   * framing's acknowledgement may come much later, or — Mars — never); a
   * send that then fails fails the receipt waits.
   *
   * @throws {MessageNotSentError} no connection
   */
  async #dispatch(
    msg: ReliableMessage,
    sn: number | undefined,
  ): Promise<OutgoingMessage> {
    const conn = this.#conn;
    if (conn === undefined) throw new MessageNotSentError("closed");
    await conn.ready();
    if (conn.closed) throw new MessageNotSentError("closed");
    const outgoing = this.#tracker.track(msg, sn);
    conn.send(msg.serialize()).then((result) => {
      if (!result.sent) outgoing.fail(new MessageNotSentError(result.reason));
    });
    return outgoing;
  }

  // ------------------------------------------------------------ identities

  /** After a query: drops what was suspended for `id` if its meta did not come. */
  async #settleQuery(id: ID, sent: Promise<OutgoingMessage>): Promise<void> {
    const outgoing = await sent;
    const deadline = Date.now() + this.#queryTimeout;
    let answer = "no answer";
    try {
      answer = (await outgoing.stationReceipt(this.#queryTimeout)).text;
    } catch {
      // a documents reply is not a receipt: the wait ends by its timeout
    }
    // "not found": a station asks its neighbours and may push their answer
    // (station.md §4.13), so what waits for it is kept until the timeout
    const unknown = () => this.#directory.accounts.meta(id) === undefined;
    while (unknown() && Date.now() < deadline && this.#state !== "closed") {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (unknown()) {
      this.#dropSuspended(id, answer);
    }
  }

  /** Waits until a key to encrypt for `id` is known, querying the station. */
  async #ensureKeyFor(id: ID): Promise<void> {
    if (this.#directory.canEncryptFor(id)) return;
    const detail = await this.#awaitIdentity(id, "key");
    if (detail === DOCUMENT_NOT_FOUND && !this.#directory.canEncryptFor(id)) {
      // the station asked its neighbours (station.md §4.13) and pushes
      // their answer: a user of a neighbour station is found a moment later
      await this.#identities.arrival(id, "key", NEIGHBOUR_ANSWER_MS);
      if (this.#state === "closed") {
        throw this.#closeError ?? new SessionClosedError();
      }
    }
    if (this.#directory.canEncryptFor(id)) return;
    if (detail !== undefined) {
      throw new ReceiverKeyNotFoundError(id.value, "not-found", detail);
    }
    throw new ReceiverKeyNotFoundError(
      id.value,
      this.#directory.accounts.meta(id) === undefined ? "timeout" : "no-key",
    );
  }

  /**
   * Queries the station for `id` and waits until its `what` (a key to
   * encrypt with, or its meta) came, the station said it has none (its
   * answer is returned), or the query time is up.
   */
  async #awaitIdentity(
    id: ID,
    what: IdentityWanted,
  ): Promise<string | undefined> {
    const detail = await this.#identities.wait(id, what);
    if (this.#state === "closed") {
      throw this.#closeError ?? new SessionClosedError();
    }
    return detail;
  }

  /** New identity data of `id` arrived: wake sends, resume suspended messages. */
  #identityUpdated(id: ID): void {
    const key = id.withoutTerminal().value;
    this.#identities.wake(id);
    const suspended = this.#directory.accounts.meta(id)
      ? this.#suspended.take(key)
      : undefined;
    if (suspended !== undefined) {
      this.#log("debug", `resuming ${suspended.length} message(s) of ${key}`);
      this.#spawn(
        (async () => {
          for (const msg of suspended) await this.#receive(msg);
        })(),
        `resume ${key}`,
      );
    }
  }

  async #saveIdentity(command: DocumentCommand | MetaCommand): Promise<void> {
    const id = command.identifier;
    if (id === undefined) return;
    const saved = command instanceof DocumentCommand
      ? await this.#directory.saveDocuments(
        id,
        command.metaDictionary,
        command.documents,
      )
      : await this.#directory.saveMeta(id, command.metaDictionary);
    this.#log("debug", `${command.name} of ${id.value}: saved=${saved}`);
    this.#identityUpdated(id);
  }

  #suspend(msg: ReliableMessage, user: ID): void {
    const key = user.withoutTerminal().value;
    this.#suspended.add(key, msg);
    this.#log("debug", `suspended a message of ${key}: its meta is unknown`);
    this.#identities.query(user.withoutTerminal(), QUERY_INTERVAL_MS);
  }

  #dropSuspended(id: ID, why: string): void {
    const list = this.#suspended.take(id.value);
    if (list === undefined) return;
    this.#log(
      "warn",
      `dropped ${list.length} message(s) of ${id.value}: its meta is unknown (${why})`,
    );
  }

  // -------------------------------------------------------------- receiving

  async #onPayload(conn: Connection, lines: readonly string[]): Promise<void> {
    if (conn !== this.#conn) return;
    for (const line of lines) {
      if (this.#options.onLine?.(line)) continue;
      let msg: ReliableMessage;
      try {
        msg = ReliableMessage.parse(line);
      } catch (error) {
        this.#log("warn", `dropped a line: ${(error as Error).message}`);
        continue;
      }
      if (await this.#options.onReliable?.(msg)) continue;
      await this.#receive(msg);
    }
  }

  async #receive(msg: ReliableMessage, depth = 0): Promise<void> {
    const seenKey = `${msg.signature.slice(-16)}:${msg.receiver.value}`;
    // a group's history is forwarded again on each query: its broadcast
    // commands are taken each time (applying them again changes nothing)
    const again = depth > 0 && msg.receiver.isBroadcast;
    if (!again && this.#seen.has(seenKey)) {
      this.#log("debug", `duplicate message from ${msg.sender.value} dropped`);
      return;
    }
    let instant: InstantMessage;
    const sample = this.#options.signatureSample;
    const check = sample?.check(msg) ?? true;
    try {
      instant = check
        ? await this.#packer.unpack(msg)
        : await this.#packer.decrypt(msg);
    } catch (error) {
      if (error instanceof MessageSignatureError) sample?.rejected?.(msg);
      if (error instanceof KeyNotFoundError) {
        this.#suspend(msg, msg.sender);
      } else if (error instanceof MessageError) {
        this.#log(
          "warn",
          `dropped a message from ${msg.sender.value}: ${error.name}: ${error.message}`,
        );
        if (error instanceof DecryptionError && error.reason === "key") {
          // encrypted for a key we no longer have: give the sender our visa
          this.#pushVisa(msg.sender.withoutTerminal());
        }
      } else {
        throw error;
      }
      return;
    }
    this.#seen.set(seenKey, true);
    await this.#process(instant, msg, depth);
  }

  async #process(
    instant: InstantMessage,
    msg: ReliableMessage,
    depth: number,
  ): Promise<void> {
    const content = instant.content;
    const sender = instant.sender.withoutTerminal();
    const station = this.station;
    const fromStation = sender.type === EntityType.STATION ||
      (station !== undefined && sender.equals(station));
    if (content instanceof HandshakeCommand) {
      this.#onHandshake(content, sender);
      return;
    }
    if (content instanceof ArrayContent) {
      // each item as if it had come alone (e.g. the station's batched receipts)
      for (const item of content.contents) {
        const one = InstantMessage.parse({
          ...instant.dictionary,
          content: item,
        });
        await this.#process(one, msg, depth);
      }
      return;
    }
    if (content instanceof ReceiptCommand) {
      this.#tracker.match(content, sender, fromStation);
      if (fromStation) return;
    } else if (
      (content instanceof DocumentCommand && !content.isQuery) ||
      (content instanceof MetaCommand && content.metaDictionary !== undefined)
    ) {
      await this.#saveIdentity(content);
      return;
    }
    this.#checkDocumentTime(instant, sender);
    if (
      content instanceof ForwardContent &&
      (this.#options.unwrapForwards ?? true)
    ) {
      this.#receiptIfNeeded(instant, msg, sender, fromStation);
      await this.#unwrap(content, sender, depth);
      return;
    }
    if (content instanceof GroupCommand) this.#applyGroupCommand(content, msg);
    await this.#inbox.push({
      sender,
      receiver: instant.receiver,
      content,
      time: instant.time,
      group: content.group ?? instant.group,
      fromStation,
      instant,
      reliable: msg,
    });
    this.#receiptIfNeeded(instant, msg, sender, fromStation);
  }

  /** Sends "Message received." when §6.1 asks for it. */
  #receiptIfNeeded(
    instant: InstantMessage,
    msg: ReliableMessage,
    sender: ID,
    fromStation: boolean,
  ): void {
    if (!this.#needsReceipt(instant, sender, fromStation)) return;
    const content = instant.content;
    const receipt = ReceiptCommand.create("Message received.", msg, {
      originSn: content.sn,
      group: content.group,
    });
    this.#spawn(this.send(sender, receipt), `receipt to ${sender.value}`);
  }

  /** Receives each message a forward carries, as if it had come directly. */
  async #unwrap(
    forward: ForwardContent,
    from: ID,
    depth: number,
  ): Promise<void> {
    if (depth >= MAX_FORWARD_DEPTH) {
      this.#log(
        "warn",
        `dropped a forward from ${from.value}: nested too deep`,
      );
      return;
    }
    const carried: ReliableMessage[] = [];
    for (const dict of forward.messages) {
      let inner: ReliableMessage;
      try {
        inner = ReliableMessage.parse(dict);
      } catch (error) {
        this.#log(
          "warn",
          `dropped a message forwarded by ${from.value}: ${
            (error as Error).message
          }`,
        );
        continue;
      }
      carried.push(inner);
      await this.#receive(inner, depth + 1);
    }
    this.#options.onForward?.(from, carried);
  }

  /** Applies a received group command to the book, when there is one. */
  #applyGroupCommand(command: GroupCommand, msg: ReliableMessage): void {
    const groups = this.#options.groups;
    if (groups === undefined) return;
    try {
      const result = groups.apply(command, msg);
      if (!result.ok) {
        this.#log(
          "debug",
          `${command.name} of ${msg.sender.value} not applied: ${result.refusal.text} ${
            JSON.stringify(result.refusal.replacements)
          }`,
        );
      }
    } catch (error) {
      this.#log("warn", `group command ${command.name}: ${error}`);
    }
  }

  /** A sender document time (`SDT`) newer than its stored visa: ask again. */
  #checkDocumentTime(instant: InstantMessage, sender: ID): void {
    const time = instant.senderDocumentTime;
    if (time === undefined) return;
    const known = this.#directory.accounts.visa(sender)?.time ?? 0;
    if (time > known) this.#identities.query(sender, QUERY_INTERVAL_MS);
  }

  /** §6.1: user messages that are not commands, to us personally. */
  #needsReceipt(
    instant: InstantMessage,
    sender: ID,
    fromStation: boolean,
  ): boolean {
    if (!(this.#options.sendReceipts ?? true) || fromStation) return false;
    if (sender.type !== EntityType.USER || instant.receiver.isBroadcast) {
      return false;
    }
    const type = instant.type ?? instant.content.type;
    return type !== ContentType.COMMAND && type !== ContentType.HISTORY &&
      !(instant.content instanceof Command);
  }

  async #runPump(
    onMessage: (message: ReceivedMessage) => void | Promise<void>,
  ): Promise<void> {
    for await (const message of this.#inbox) {
      try {
        await onMessage(message);
      } catch (error) {
        this.#log("warn", `onMessage: ${(error as Error).message}`);
      }
    }
  }
}
