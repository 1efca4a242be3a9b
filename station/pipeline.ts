/**
 * The inbound pipeline (station.md §4.1): every message a session sends
 * goes through
 *
 * 1. parse — routing members only (`ReliableMessage.parse`); bad lines are
 *    dropped, the connection stays;
 * 2. the login gate — a message that needs delivery from an unbound or
 *    inactive session is suspended and a forced `DIM?` returned (§3.3);
 * 3. the sender check (ours, configurable) — on a user session a message to
 *    be delivered must come from the session's user;
 * 4. the block filter — the receiver blocked the sender (or the group);
 * 5. traces — a message back at this station is dropped when station or
 *    broadcast traffic (§4.3);
 * 6. routing by receiver (§4.4): delivered without verification or
 *    decryption, with the delivery receipt as the response; or processed
 *    here — verified unless trusted (§4.2), decrypted, handed to the
 *    content processors, each reply packed as its own message
 *    (`replies.ts`).
 *
 * `assemble.ts` builds a pipeline with all its parts.
 *
 * @module
 */
import {
  DocumentCommand,
  HandshakeCommand,
  ReceiptCommand,
} from "../dimp/command/mod.ts";
import { type Content, ContentType } from "../dimp/content/mod.ts";
import {
  ANY_STATION,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  type ID,
} from "../dimp/identity/mod.ts";
import {
  DecryptionError,
  type Envelope,
  type InstantMessage,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  ReliableMessage,
} from "../dimp/message/mod.ts";
import type { Accounts, Store } from "../store/mod.ts";
import type { AnsBook } from "./ans.ts";
import type { BlockLists } from "./block_lists.ts";
import type { Request, StationCore, StationParts } from "./core.ts";
import type { Delivery, DeliveryListener, Dispatcher } from "./dispatcher.ts";
import type { StationIdentity } from "./identity.ts";
import type { StationLog } from "../client/log.ts";
import type { StationMessenger } from "./messenger.ts";
import type { OfflineDelivery } from "./offline.ts";
import { processContent } from "./processors/mod.ts";
import { PRIORITY_NORMAL } from "./push_queue.ts";
import { ReceiptOutbox } from "./receipt_outbox.ts";
import { Replies } from "./replies.ts";
import type { SignerPool, SignerThreads } from "./signer.ts";
import type { DecryptPool } from "./decrypt_pool.ts";
import type { ParsedLines } from "./handshake_pool.ts";
import { routeOf } from "./routes.ts";
import type { Session } from "./session.ts";
import type { SessionCenter } from "./session_center.ts";
import type { StationStats } from "./stats.ts";
import { NeighbourQueries } from "./neighbour_queries.ts";
import type { TracePool } from "./traces.ts";

/** The parts the pipeline works with. */
export interface PipelineParts extends StationParts {
  /** The loop detector. */
  readonly traces: TracePool;
  /** The signing threads to stop with the pipeline, if any. */
  readonly signer?: SignerPool;
  /** The station's decryption keys on their threads (closed with the pipeline). */
  readonly decryptKeys?: readonly DecryptPool[];
}

/** The pipeline's switches. */
export interface PipelineOptions {
  /** Refuse routed messages whose sender is not the session's user (default true). */
  readonly checkSender?: boolean;
  /** Push non-command `everyone@everywhere` broadcasts to local users (default true). */
  readonly broadcastToUsers?: boolean;
  /** The largest message accepted (bytes; default 1 MiB). */
  readonly maxMessageBytes?: number;
  /**
   * Also verify the signature of every message routed to others (default
   * false: receivers verify end to end, station.md §4.2).
   */
  readonly verifyRouted?: boolean;
  /**
   * How long a receipt for a client that asked for batched receipts waits
   * for others due to it (ms, default 5; see `receipt_outbox.ts`).
   */
  readonly receiptDelayMs?: number;
}

/** What happens to a message the station processes itself. */
interface LocalOptions {
  /** Attach the station's meta and visa to the first reply. */
  readonly attach?: boolean;
  /** Its signature was checked already. */
  readonly verified?: boolean;
  /** Its content, when already decrypted. */
  readonly instant?: InstantMessage;
}

/**
 * The receipt text for a message refused by the sender check.
 *
 * @example
 * ```ts
 * SENDER_REFUSED_TEXT; // "Permission denied."
 * ```
 */
export const SENDER_REFUSED_TEXT = "Permission denied.";

/**
 * The inbound pipeline, and the {@link StationCore} the processors use.
 *
 * @example
 * ```ts ignore
 * const responses = await pipeline.receive(session, lines); // JSON texts to write back
 * ```
 */
export class Pipeline implements StationCore {
  readonly identity: StationIdentity;
  readonly accounts: Accounts;
  readonly store: Store;
  readonly center: SessionCenter;
  readonly dispatcher: Dispatcher;
  readonly offline: OfflineDelivery;
  readonly ans: AnsBook;
  readonly blocks: BlockLists;
  readonly messenger: StationMessenger;
  readonly stats: StationStats;
  readonly log: StationLog;
  readonly queries: NeighbourQueries;
  readonly #traces: TracePool;
  readonly #replies: Replies;
  readonly #receipts: ReceiptOutbox;
  readonly #answers: _Answers;
  readonly #signer: SignerPool | undefined;
  readonly #decryptKeys: readonly DecryptPool[];
  readonly #checkSender: boolean;
  readonly #fanOut: boolean;
  readonly #maxBytes: number;
  readonly #verifyRouted: boolean;

  /** Wires the parts. */
  constructor(parts: PipelineParts, options: PipelineOptions = {}) {
    this.identity = parts.identity;
    this.accounts = parts.accounts;
    this.store = parts.store;
    this.center = parts.center;
    this.dispatcher = parts.dispatcher;
    this.offline = parts.offline;
    this.ans = parts.ans;
    this.blocks = parts.blocks;
    this.messenger = parts.messenger;
    this.stats = parts.stats;
    this.log = parts.log;
    this.#traces = parts.traces;
    this.#replies = new Replies(parts);
    this.#receipts = new ReceiptOutbox(this.#replies, this.log, {
      delayMs: options.receiptDelayMs,
    });
    this.#answers = new _Answers(this.#receipts, this.log);
    this.#signer = parts.signer;
    this.#decryptKeys = parts.decryptKeys ?? [];
    this.#checkSender = options.checkSender ?? true;
    this.#fanOut = options.broadcastToUsers ?? true;
    this.#maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.#verifyRouted = options.verifyRouted ?? false;
    this.queries = new NeighbourQueries({
      send: (content) => this.#askStations(content),
      reachable: () => this.dispatcher.reachesStations(),
      log: this.log,
    });
  }

  /**
   * Processes the lines of one payload in order and returns the responses
   * to write back at once (one message each). Tasks the processing left for
   * after the responses (deliveries after a handshake) are scheduled.
   * Messages routed to others are handled at once; the result is a promise
   * only from the first line that needs more (processing here, a refusal).
   * `parsed`: the lines parsed ahead (`HandshakePool.prepare`), not
   * parsed again.
   */
  receive(
    session: Session,
    lines: readonly string[],
    parsed?: ParsedLines,
  ): string[] | Promise<string[]> {
    for (let i = 0; i < lines.length; i++) {
      const msg = this.#parse(session, lines[i], parsed?.[i]);
      if (msg === undefined || this.#routeNow(session, msg)) continue;
      return this.#receiveRest(session, lines, i, msg, parsed);
    }
    this.#scheduleAfterReply(session);
    return [];
  }

  /** {@link Pipeline.receive} from line `from` (parsed as `first`) on. */
  async #receiveRest(
    session: Session,
    lines: readonly string[],
    from: number,
    first: ReliableMessage,
    parsed: ParsedLines | undefined,
  ): Promise<string[]> {
    const responses: string[] = [];
    for (let i = from; i < lines.length; i++) {
      const msg = i === from
        ? first
        : this.#parse(session, lines[i], parsed?.[i]);
      if (msg === undefined) continue;
      try {
        for (const reply of await this.process(session, msg, 0)) {
          responses.push(reply.serialize());
        }
      } catch (error) {
        this.stats.drop("malformed");
        _logFailure(this.log, session, msg, error);
      }
    }
    this.#scheduleAfterReply(session);
    return responses;
  }

  /**
   * One line as a message (`ahead`: parsed already), counted; `undefined`
   * (dropped, counted) when it is none.
   */
  #parse(
    session: Session,
    line: string,
    ahead: ReliableMessage | undefined,
  ): ReliableMessage | undefined {
    let msg: ReliableMessage;
    try {
      msg = ahead ?? ReliableMessage.parse(line, { maxBytes: this.#maxBytes });
    } catch (error) {
      this.stats.drop(
        error instanceof MessageTooLargeError ? "too_large" : "malformed",
      );
      this.log.debug(`${session.address}: line dropped: ${error}`);
      return undefined;
    }
    this.stats.received++;
    this.stats.receivedBy[session.conn.framing]++;
    return msg;
  }

  /**
   * Routes a message for a user or another station from a session that
   * may send it, when nothing about it needs an answer now (the common
   * case): the same steps as {@link Pipeline.process}, without a promise.
   * `false` (and nothing done) when it needs the full path.
   */
  #routeNow(session: Session, msg: ReliableMessage): boolean {
    if (this.#verifyRouted) return false;
    const station = this.identity.id;
    const receiver = msg.receiver;
    const route = routeOf(receiver, station);
    if (route !== "entity" && route !== "station") return false;
    const user = session.identifier;
    if (user === undefined || !session.active) return false;
    const sender = msg.sender.withoutTerminal();
    if (this.#checkSender && !session.isStation && !user.equals(sender)) {
      return false;
    }
    if (
      route === "entity" && this.blocks.isBlocked(receiver, sender, msg.group)
    ) return false;
    try {
      if (this.#looped(msg, sender)) return true;
      this.#answerWhenDelivered(session, msg, receiver);
    } catch (error) {
      this.stats.drop("malformed");
      _logFailure(this.log, session, msg, error);
    }
    return true;
  }

  /** Processes one message; returns the reply messages for its session. */
  async process(
    session: Session,
    msg: ReliableMessage,
    depth: number,
  ): Promise<ReliableMessage[]> {
    const station = this.identity.id;
    const receiver = msg.receiver;
    const sender = msg.sender.withoutTerminal();
    const route = routeOf(receiver, station);
    if (route !== "local") {
      const user = session.identifier;
      if (user === undefined || !session.active) {
        if (session.suspend(msg)) this.stats.drop("suspended_overflow");
        this.stats.suspended++;
        return this.#replies.answer(session, msg, [
          HandshakeCommand.again(session.key, { force: true }),
        ]);
      }
      if (this.#checkSender && !session.isStation && !user.equals(sender)) {
        return this.#refuseSender(session, msg);
      }
      if (
        route === "entity" && this.blocks.isBlocked(receiver, sender, msg.group)
      ) {
        this.stats.drop("blocked");
        return this.#replies.answer(session, msg, [this.#blockedReceipt(msg)]);
      }
    }
    if (this.#looped(msg, sender)) return [];
    switch (route) {
      case "local":
        return this.#processLocal(session, msg, depth, {
          attach: receiver.equals(ANY_STATION) ||
            msg.group?.equals(EVERY_STATION) === true,
        });
      case "broadcast":
        return this.#broadcast(session, msg, depth);
      case "alias":
        if (this.#verifyRouted && !await this.#verified(msg)) return [];
        await this.#alias(msg);
        return [];
      case "group-broadcast":
      case "group":
        this.stats.drop("no_route");
        this.log.debug(
          `message to ${receiver.value} dropped: not for a station`,
        );
        return [];
      default:
        if (this.#verifyRouted && !await this.#verified(msg)) return [];
        this.#answerWhenDelivered(session, msg, receiver);
        return [];
    }
  }

  /**
   * Traces the message here (station.md §4.3); `true` when it came back and
   * is dropped: station or broadcast traffic (a user's message seen before
   * is only logged, and delivered).
   */
  #looped(msg: ReliableMessage, sender: ID): boolean {
    const receiver = msg.receiver;
    if (!this.#traces.check(msg, this.identity.id)) return false;
    if (
      sender.type === EntityType.STATION ||
      receiver.type === EntityType.STATION || receiver.isBroadcast
    ) {
      this.stats.drop("looped");
      this.log.debug(
        `looped message dropped: ${sender.value} -> ${receiver.value}`,
      );
      return true;
    }
    this.log.debug(`message seen before: ${sender.value} -> ${receiver.value}`);
    return false;
  }

  /**
   * Delivers without holding up the session: its next message is read
   * while this one waits for its receiver or the store; the receipt leaves
   * through the outbox once the delivery settled.
   */
  #answerWhenDelivered(
    session: Session,
    msg: ReliableMessage,
    receiver: ID,
  ): void {
    // one listener for every message, given the session back: nothing per
    // message but what the dispatcher keeps (not the message, when it can)
    this.dispatcher.deliverThen(msg, receiver, this.#answers, session);
  }

  /**
   * Takes the signing threads away ({@link SignerPool.release}); from now
   * on the station's replies are signed on this thread.
   */
  releaseSignerThreads(): SignerThreads | undefined {
    return this.#signer?.release();
  }

  /**
   * Stops the signing threads and commits the queued store writes (call it
   * before closing the store).
   */
  close(): void {
    this.#receipts.flush();
    this.#signer?.close();
    for (const key of this.#decryptKeys) key.close();
    this.offline.close();
  }

  /** {@inheritDoc StationCore.processContent} */
  processContent(content: Content, request: Request): Promise<Content[]> {
    return Promise.resolve(processContent(content, request, this));
  }

  /** {@inheritDoc StationCore.bound} */
  bound(session: Session): void {
    session.hold();
    session.afterReply(() => {
      session.release();
      this.offline.load(session);
      void this.#replay(session);
    });
  }

  /** {@inheritDoc StationCore.activated} */
  activated(session: Session): void {
    session.afterReply(() => this.offline.load(session));
  }

  async #replay(session: Session): Promise<void> {
    for (const msg of session.takeSuspended()) {
      if (session.conn.closed) return;
      try {
        for (const reply of await this.process(session, msg, 0)) {
          session.push({
            priority: PRIORITY_NORMAL,
            payload: reply.serialize(),
          });
        }
      } catch (error) {
        this.log.error(`replay for ${session.address} failed: ${error}`);
      }
      this.#scheduleAfterReply(session);
    }
  }

  #scheduleAfterReply(session: Session): void {
    const tasks = session.takeAfterReply();
    if (tasks.length === 0) return;
    setTimeout(() => {
      for (const task of tasks) {
        try {
          task();
        } catch (error) {
          this.log.error(`after-reply task failed: ${error}`);
        }
      }
    }, 0);
  }

  async #processLocal(
    session: Session,
    msg: ReliableMessage,
    depth: number,
    options: LocalOptions,
  ): Promise<ReliableMessage[]> {
    const sender = msg.sender.withoutTerminal();
    if (
      !options.verified && !this.#trusted(session, msg) &&
      !await this.#verified(msg)
    ) {
      return [];
    }
    let instant = options.instant;
    if (instant === undefined) {
      try {
        instant = await this.messenger.decrypt(msg);
      } catch (error) {
        this.stats.drop("not_decrypted");
        this.log.warn(`message from ${sender.value} not decrypted: ${error}`);
        // a client with an old visa of ours: send it the current one
        return error instanceof DecryptionError
          ? this.#replies.answer(session, msg, [this.#stationDocuments()])
          : [];
      }
    }
    this.stats.processed++;
    const request: Request = { session, msg, sender, depth };
    const replies = await processContent(instant.content, request, this);
    return this.#replies.answer(session, msg, replies, options.attach);
  }

  /** Verifies a message; `false` (dropped, logged) when it does not. */
  async #verified(msg: ReliableMessage): Promise<boolean> {
    try {
      await this.messenger.verify(msg);
      return true;
    } catch (error) {
      this.stats.drop("not_verified");
      this.log.warn(`message from ${msg.sender.value} not verified: ${error}`);
      return false;
    }
  }

  async #broadcast(
    session: Session,
    msg: ReliableMessage,
    depth: number,
  ): Promise<ReliableMessage[]> {
    const sender = msg.sender.withoutTerminal();
    if (!this.#trusted(session, msg) && !await this.#verified(msg)) return [];
    let instant: InstantMessage;
    try {
      instant = await this.messenger.decrypt(msg);
    } catch (error) {
      this.stats.drop("not_decrypted");
      this.log.warn(`broadcast from ${sender.value} unreadable: ${error}`);
      return [];
    }
    this.stats.routed++;
    this.stats.routedBy.broadcast++;
    this.dispatcher.broadcast(msg, session);
    const type = instant.content.type;
    if (
      this.#fanOut && msg.receiver.equals(EVERYONE) &&
      type !== ContentType.COMMAND && type !== ContentType.HISTORY
    ) {
      this.dispatcher.fanOut(msg);
    }
    return this.#processLocal(session, msg, depth, {
      verified: true,
      instant,
    });
  }

  /**
   * A query from this station to `stations@everywhere`, traced here (a copy
   * coming back is dropped) and given to every neighbour once (§4.13).
   */
  async #askStations(content: Content): Promise<void> {
    const msg = await this.messenger.pack(EVERY_STATION, content);
    if (msg === undefined) return;
    this.#traces.check(msg, this.identity.id);
    this.dispatcher.broadcast(msg);
  }

  /** `name@anywhere`: to the bot the ANS names, pushed only (§4.4). */
  async #alias(msg: ReliableMessage): Promise<void> {
    const name = msg.receiver.name ?? "";
    const bot = this.ans.resolve(name);
    const sender = msg.sender.withoutTerminal();
    if (
      bot === undefined || bot.isBroadcast || bot.equals(sender) ||
      bot.equals(this.identity.id)
    ) {
      this.stats.drop("no_route");
      this.log.debug(`message to ${msg.receiver.value} dropped: no such bot`);
      return;
    }
    await this.dispatcher.deliver(msg, bot, "bot");
  }

  /** Trusted (§4.2): bound, and the sender is the session's user, or a station session. */
  #trusted(session: Session, msg: ReliableMessage): boolean {
    const user = session.identifier;
    if (user === undefined) return false;
    return session.isStation || user.equals(msg.sender.withoutTerminal());
  }

  #refuseSender(
    session: Session,
    msg: ReliableMessage,
  ): Promise<ReliableMessage[]> {
    const user = session.identifier!;
    this.stats.drop("sender_refused");
    this.log.warn(
      `${session.address}: message from ${msg.sender.value} refused on the session of ${user.value}`,
    );
    const receipt = ReceiptCommand.create(SENDER_REFUSED_TEXT, msg, {
      extra: {
        template:
          "Message from ${sender} refused: this session belongs to ${user}.",
        replacements: { sender: msg.sender.value, user: user.value },
      },
    });
    return this.#replies.pack(session, user, [receipt], false);
  }

  #blockedReceipt(msg: ReliableMessage): ReceiptCommand {
    const group = msg.group;
    const name = this.#nameOf(msg.receiver);
    const text = group === undefined
      ? `Message is blocked by "${name}"`
      : `Message is blocked by "${name}" in group "${this.#nameOf(group)}"`;
    return ReceiptCommand.create(text, msg, { group });
  }

  #nameOf(id: ID): string {
    const document = id.isGroup
      ? this.accounts.document(id)
      : this.accounts.visa(id);
    return document?.name ?? id.name ?? id.address.value;
  }

  #stationDocuments(): Content {
    return DocumentCommand.response(
      this.identity.id,
      this.identity.meta,
      [this.identity.visa],
    );
  }
}

/**
 * Sends the receipts of routed messages once their deliveries settled: one
 * object of one class for every pipeline (the self warm-up's and the
 * station's call the same method).
 */
class _Answers implements DeliveryListener<Session> {
  readonly #receipts: ReceiptOutbox;
  readonly #log: StationLog;

  constructor(receipts: ReceiptOutbox, log: StationLog) {
    this.#receipts = receipts;
    this.#log = log;
  }

  settled(delivery: Delivery, origin: Envelope, session: Session): void {
    try {
      this.#receipts.send(session, origin, delivery);
    } catch (error) {
      _logFailure(this.#log, session, origin, error);
    }
  }
}

/** A message whose processing threw: where it came from, where it went, why. */
function _logFailure(
  log: StationLog,
  session: Session,
  msg: Envelope,
  error: unknown,
): void {
  log.error(
    `${session.address}: ${msg.sender.value} -> ${msg.receiver.value}: ${
      (error as Error).stack ?? error
    }`,
  );
}
