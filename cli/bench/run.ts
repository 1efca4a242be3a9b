/**
 * The load generator behind `dim bench`: it speaks only the protocol, so it
 * measures any DIM station.
 *
 * 1. Packs every message before the clock starts ({@link planMessages}).
 * 2. Connects and handshakes every user (a {@link ClientSession} each; the
 *    first offer carries the user's meta and visa, so a fresh station learns
 *    them), a few at a time.
 * 3. The timed phase: each user writes its pre-encoded frames, at most
 *    `window` in flight (sent, neither delivered nor answered by the station
 *    yet), at the offered `rate` when one is given. Arrivals are recognised
 *    by their signature alone — a delivery is never decrypted nor verified.
 *    Over MTP the bench reads the frames itself ({@link RawMtpConnection}):
 *    a text is found by the `signature` in its bytes (no UTF-8 decoding, no
 *    JSON parsing) and acknowledged with `OK` from a template. The station's
 *    receipts are decrypted to match them — once a session has opened one
 *    station message, the next ones with the same sealed key are read from
 *    their bytes (the envelope, then the decrypted receipts; anything
 *    unusual the ordinary way) —; the station's signature is verified on
 *    the first receipt message of each session and every
 *    {@link VERIFY_EVERY}th after it (every one with `verifyAll`).
 * 4. Online (the default) every user sends to the next one (a ring), all
 *    connected. Offline, the users send to as many other users who
 *    handshook once (so the station knows them) and went away; when every
 *    message is answered they connect and drain their stored messages.
 *
 * @module
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { ArrayContent, parseContent } from "../../dimp/content/mod.ts";
import { generatePrivateKey } from "../../dimp/crypto/mod.ts";
import {
  defaultSeed,
  EntityType,
  Meta,
  MetaType,
} from "../../dimp/identity/mod.ts";
import {
  type CipherKeyCache,
  type EntityDirectory,
  type LocalUser,
  MemoryCipherKeyCache,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import type { Connection, Framing } from "../../client/transport/mod.ts";
import { ByteSlab } from "../../dimp/transport/mod.ts";
import type { Accounts } from "../../store/mod.ts";
import {
  AccountsDirectory,
  ClientSession,
  type ClientSessionOptions,
  type LogLevel,
} from "../../client/mod.ts";
import { collectGarbage } from "../../station/collect_garbage.ts";
import { eachLimited } from "./_each_limited.ts";
import { LoopLag } from "./_loop_lag.ts";
import { type MirrorRoute, MirrorStation } from "./_mirror_station.ts";
import { Pacer } from "./_pacer.ts";
import {
  benchFrame,
  type FrameTap,
  type RawBuffers,
  rawBuffers,
  RawMtpConnection,
} from "./_raw_mtp_connection.ts";
import { ReceiptOpener } from "./_receipt_opener.ts";
import {
  RECEIPT_CACHED,
  RECEIPT_DELIVERED,
  receiptKind,
  ReceiptScan,
} from "./_receipt_scan.ts";
import type { SealedEnvelope } from "./_sealed_envelope.ts";
import { SignatureIndex } from "./_signature_index.ts";
import { Ticker } from "./_ticker.ts";
import { selfWarmupPlan } from "./_self_warmup_plan.ts";
import { warmMessageKeys } from "./_warm_keys.ts";
import { ReplySample } from "./_reply_sample.ts";
import { planMessages, type PlannedMessage } from "./plan.ts";
import {
  ownCpuMs,
  type ProcessSample,
  sampleProcesses,
} from "./process_stats.ts";
import {
  type BenchEnd,
  type BenchResult,
  percentiles,
  round3,
  type SelfWarmup,
} from "./result.ts";
import { BenchError } from "./bench_error.ts";

export { BenchError };

/** Where the timed phase stands, reported about once a second. */
export interface BenchProgress {
  /** `send` (users sending) or `drain` (offline receivers collecting). */
  readonly phase: "send" | "drain";
  /** Seconds since the first send. */
  readonly elapsedS: number;
  readonly planned: number;
  readonly sent: number;
  readonly delivered: number;
  readonly stationReceipts: number;
  /** Sent, neither delivered nor answered yet. */
  readonly inFlight: number;
  /** Deliveries per second since the previous report. */
  readonly deliveredPerS: number;
  readonly failures: number;
}

/** What every kind of bench run is told: the station, the store, the hooks. */
export interface BenchConnectOptions {
  /** The bench's store: the users' keys, metas and visas. */
  readonly accounts: Accounts;
  readonly host: string;
  readonly port: number;
  readonly framing: Framing;
  /** Handshakes under way at once (default 16). */
  readonly concurrency?: number;
  /** One handshake attempt's limit (default 20 s; two attempts). */
  readonly handshakeTimeout?: number;
  /** The station's processes, for its CPU time and memory (Linux). */
  readonly pids?: readonly number[];
  /** Aborting ends the run early (the result says `interrupted`). */
  readonly signal?: AbortSignal;
  /** What the bench is doing (packing, connecting, …). */
  readonly onPhase?: (text: string) => void;
  /** The sessions' logs. */
  readonly onLog?: (level: LogLevel, text: string) => void;
  /**
   * Ask for station receipts batched in array contents (default true;
   * false: one message per receipt, as the reference clients get them).
   */
  readonly receiptArrays?: boolean;
}

/** How a bench runs. Times in milliseconds. */
export interface BenchOptions extends BenchConnectOptions {
  /** The sending users (online: each also receives from the previous one). */
  readonly users: readonly LocalUser[];
  /**
   * The offline variant: the receivers (one per user, user `i` sends to
   * `offline[i]`), away while the users send.
   */
  readonly offline?: readonly LocalUser[];
  /** Messages per user. */
  readonly messages: number;
  /** Characters per text. */
  readonly size: number;
  /** Messages in flight per user at most. */
  readonly window: number;
  /** Messages per second in all (default: as fast as the window allows). */
  readonly rate?: number;
  /**
   * Sending stops after this long, whatever is left; what was sent has
   * half as long again, at most 5 s, to arrive.
   */
  readonly duration: number;
  /** Receivers answer each text with "Message received." (pre-packed). */
  readonly receipts: boolean;
  /** Nothing sent or received for this long ends the timed phase (default 15 s). */
  readonly stallTimeout?: number;
  /**
   * Verify the station's signature on every receipt message (default: on
   * the first of each session and every {@link VERIFY_EVERY}th after it).
   */
  readonly verifyAll?: boolean;
  /** About once a second during the timed phase. */
  readonly onProgress?: (progress: BenchProgress) => void;
  /**
   * Before connecting, the bench runs its timed phase's own code on as many
   * texts of the run's size as it plans (at most {@link SELF_WARMUP_TEXTS})
   * through a stand-in for the station inside its own process (MTP only;
   * default true): the station sees nothing of it.
   */
  readonly selfWarmup?: boolean;
  /**
   * The texts are copies of one packed text per user, each with random
   * bytes of a signature's length as its signature (default false): next
   * to nothing to pack, for a station that does not verify the signatures
   * of the texts it routes — `dim station`'s own self warm-up. Online runs
   * only (ignored with `offline`).
   */
  readonly copiedTexts?: boolean;
}

/** What one bench user's session shares with the others, and its own hooks. */
export interface BenchSessionInit {
  readonly user: LocalUser;
  readonly directory: AccountsDirectory;
  readonly cipherKeys: CipherKeyCache;
  /** The local address to connect from (default: the system's). */
  readonly localAddress?: string;
  /** Sees every line the session receives, unparsed; `true` keeps it from the session. */
  readonly onLine?: (line: string) => boolean;
  /** Sees every message the session receives; `true` keeps it from the session. */
  readonly onReliable?: (msg: ReliableMessage) => boolean | Promise<boolean>;
  /** Opens the session's connections (default: the client runtime's). */
  readonly dial?: ClientSessionOptions["dial"];
  /** Which received messages have their signature checked (default: all). */
  readonly signatureSample?: ClientSessionOptions["signatureSample"];
}

/**
 * A bench user's session: the handshake carries its meta and visa, and
 * nothing else is sent on its own (no login, keep-online, visa broadcast
 * or end-to-end receipts).
 *
 * @example
 * ```ts ignore
 * const session = benchSession(options, { user, directory, cipherKeys });
 * await session.connect();
 * ```
 */
export function benchSession(
  o: BenchConnectOptions,
  init: BenchSessionInit,
): ClientSession {
  return new ClientSession({
    accounts: o.accounts,
    host: o.host,
    port: o.port,
    framing: o.framing,
    ...init,
    handshakeTimeout: o.handshakeTimeout ?? 20_000,
    handshakeAttempts: 2,
    keepOnlineInterval: 0,
    loginOnConnect: false,
    announceVisa: false,
    sendReceipts: false,
    receiptArrays: o.receiptArrays ?? true,
    onLog: o.onLog,
  });
}

/**
 * Station receipt messages of a session whose signature the bench verifies:
 * the first, then one in this many (all with `verifyAll`).
 */
export const VERIFY_EVERY = 32;

/** Frame numbers of the end-to-end receipts: the plan index plus this. */
const RECEIPT_FRAME = 0x80000000;

/**
 * Texts the self warm-up sends at most ({@link BenchOptions.selfWarmup}):
 * as many as the run plans, up to this.
 */
export const SELF_WARMUP_TEXTS = 10_000;
/** Users the self warm-up sends as (the run's first ones, on connections of their own). */
const SELF_WARMUP_USERS = 10;

/**
 * After the duration, what was sent has this long to arrive (ms; at most
 * half the duration): with a rate the last texts leave just before it.
 */
const DEADLINE_GRACE_MS = 5_000;

/** A connection waits for room when this many messages are unacknowledged. */
const QUEUE_ROOM = 256;
/** Errors kept for the report. */
const MAX_ERRORS = 10;

/** One user's session and its share of the plan. */
interface Peer {
  readonly user: LocalUser;
  /** Index among the senders, or -1 for an offline receiver. */
  readonly senderIndex: number;
  /** Index among the receivers, or -1 for a sender that receives nothing. */
  readonly receiverIndex: number;
  /** Plan indices this peer sends, in order. */
  readonly queue: readonly number[];
  session: ClientSession;
  /** The session's connection when the bench reads its frames itself (MTP). */
  raw: RawMtpConnection | undefined;
  /** Buffers made before the clock for its next raw connection (taken once). */
  buffers: RawBuffers | undefined;
  /** Decrypts the station's receipts and verifies a sample of them. */
  readonly opener: MessagePacker;
  /** Opens the station's receipts with the key the opener learnt. */
  receipts: ReceiptOpener;
  /** Station messages with receipts this session received. */
  stationMessages: number;
  next: number;
  inFlight: number;
  /** Waiting for room on the connection or for the pacer. */
  waiting: boolean;
}

/** The timed phase's wall and CPU time (ms), and the bench's loop lags. */
interface TimedPhase {
  wallMs: number;
  cpuMs: number;
  loopLags: Float64Array;
}

/** CPU µs per `count` by thread between two samples (threads that used some). */
function perThread(
  before: ProcessSample,
  after: ProcessSample,
  count: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.threadsCpuMs)) {
    const used = ms - (before.threadsCpuMs[name] ?? 0);
    if (used > 0) out[name] = Math.round((used * 1000) / count);
  }
  return out;
}

/** Per second, rounded; null without time. */
function perSecond(count: number, ms: number): number | null {
  return ms > 0 ? round3((count * 1000) / ms) : null;
}

const ASCII = new TextDecoder();

/** The last 8 characters: what receipts are matched by (clients' rule). */
function tail(signature: string): string {
  return signature.slice(-8);
}

/** The receipt commands a station message's content carries. */
function receiptsIn(content: Record<string, unknown>): ReceiptCommand[] {
  const parsed = parseContent(content);
  return parsed instanceof ReceiptCommand
    ? [parsed]
    : parsed instanceof ArrayContent
    ? parsed.contents.map(parseContent).filter((item) =>
      item instanceof ReceiptCommand
    )
    : [];
}

/**
 * One bench run. Use {@link runBench}.
 */
class Bench {
  readonly #o: BenchOptions;
  readonly #directory: AccountsDirectory;
  /** Where the receipts' signer is found (the self warm-up's own). */
  readonly #openers: EntityDirectory;
  readonly #cipherKeys = new MemoryCipherKeyCache();
  #plan: PlannedMessage[] = [];
  #bySignature = new Map<string, number>();
  #byTail = new Map<string, number>();
  /** The receipts of the station message being counted (raw path). */
  #receiptScan = new ReceiptScan();
  #byReceipt = new Map<string, number>();
  /** Both, found by a frame's bytes (raw path): {@link Bench.#found}'s numbers. */
  readonly #signatures = new SignatureIndex();
  /** The upper half of the bench frames' MTP transaction IDs. */
  readonly #prefix = crypto.getRandomValues(new Uint32Array(1))[0];
  /** Per message: its MTP frame, and its end-to-end receipt's (raw path). */
  #frames: Uint8Array[] = [];
  #receiptFrames: (Uint8Array | undefined)[] = [];
  #senders: Peer[] = [];
  #receivers: Peer[] = [];
  // per message (plan index)
  /** When it was due: the pacer's slot at a rate, else its send. */
  #sentAt = new Float64Array(0);
  /** Its send after `#sentAt` (ms; 0 without a rate). */
  #sendLag = new Float64Array(0);
  #deliveredAt = new Float64Array(0);
  /** 1: the station answered; 2: the end-to-end receipt came too. */
  #answered = new Uint8Array(0);
  #peerAnswered = new Uint8Array(0);
  #released = new Uint8Array(0);
  /** 1: the station acknowledged the frame (MTP `OK`, raw path). */
  #acked = new Uint8Array(0);
  // counters
  #sent = 0;
  #delivered = 0;
  #duplicates = 0;
  #misrouted = 0;
  #receipts = {
    total: 0,
    delivered: 0,
    cached: 0,
    other: 0,
    messages: 0,
    verified: 0,
    bad_signatures: 0,
  };
  #peerReceipts = 0;
  #errors: string[] = [];
  #errorCount = 0;
  // times (performance.now())
  #firstSend = 0;
  #lastSend = 0;
  #lastDelivery = 0;
  #lastReceipt = 0;
  #lastEvent = 0;
  #drainStart = 0;
  // the timed phase
  #pacer: Pacer<Peer> | undefined;
  #sending = false;
  /** The duration stopped the sending before everything was sent. */
  #stopped = false;
  /** At a rate: the sending stops at the first slot planned from then on. */
  #stopAt = Infinity;
  #phaseDone: (() => void) | undefined;
  #phaseCheck: () => boolean = () => false;
  #ended: BenchEnd = "complete";
  #stationId: string | null = null;
  #handshakeMs: number[] = [];
  #firstOffers = 0;
  /** The handshakes' replies whose signature is checked (the self warm-up's not counted). */
  #replies: ReplySample;
  readonly #loopLag = new LoopLag();

  constructor(options: BenchOptions, openers?: EntityDirectory) {
    this.#o = options;
    this.#replies = new ReplySample(options.verifyAll ?? false, VERIFY_EVERY);
    this.#directory = new AccountsDirectory(options.accounts);
    this.#openers = openers ?? this.#directory;
  }

  async run(): Promise<BenchResult> {
    const o = this.#o;
    const offline = o.offline !== undefined;
    const receivers = o.offline ?? o.users;
    const count = o.users.length;
    const planned = count * o.messages;
    o.onPhase?.(
      `packing ${planned} messages (encrypted and signed before the clock starts)`,
    );
    const packStart = performance.now();
    this.#plan = o.copiedTexts === true && !offline
      ? (await selfWarmupPlan({
        users: o.users,
        perSender: o.messages,
        size: o.size,
        receipts: o.receipts,
      })).plan
      : await planMessages({
        senders: o.users,
        receivers,
        receiverOf: (s) => offline ? s : (s + 1) % count,
        perSender: o.messages,
        size: o.size,
        receipts: o.receipts,
        directory: this.#directory,
      });
    const packMs = performance.now() - packStart;
    this.#index();
    let warmed: SelfWarmup | null = null;
    if (o.selfWarmup !== false && this.#raw()) {
      const texts = Math.min(planned, SELF_WARMUP_TEXTS);
      o.onPhase?.(
        `warming its own code: ${texts} texts through a stand-in for the station in this process (none to the station)`,
      );
      warmed = await this.#selfWarmup(texts);
    }

    this.#replies = new ReplySample(o.verifyAll ?? false, VERIFY_EVERY);
    this.#senders = o.users.map((user, i) =>
      this.#peer(user, i, offline ? -1 : i, this.#queueOf(i))
    );
    this.#receivers = offline
      ? receivers.map((user, i) => this.#peer(user, -1, i, []))
      : this.#senders;
    await this.#prepareHandshakes(offline);
    let handshakeWall = 0;
    const timed: TimedPhase = {
      wallMs: 0,
      cpuMs: 0,
      loopLags: new Float64Array(0),
    };
    let station: { before: ProcessSample; after: ProcessSample } | undefined;
    try {
      if (offline) {
        o.onPhase?.(
          `registering ${count} receivers (handshake, then report offline)`,
        );
        handshakeWall += await this.#connectAll(this.#receivers);
        await Promise.all(this.#receivers.map((p) => p.session.close()));
      }
      o.onPhase?.(`connecting ${count} users`);
      handshakeWall += await this.#connectAll(this.#senders);

      o.onPhase?.(
        `sending ${planned} messages${
          offline ? " to offline receivers" : ""
        }, window ${o.window}${o.rate ? `, ${o.rate}/s offered` : ""}`,
      );
      if (o.rate !== undefined) {
        this.#pacer = new Pacer(
          o.rate,
          await Ticker.start(),
          (peer) => this.#pump(peer),
        );
      }
      collectGarbage(); // packing's and the handshakes' garbage: not timed
      const before = o.pids ? sampleProcesses(o.pids) : undefined;
      const cpuStart = ownCpuMs();
      const wallStart = performance.now();
      this.#loopLag.start();
      await this.#timed(offline);
      timed.wallMs = performance.now() - wallStart;
      timed.cpuMs = ownCpuMs() - cpuStart;
      if (before !== undefined) {
        station = { before, after: sampleProcesses(o.pids!) };
      }
    } finally {
      this.#pacer?.stop();
      timed.loopLags = this.#loopLag.stop();
      await Promise.all(
        [...new Set([...this.#senders, ...this.#receivers])].map((p) =>
          p.session.close()
        ),
      );
    }
    return this.#result(
      planned,
      packMs,
      handshakeWall,
      timed,
      station,
      warmed,
    );
  }

  /**
   * The self warm-up ({@link BenchOptions.selfWarmup}): a bench of its own,
   * the run's first users (at most {@link SELF_WARMUP_USERS}) sending
   * about `texts` texts of the run's size in a ring through a
   * {@link MirrorStation} on a loopback port of its own, with the run's
   * window, receipts and checks — the same code as the timed phase, on
   * messages of the same shapes, signed by a key made for it. Its counters
   * are its own; nothing reaches the station.
   */
  async #selfWarmup(texts: number): Promise<SelfWarmup> {
    const o = this.#o;
    const started = performance.now();
    const users = o.users.slice(0, SELF_WARMUP_USERS);
    const key = await generatePrivateKey("ECC");
    const meta = await Meta.generate(
      MetaType.MKM,
      key,
      defaultSeed(EntityType.STATION),
    );
    const station: LocalUser = {
      id: meta.generateId(EntityType.STATION),
      signKey: key,
      decryptKeys: [],
      meta,
    };
    const { plan, receipts, directory } = await selfWarmupPlan({
      users,
      station,
      signKey: key,
      perSender: Math.ceil(texts / users.length),
      size: o.size,
      receipts: o.receipts,
    });
    const bench = new Bench({
      ...o,
      users,
      offline: undefined,
      messages: plan.length / users.length,
      rate: undefined,
      duration: 60_000,
      stallTimeout: 10_000,
      pids: undefined,
      onPhase: undefined,
      onProgress: undefined,
      selfWarmup: false,
    }, directory);
    const mirror = MirrorStation.listen({
      station,
      directory,
      users,
      verifyEvery: o.verifyAll ? 1 : VERIFY_EVERY,
      arrays: o.receiptArrays ?? true,
      routeOf: (frame): MirrorRoute | undefined => {
        const index = frame & ~RECEIPT_FRAME;
        if (index >= plan.length) return undefined;
        return frame >= RECEIPT_FRAME
          ? { to: plan[index].sender }
          : { to: plan[index].receiver, receipt: receipts[index] };
      },
    });
    try {
      await bench.#mirrored(plan, mirror);
    } finally {
      await mirror.close();
    }
    return {
      texts: plan.length,
      delivered: bench.#delivered,
      station_receipts: bench.#receipts.total,
      verified: bench.#receipts.verified,
      bad_signatures: bench.#receipts.bad_signatures,
      ended: bench.#ended,
      ms: Math.round(performance.now() - started),
    };
  }

  /** The self warm-up's run: `plan` through `mirror`, as the timed phase. */
  async #mirrored(
    plan: PlannedMessage[],
    mirror: MirrorStation,
  ): Promise<void> {
    this.#plan = plan;
    this.#index();
    this.#senders = this.#o.users.map((user, i) =>
      this.#peer(user, i, i, this.#queueOf(i))
    );
    this.#receivers = this.#senders;
    try {
      for (const peer of this.#senders) {
        const accepted = mirror.accept();
        peer.raw = await RawMtpConnection.dial(
          "127.0.0.1",
          mirror.port,
          {},
          this.#prefix,
          this.#tap(peer),
        );
        await accepted;
      }
      await this.#timed(false);
    } finally {
      for (const peer of this.#senders) peer.raw?.close();
      await Promise.all(this.#senders.map((peer) => peer.raw?.done));
    }
  }

  /** The plan's lookup tables and per-message state. */
  #index(): void {
    const n = this.#plan.length;
    this.#sentAt = new Float64Array(n);
    this.#sendLag = new Float64Array(n);
    this.#deliveredAt = new Float64Array(n);
    this.#answered = new Uint8Array(n);
    this.#peerAnswered = new Uint8Array(n);
    this.#released = new Uint8Array(n);
    this.#acked = new Uint8Array(n);
    const raw = this.#raw();
    const slab = new ByteSlab();
    for (const [i, msg] of this.#plan.entries()) {
      this.#bySignature.set(msg.signature, i);
      this.#byTail.set(tail(msg.signature), i);
      if (msg.receipt) this.#byReceipt.set(msg.receipt.signature, i);
      if (!raw) continue;
      this.#signatures.add(msg.signature, i);
      if (msg.receipt) {
        this.#signatures.add(msg.receipt.signature, RECEIPT_FRAME + i);
      }
      this.#frames.push(benchFrame(this.#prefix, i, msg.bytes, slab));
      this.#receiptFrames.push(
        msg.receipt &&
          benchFrame(this.#prefix, RECEIPT_FRAME + i, msg.receipt.bytes, slab),
      );
    }
  }

  /** Whether the bench reads the frames itself (MTP from the system's address). */
  #raw(): boolean {
    return this.#o.framing === "mtp";
  }

  #queueOf(sender: number): number[] {
    const m = this.#o.messages;
    return Array.from({ length: m }, (_, k) => sender * m + k);
  }

  #peer(
    user: LocalUser,
    senderIndex: number,
    receiverIndex: number,
    queue: number[],
  ): Peer {
    const peer: Peer = {
      user,
      senderIndex,
      receiverIndex,
      queue,
      session: undefined as unknown as ClientSession,
      // the sessions' key cache: the station's key to this user, opened
      // (RSA) for its handshake answer, is tried first on its receipts
      opener: new MessagePacker({
        user,
        directory: this.#openers,
        cipherKeys: this.#cipherKeys,
      }),
      raw: undefined,
      buffers: undefined,
      receipts: new ReceiptOpener(),
      stationMessages: 0,
      next: 0,
      inFlight: 0,
      waiting: false,
    };
    peer.session = this.#session(peer);
    return peer;
  }

  #session(peer: Peer): ClientSession {
    const o = this.#o;
    peer.raw = undefined;
    peer.receipts = new ReceiptOpener();
    peer.stationMessages = 0;
    const signatureSample = this.#replies.forSession(() =>
      _handshaking(peer.session)
    );
    if (!this.#raw()) {
      return benchSession(o, {
        user: peer.user,
        directory: this.#directory,
        cipherKeys: this.#cipherKeys,
        signatureSample,
        onLine: (line) => this.#counted(peer, line),
        onReliable: (msg) => this.#arrived(peer, msg),
      });
    }
    const tap = this.#tap(peer);
    return benchSession(o, {
      user: peer.user,
      directory: this.#directory,
      cipherKeys: this.#cipherKeys,
      signatureSample,
      onReliable: (msg) => this.#arrived(peer, msg),
      dial: async (host, port, options) => {
        const buffers = peer.buffers;
        peer.buffers = undefined;
        const conn = await RawMtpConnection.dial(
          host,
          port,
          options,
          this.#prefix,
          tap,
          buffers,
        );
        peer.raw = conn;
        return conn;
      },
    });
  }

  /** What `peer`'s raw connection hands the bench. */
  #tap(peer: Peer): FrameTap {
    return {
      message: (bytes: Uint8Array, start: number, end: number) =>
        this.#tapped(peer, bytes, start, end),
      acknowledged: (frame: number) => this.#acknowledged(frame),
    };
  }

  /**
   * Before the handshakes' clock, what a client has ready before it
   * connects (as the sessions mode does): the users' RSA message keys
   * loaded into the crypto backend, each session's first offer packed, and
   * (MTP) its connection's buffers made.
   */
  async #prepareHandshakes(offline: boolean): Promise<void> {
    const peers = offline
      ? [...this.#receivers, ...this.#senders]
      : this.#senders;
    this.#o.onPhase?.(
      `loading the users' message keys and packing their first offers`,
    );
    await warmMessageKeys(peers.map((peer) => peer.user));
    for (const peer of peers) {
      if (this.#raw()) peer.buffers = rawBuffers();
      if (await peer.session.packFirstOffer() !== undefined) {
        this.#firstOffers++;
      }
    }
  }

  /** Connects and handshakes `peers`; the wall time (ms). */
  async #connectAll(peers: readonly Peer[]): Promise<number> {
    const started = performance.now();
    const failed: string[] = [];
    await eachLimited(peers, this.#o.concurrency ?? 16, async (peer) => {
      const t = performance.now();
      try {
        await peer.session.connect();
        this.#handshakeMs.push(performance.now() - t);
        this.#stationId ??= peer.session.station?.value ?? null;
      } catch (error) {
        failed.push(`${peer.user.id.value}: ${(error as Error).message}`);
      }
    });
    if (failed.length > 0) {
      throw new BenchError(
        `${failed.length} of ${peers.length} users could not connect to ${this.#o.host}:${this.#o.port}: ${
          failed[0]
        }`,
      );
    }
    return performance.now() - started;
  }

  // ---------------------------------------------------------- timed phase

  async #timed(offline: boolean): Promise<void> {
    const o = this.#o;
    const deadline = performance.now() + o.duration;
    const stall = o.stallTimeout ?? 15_000;
    let reported = { at: performance.now(), delivered: 0 };
    let phase: "send" | "drain" = "send";
    const report = () => {
      const now = performance.now();
      if (o.onProgress === undefined) return;
      const interval = Math.max(0.001, (now - reported.at) / 1000);
      o.onProgress({
        phase,
        elapsedS: round3((now - (this.#firstSend || now)) / 1000),
        planned: this.#plan.length,
        sent: this.#sent,
        delivered: this.#delivered,
        stationReceipts: this.#receipts.total,
        inFlight: this.#inFlight(),
        deliveredPerS: Math.round(
          (this.#delivered - reported.delivered) / interval,
        ),
        failures: this.#errorCount,
      });
      reported = { at: now, delivered: this.#delivered };
    };
    let graceEnd = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      if (graceEnd === 0 && now >= deadline) {
        graceEnd = now + Math.min(DEADLINE_GRACE_MS, o.duration / 2);
        // at a rate, texts due within the duration (from the first slot)
        // still go, late: the sending stops at the first slot after it
        this.#stopAt = this.#firstSend === 0
          ? deadline
          : this.#firstSend + o.duration;
        if ((this.#pacer?.next ?? Infinity) >= this.#stopAt) {
          this.#stopSending();
        }
      }
      if (graceEnd !== 0 && now >= graceEnd) this.#end("deadline");
      else if (now - this.#lastEvent >= stall) this.#end("stalled");
      report();
    }, 1000);
    const abort = () => this.#end("interrupted");
    o.signal?.addEventListener("abort", abort);
    try {
      if (o.signal?.aborted) {
        this.#ended = "interrupted";
        return;
      }
      const sendingDone = offline
        ? () => this.#sendingOver() && this.#receipts.total === this.#sent
        : () => this.#sendingOver() && this.#everythingArrived();
      await this.#phase(sendingDone, () => {
        this.#sending = true;
        for (const peer of this.#senders) this.#pump(peer);
      });
      this.#sending = false;
      this.#pacer?.stop();
      // a station that left some messages unanswered still gets the drain
      if (
        !offline || this.#ended === "deadline" || this.#ended === "interrupted"
      ) return;
      phase = "drain";
      o.onPhase?.(`${this.#receivers.length} receivers connect and drain`);
      this.#drainStart = performance.now();
      await this.#phase(() => this.#everythingArrived(), () => {
        this.#drain().catch((error) => this.#error(error.message));
      });
    } finally {
      clearInterval(tick);
      report(); // the last word, however short the run
      o.signal?.removeEventListener("abort", abort);
    }
  }

  /** Runs one phase until `done` holds or the run ends. */
  #phase(done: () => boolean, start: () => void): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#phaseDone = resolve;
    this.#phaseCheck = done;
    this.#lastEvent = performance.now();
    start();
    this.#check();
    return promise;
  }

  #check(): void {
    if (this.#phaseCheck()) this.#finishPhase();
  }

  #finishPhase(): void {
    const done = this.#phaseDone;
    this.#phaseDone = undefined;
    this.#phaseCheck = () => false;
    done?.();
  }

  #end(why: BenchEnd): void {
    if (this.#phaseDone === undefined) return;
    this.#ended = why;
    this.#sending = false;
    this.#finishPhase();
  }

  /** The offline receivers come back (new sessions), a few at a time. */
  async #drain(): Promise<void> {
    for (const peer of this.#receivers) peer.session = this.#session(peer);
    await eachLimited(
      this.#receivers,
      this.#o.concurrency ?? 16,
      (peer) =>
        peer.session.connect().catch((error) => {
          this.#error(`${peer.user.id.value}: ${error.message}`);
        }),
    );
  }

  #allSent(): boolean {
    return this.#sent === this.#plan.length;
  }

  /** Everything was sent, or the duration stopped the sending. */
  #sendingOver(): boolean {
    return this.#stopped || this.#allSent();
  }

  /**
   * The duration is over: nothing more is sent, what was sent may still
   * arrive (for {@link DEADLINE_GRACE_MS}); a run cut short ends as
   * `deadline`.
   */
  #stopSending(): void {
    if (!this.#sending) return;
    this.#sending = false;
    this.#stopped = true;
    this.#pacer?.stop();
    if (!this.#allSent()) this.#ended = "deadline";
    this.#check();
  }

  /** Every message sent was delivered and answered (and receipted back). */
  #everythingArrived(): boolean {
    return this.#delivered === this.#sent &&
      this.#receipts.total === this.#sent &&
      (!this.#o.receipts || this.#peerReceipts === this.#sent);
  }

  #inFlight(): number {
    let n = 0;
    for (const peer of this.#senders) n += peer.inFlight;
    return n;
  }

  /** Sends what the window (and the pacer) allow. */
  #pump(peer: Peer): void {
    if (peer.waiting) return;
    const window = this.#o.window;
    while (
      this.#sending && peer.inFlight < window && peer.next < peer.queue.length
    ) {
      const conn: Connection | undefined = peer.raw ?? peer.session.connection;
      if (conn === undefined || conn.closed) return;
      if (conn.pending >= QUEUE_ROOM) {
        peer.waiting = true;
        conn.ready().then(() => {
          peer.waiting = false;
          this.#pump(peer);
        });
        return;
      }
      const now = performance.now();
      const planned = this.#pacer?.take(now) ?? now;
      if (planned < 0) {
        this.#pacer!.wait(peer);
        return;
      }
      if (planned >= this.#stopAt) {
        this.#stopSending();
        return;
      }
      const index = peer.queue[peer.next++];
      // at a rate, a text's latency counts from when it was due: a late
      // bench (its timer, its GC) or a full window adds to it, as a late
      // station would; `send_lag_ms` says how late the bench wrote it
      this.#sentAt[index] = planned;
      this.#sendLag[index] = now - planned;
      if (this.#firstSend === 0) this.#firstSend = now;
      this.#lastSend = now;
      this.#lastEvent = now;
      this.#sent++;
      peer.inFlight++;
      if (peer.raw !== undefined) {
        if (!peer.raw.sendFrame(this.#frames[index])) {
          this.#error("a message was not sent: closed");
        }
        continue;
      }
      conn.send(this.#plan[index].bytes).then((result) => {
        if (!result.sent) {
          this.#error(`a message was not sent: ${result.reason}`);
        }
      });
    }
  }

  /** Frees the window slot of message `index` (delivered or answered). */
  #release(index: number): void {
    if (this.#released[index] === 1) return;
    this.#released[index] = 1;
    const sender = this.#senders[this.#plan[index].sender];
    sender.inFlight--;
    this.#pump(sender);
  }

  #error(text: string): void {
    this.#errorCount++;
    if (this.#errors.length < MAX_ERRORS) this.#errors.push(text);
  }

  // -------------------------------------------------------------- arrivals

  /**
   * Counts a planned message (or its end-to-end receipt) a peer receives by
   * its signature alone: the line is only JSON-parsed; `true` keeps it from
   * the session.
   */
  #counted(peer: Peer, line: string): boolean {
    let signature: unknown;
    try {
      signature = (JSON.parse(line) as { signature?: unknown }).signature;
    } catch {
      return false; // the session reports it
    }
    if (typeof signature !== "string") return false;
    return this.#signed(peer, signature);
  }

  /**
   * Counts a pushed frame's JSON by the signature in its bytes (raw path);
   * `false` leaves it to the session (parsed whole).
   */
  #tapped(peer: Peer, bytes: Uint8Array, start: number, end: number): boolean {
    // the handshake's replies are the session's: read here first, each was
    // parsed, decrypted and serialized again for nothing (it has no receipts)
    if (_handshaking(peer.session)) return false;
    const found = this.#signatures.find(bytes, start, end);
    if (found >= 0) {
      this.#found(peer, found);
      return true;
    }
    if (this.#sealedReceipts(peer, bytes, start, end)) return true;
    let msg: ReliableMessage;
    try {
      msg = ReliableMessage.parse(bytes.subarray(start, end));
    } catch {
      return false; // the session reports it
    }
    if (msg.sender.type !== EntityType.STATION) return false;
    // the connection reads on while it is decrypted; anything but receipts
    // goes to the session after all
    const raw = peer.raw;
    this.#fromStation(peer, msg).then((taken) => {
      if (!taken) raw?.handOver(msg.serialize());
    });
    return true;
  }

  /**
   * A station message read the short way (raw path): its envelope from the
   * frame's bytes when it comes from the station with the sealed key the
   * session learnt (no string of the whole frame parsed, no message
   * object), its plaintext decrypted with that key and its receipts read by
   * {@link ReceiptScan} (else `JSON.parse` and the content classes). `false`
   * leaves the frame to the whole way ({@link #fromStation}): anything
   * unusual, and a message the sample verifies — its place in the sample is
   * taken now, so the first receipt message of a session and every
   * {@link VERIFY_EVERY}th after it (all with `verifyAll`) are verified as
   * before.
   */
  #sealedReceipts(
    peer: Peer,
    bytes: Uint8Array,
    start: number,
    end: number,
  ): boolean {
    if (this.#o.verifyAll || peer.stationMessages % VERIFY_EVERY === 0) {
      return false;
    }
    const opener = peer.receipts;
    const sealed = opener.scan(bytes, start, end);
    if (sealed === undefined) return false;
    peer.stationMessages++;
    const raw = peer.raw;
    opener.decrypt(sealed).then((plaintext) => {
      if (plaintext !== undefined && this.#scannedReceipts(plaintext)) return;
      const content = plaintext && opener.contentOf(plaintext);
      const receipts = content ? receiptsIn(content) : [];
      if (receipts.length > 0) return this.#countReceipts(receipts);
      // not receipts after all: not counted, and the whole way decides
      if (peer.receipts === opener) peer.stationMessages--;
      this.#unsealed(peer, sealed, raw);
    });
    return true;
  }

  /** A message {@link #sealedReceipts} took but did not count: the whole way. */
  #unsealed(
    peer: Peer,
    sealed: SealedEnvelope,
    raw: RawMtpConnection | undefined,
  ): void {
    let msg: ReliableMessage;
    try {
      msg = ReliableMessage.parse(sealed.text);
    } catch {
      raw?.handOver(sealed.text); // the session reports it
      return;
    }
    this.#fromStation(peer, msg).then((taken) => {
      if (!taken) raw?.handOver(sealed.text);
    });
  }

  /** Counts the receipts {@link ReceiptScan} finds in `plaintext`, if any. */
  #scannedReceipts(plaintext: Uint8Array): boolean {
    const scan = this.#receiptScan;
    if (!scan.scan(plaintext)) return false;
    this.#receipts.messages++;
    const now = performance.now(); // one moment for the message's receipts
    for (let i = 0; i < scan.count; i++) {
      const from = scan.from(i), to = scan.to(i);
      const found = this.#signatures.value(plaintext, from, to);
      const matched = found >= 0 && found < RECEIPT_FRAME
        ? found
        : this.#originOf(ASCII.decode(plaintext.subarray(from, to)));
      if (matched !== undefined) {
        this.#stationReceipt(matched, scan.kind(i), now);
      }
    }
    return true;
  }

  /** The planned message a receipt's original signature names, if any. */
  #originOf(origin: string): number | undefined {
    return this.#bySignature.get(origin) ?? this.#byTail.get(tail(origin));
  }

  /** The station acknowledged a bench frame (raw path). */
  #acknowledged(frame: number): void {
    const index = frame & ~RECEIPT_FRAME;
    if (frame < RECEIPT_FRAME && index < this.#acked.length) {
      this.#acked[index] = 1;
    }
  }

  /** Counts a planned message or end-to-end receipt by its signature. */
  #signed(peer: Peer, signature: string): boolean {
    const index = this.#bySignature.get(signature);
    if (index !== undefined) {
      this.#found(peer, index);
      return true;
    }
    const answered = this.#byReceipt.get(signature);
    if (answered === undefined) return false;
    this.#found(peer, RECEIPT_FRAME + answered);
    return true;
  }

  /**
   * Counts planned message `found`, or the end-to-end receipt of planned
   * message `found - RECEIPT_FRAME`.
   */
  #found(peer: Peer, found: number): void {
    const now = performance.now();
    this.#lastEvent = now;
    if (found < RECEIPT_FRAME) return this.#delivery(peer, found, now);
    const answered = found - RECEIPT_FRAME;
    if (
      this.#plan[answered].sender === peer.senderIndex &&
      this.#peerAnswered[answered] === 0
    ) {
      this.#peerAnswered[answered] = 1;
      this.#peerReceipts++;
      this.#check();
    }
  }

  /**
   * Sees the messages {@link #counted} or {@link #tapped} left: the
   * station's receipts (a sample verified), and planned messages whose
   * signature was not found in the bytes alone.
   */
  #arrived(peer: Peer, msg: ReliableMessage): boolean | Promise<boolean> {
    if (this.#signed(peer, msg.signature)) return true;
    if (msg.sender.type !== EntityType.STATION) return false;
    if (_handshaking(peer.session)) {
      // the handshake's replies carry no receipts and are the session's:
      // opened here as well, each was decrypted twice. The key the session
      // cached from the first (`DIM?`) is the one the second and the
      // station's receipts come with: learnt from the second, unopened
      peer.receipts.learn(
        msg,
        this.#cipherKeys.get(msg.sender, msg.destination),
      );
      return false;
    }
    return this.#fromStation(peer, msg);
  }

  /**
   * A station's message: its receipts counted (`true`), or `false` when it
   * carries none (the session's business).
   */
  async #fromStation(peer: Peer, msg: ReliableMessage): Promise<boolean> {
    let opened = await peer.receipts.open(msg);
    if (opened === undefined) {
      try {
        opened = (await peer.opener.decrypt(msg)).content.dictionary;
      } catch {
        return false; // not readable here: the session sees it
      }
      peer.receipts.learn(
        msg,
        this.#cipherKeys.get(msg.sender, msg.destination),
      );
    }
    const receipts = receiptsIn(opened);
    if (receipts.length === 0) return false;
    if (this.#o.verifyAll || peer.stationMessages++ % VERIFY_EVERY === 0) {
      try {
        await peer.opener.verify(msg);
        this.#receipts.verified++;
      } catch (error) {
        this.#receipts.bad_signatures++;
        this.#error(
          `a station receipt message was dropped: ${(error as Error).message}`,
        );
        return true;
      }
    }
    this.#countReceipts(receipts);
    return true;
  }

  /** Counts one station message's receipts. */
  #countReceipts(receipts: readonly ReceiptCommand[]): void {
    this.#receipts.messages++;
    const now = performance.now(); // one moment for the message's receipts
    for (const receipt of receipts) {
      const origin = receipt.originalSignature;
      const matched = origin === undefined ? undefined : this.#originOf(origin);
      if (matched !== undefined) {
        this.#stationReceipt(matched, receiptKind(receipt.text), now);
      }
    }
  }

  #delivery(peer: Peer, index: number, now: number): void {
    const planned = this.#plan[index];
    if (planned.receiver !== peer.receiverIndex) {
      this.#misrouted++;
      return;
    }
    if (this.#deliveredAt[index] !== 0) {
      this.#duplicates++;
      return;
    }
    this.#deliveredAt[index] = now;
    this.#lastDelivery = now;
    this.#delivered++;
    if (planned.receipt !== undefined) {
      if (peer.raw !== undefined) {
        peer.raw.sendFrame(this.#receiptFrames[index]!);
      } else {
        peer.session.connection?.send(planned.receipt.bytes);
      }
    }
    this.#release(index);
    this.#check();
  }

  /** Planned message `index` answered; `kind`: what the receipt says. */
  #stationReceipt(index: number, kind: number, now: number): void {
    if (this.#answered[index] !== 0 || this.#sentAt[index] === 0) return;
    this.#answered[index] = 1;
    this.#lastEvent = now;
    this.#lastReceipt = now;
    const receipts = this.#receipts;
    receipts.total++;
    if (kind === RECEIPT_DELIVERED) receipts.delivered++;
    else if (kind === RECEIPT_CACHED) receipts.cached++;
    else receipts.other++;
    this.#release(index);
    this.#check();
  }

  // ---------------------------------------------------------------- result

  #result(
    planned: number,
    packMs: number,
    handshakeWall: number,
    timed: TimedPhase,
    station: { before: ProcessSample; after: ProcessSample } | undefined,
    warmed: SelfWarmup | null,
  ): BenchResult {
    const o = this.#o;
    const latencies = new Float64Array(this.#delivered);
    let k = 0;
    let unanswered = 0;
    for (let i = 0; i < this.#plan.length; i++) {
      if (this.#deliveredAt[i] !== 0) {
        latencies[k++] = this.#deliveredAt[i] - this.#sentAt[i];
        if (this.#answered[i] === 0) unanswered++;
      }
    }
    let sendLags: Float64Array | null = null;
    if (o.rate !== undefined) {
      sendLags = new Float64Array(this.#sent);
      let j = 0;
      for (let i = 0; i < this.#plan.length; i++) {
        if (this.#sentAt[i] !== 0) sendLags[j++] = this.#sendLag[i];
      }
    }
    if (this.#raw()) {
      let unacknowledged = 0;
      for (let i = 0; i < this.#plan.length; i++) {
        if (this.#sentAt[i] !== 0 && this.#acked[i] === 0) unacknowledged++;
      }
      if (unacknowledged > 0) {
        this.#error(
          `${unacknowledged} sent message(s) never acknowledged by the station (MTP OK)`,
        );
      }
    }
    const first = this.#firstSend;
    const elapsedMs = this.#lastDelivery > 0 ? this.#lastDelivery - first : 0;
    const cpuShare = timed.wallMs > 0 ? timed.cpuMs / timed.wallMs : 0;
    const handshakes = this.#handshakeMs.length;
    let stationProcess: BenchResult["station_process"] = null;
    if (station !== undefined) {
      const cpuMs = station.after.cpuMs - station.before.cpuMs;
      stationProcess = {
        pids: o.pids!,
        rss_mib: round3(station.after.rssMiB),
        peak_rss_mib: round3(station.after.peakRssMiB),
        cpu_s: round3(cpuMs / 1000),
        cpu_share: timed.wallMs > 0 ? round3(cpuMs / timed.wallMs) : 0,
        cpu_us_per_delivered: this.#delivered > 0
          ? Math.round((cpuMs * 1000) / this.#delivered)
          : null,
        cpu_us_per_delivered_by_thread: this.#delivered > 0
          ? perThread(station.before, station.after, this.#delivered)
          : null,
      };
    }
    const offline = o.offline === undefined ? null : {
      cached_per_s: perSecond(
        this.#receipts.total,
        this.#lastReceipt - first,
      ),
      drained_per_s: this.#drainStart > 0
        ? perSecond(this.#delivered, this.#lastDelivery - this.#drainStart)
        : null,
      drain_s: this.#drainStart > 0 && this.#lastDelivery > this.#drainStart
        ? round3((this.#lastDelivery - this.#drainStart) / 1000)
        : null,
    };
    return {
      tool: "dim bench",
      station: `${o.host}:${o.port}`,
      station_id: this.#stationId,
      framing: o.framing,
      mode: o.offline === undefined ? "online" : "offline",
      users: o.users.length,
      messages_per_user: o.messages,
      size: o.size,
      window: o.window,
      rate: o.rate ?? null,
      end_to_end_receipts: o.receipts,
      receipt_arrays: o.receiptArrays ?? true,
      verify_all: o.verifyAll ?? false,
      planned,
      sent: this.#sent,
      delivered: this.#delivered,
      duplicates: this.#duplicates,
      misrouted: this.#misrouted,
      failures: planned - this.#delivered + unanswered,
      offered_per_s: this.#sent > 1
        ? perSecond(this.#sent, this.#lastSend - first)
        : null,
      delivered_per_s: perSecond(this.#delivered, elapsedMs),
      latency_ms: percentiles(latencies),
      latency_from: o.rate === undefined ? "sent" : "planned",
      send_lag_ms: sendLags === null ? null : percentiles(sendLags),
      handshakes,
      handshakes_per_s: perSecond(handshakes, handshakeWall),
      handshake_ms: percentiles(Float64Array.from(this.#handshakeMs)),
      first_offers: this.#firstOffers,
      station_replies: this.#replies.counts(),
      station_receipts: { ...this.#receipts },
      peer_receipts: o.receipts ? this.#peerReceipts : null,
      offline,
      pack_s: round3(packMs / 1000),
      send_s: this.#sent > 0 ? round3((this.#lastSend - first) / 1000) : null,
      elapsed_s: elapsedMs > 0 ? round3(elapsedMs / 1000) : null,
      generator: {
        cpu_s: round3(timed.cpuMs / 1000),
        cpu_share: round3(cpuShare),
        bottleneck: cpuShare >= 0.9,
        cpu_us_per_delivered: this.#delivered > 0
          ? Math.round((timed.cpuMs * 1000) / this.#delivered)
          : null,
        receive: this.#raw() ? "frames" : "session",
        loop_lag_ms: percentiles(timed.loopLags),
        warmed,
      },
      station_process: stationProcess,
      ended: this.#ended,
      errors: this.#errors,
      error_count: this.#errorCount,
    };
  }
}

/**
 * Runs the bench: packs, connects, sends, collects, and reports.
 *
 * @throws {BenchError} a user could not connect or handshake
 * @example
 * ```ts ignore
 * const result = await runBench({
 *   accounts, host: "127.0.0.1", port: 9394, framing: "mtp",
 *   users, messages: 100, size: 100, window: 8, duration: 120_000, receipts: false,
 * });
 * result.delivered_per_s;
 * ```
 */
export function runBench(options: BenchOptions): Promise<BenchResult> {
  return new Bench(options).run();
}

/** Whether `session` is connecting or handshaking. */
function _handshaking(session: ClientSession): boolean {
  return session.state === "connecting" || session.state === "handshaking";
}
