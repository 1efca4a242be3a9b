/**
 * Matching receipts to the messages they answer (station.md §4.10): a
 * receipt names its message by `origin` — the original envelope with its
 * `sender` and `signature` (and `sn` when the original content is known).
 * The station's receipt ("Message delivered.", "Message cached.", …) and the
 * receiver's own ("Message received.") are kept apart by who sent them.
 *
 * @module
 */
import type { ReceiptCommand } from "../dimp/command/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import {
  PeerReceiptTimeoutError,
  type ReceiptTimeoutError,
  SessionClosedError,
  StationReceiptTimeoutError,
} from "./errors.ts";

/**
 * A receipt that answered one of our messages.
 *
 * @example
 * ```ts
 * import type { Receipt } from "./receipts.ts";
 * const show = (r: Receipt) => `${r.text} (from ${r.from.value})`;
 * ```
 */
export interface Receipt {
  /** Who sent it: the station, or the receiver. */
  readonly from: ID;
  /** Its text (`text`, else the 2021 `message`). */
  readonly text: string;
  /** The whole receipt command (extras: `recipient`, `template`, …). */
  readonly command: ReceiptCommand;
  /** When it arrived (ms since the epoch). */
  readonly receivedAt: number;
}

/** Whose receipt. */
export type ReceiptKind = "station" | "peer";

interface Waiter {
  /** Which receipt: the first of a kind, or the first from one sender. */
  readonly wants: ReceiptKind | ID;
  /** Among those, the first this accepts. */
  readonly accept?: (receipt: Receipt) => boolean;
  readonly resolve: (receipt: Receipt) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** How long a sent message waits for its receipts by default, and how many wait. */
export interface ReceiptTrackerOptions {
  /** Most messages tracked at once; the oldest is forgotten first (default 10,000). */
  readonly maxTracked?: number;
  /** How long a message is tracked after it was sent (ms; default 10 minutes). */
  readonly trackMs?: number;
  /** The clock (ms; default `Date.now`). */
  readonly now?: () => number;
}

/**
 * What a receipt says beyond its text: its `template` with the
 * `replacements` filled in (`""` without a template).
 *
 * @example
 * ```ts ignore
 * receiptDetail(refusal); // "Not allowed to reset members of group: team@…"
 * ```
 */
export function receiptDetail(receipt: ReceiptCommand): string {
  const { template, replacements } = receipt.dictionary;
  if (typeof template !== "string") return "";
  const values = typeof replacements === "object" && replacements !== null
    ? replacements as Record<string, unknown>
    : {};
  return template.replace(/\$\{(\w+)\}/g, (all, name) => {
    const value = values[name];
    return value === undefined ? all : String(value);
  });
}

/** Receipts kept per message for {@link OutgoingMessage.receiptFrom}. */
const MAX_RECEIPTS = 64;

/** The key receipts are looked up by: the tail of the message signature. */
function signatureKey(signature: string): string {
  return signature.length > 16 ? signature.slice(-16) : signature;
}

/**
 * A message we sent, waiting for its receipts.
 *
 * @example
 * ```ts ignore
 * const sent = await session.send(bob, TextContent.create("hi"));
 * const receipt = await sent.stationReceipt(); // "Message delivered." …
 * ```
 */
export class OutgoingMessage {
  /** The message as sent. */
  readonly message: ReliableMessage;
  /** The serial number of its content. */
  readonly sn: number | undefined;
  /** When it was handed to the connection (ms since the epoch). */
  readonly sentAt: number;
  readonly #tracker: ReceiptTracker;
  #station: Receipt | undefined;
  #peer: Receipt | undefined;
  #all: Receipt[] = [];
  #failed: Error | undefined;
  #waiters: Waiter[] = [];

  /** Tracked by `tracker` (made by {@link ReceiptTracker.track}). */
  constructor(
    tracker: ReceiptTracker,
    message: ReliableMessage,
    sn: number | undefined,
    sentAt: number,
  ) {
    this.#tracker = tracker;
    this.message = message;
    this.sn = sn;
    this.sentAt = sentAt;
  }

  /** Every receipt that came so far, in order (at most 64). */
  get receipts(): Receipt[] {
    return [...this.#all];
  }

  /**
   * The station's receipt ("Message delivered.", "Message cached.", …).
   *
   * @throws {StationReceiptTimeoutError} none within `timeoutMs`
   * @throws {SessionClosedError} the session closed first
   */
  stationReceipt(timeoutMs?: number): Promise<Receipt> {
    return this.#wait("station", timeoutMs);
  }

  /**
   * The receiver's own receipt ("Message received.").
   *
   * @throws {PeerReceiptTimeoutError} none within `timeoutMs`
   * @throws {SessionClosedError} the session closed first
   */
  peerReceipt(timeoutMs?: number): Promise<Receipt> {
    return this.#wait("peer", timeoutMs);
  }

  /**
   * The first receipt from `sender` (that `accept` accepts) — when a
   * message reaches several parties (a group message the assistant splits:
   * its own receipt, then each member's).
   *
   * @throws {PeerReceiptTimeoutError} none within `timeoutMs`
   * @throws {SessionClosedError} the session closed first
   */
  receiptFrom(
    sender: ID,
    timeoutMs?: number,
    accept: (receipt: Receipt) => boolean = () => true,
  ): Promise<Receipt> {
    const known = this.#all.find((r) => r.from.equals(sender) && accept(r));
    if (known !== undefined) return Promise.resolve(known);
    return this.#wait(sender, timeoutMs, accept);
  }

  /** Records a receipt; true when both kinds have come. */
  settle(kind: ReceiptKind, receipt: Receipt): boolean {
    if (kind === "station") this.#station ??= receipt;
    else this.#peer ??= receipt;
    if (this.#all.length < MAX_RECEIPTS) this.#all.push(receipt);
    this.#waiters = this.#waiters.filter((waiter) => {
      const wanted = (typeof waiter.wants === "string"
        ? waiter.wants === kind
        : waiter.wants.equals(receipt.from)) &&
        (waiter.accept?.(receipt) ?? true);
      if (!wanted) {
        return true;
      }
      clearTimeout(waiter.timer);
      waiter.resolve(receipt);
      return false;
    });
    return this.#station !== undefined && this.#peer !== undefined;
  }

  /**
   * Fails every waiter, and every later wait for a receipt not come yet
   * (the message was not sent, or the session closed).
   */
  fail(error: Error): void {
    this.#failed ??= error;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#waiters = [];
  }

  #wait(
    wants: ReceiptKind | ID,
    timeoutMs?: number,
    accept?: (receipt: Receipt) => boolean,
  ): Promise<Receipt> {
    const known = wants === "station"
      ? this.#station
      : wants === "peer"
      ? this.#peer
      : undefined;
    if (known !== undefined) return Promise.resolve(known);
    const failed = this.#failed ?? this.#tracker.closedError;
    if (failed !== undefined) return Promise.reject(failed);
    const ms = timeoutMs ?? this.#tracker.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.timer !== timer);
        const error: ReceiptTimeoutError = wants === "station"
          ? new StationReceiptTimeoutError(ms)
          : new PeerReceiptTimeoutError(ms);
        reject(error);
      }, ms);
      this.#waiters.push({ wants, accept, resolve, reject, timer });
    });
  }
}

/**
 * The messages of one local user waiting for receipts, looked up by
 * signature; bounded in count and time.
 *
 * @example
 * ```ts ignore
 * const tracker = new ReceiptTracker(30_000);
 * const sent = tracker.track(reliable, content.sn);
 * tracker.match(receiptCommand, stationId, true); // → sent, its waiters resolved
 * ```
 */
export class ReceiptTracker {
  /** The default wait of {@link OutgoingMessage.stationReceipt} (ms). */
  readonly defaultTimeoutMs: number;
  readonly #entries = new Map<string, OutgoingMessage>();
  readonly #max: number;
  readonly #trackMs: number;
  readonly #now: () => number;
  #closed: Error | undefined;

  /** A tracker whose waits default to `defaultTimeoutMs`. */
  constructor(defaultTimeoutMs: number, options: ReceiptTrackerOptions = {}) {
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.#max = options.maxTracked ?? 10_000;
    this.#trackMs = options.trackMs ?? 600_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many messages are tracked. */
  get size(): number {
    return this.#entries.size;
  }

  /** The error waits fail with once {@link ReceiptTracker.close} ran. */
  get closedError(): Error | undefined {
    return this.#closed;
  }

  /** Starts tracking a message about to be sent. */
  track(message: ReliableMessage, sn: number | undefined): OutgoingMessage {
    const now = this.#now();
    this.#expire(now);
    const outgoing = new OutgoingMessage(this, message, sn, now);
    const key = signatureKey(message.signature);
    this.#entries.delete(key);
    this.#entries.set(key, outgoing);
    return outgoing;
  }

  /**
   * Finds the message a receipt answers (by `origin.signature`, checked
   * against `origin.sender`, and `origin.sn` when present) and settles it:
   * as the station's receipt when `fromStation`, else as the receiver's.
   */
  match(
    receipt: ReceiptCommand,
    from: ID,
    fromStation: boolean,
  ): OutgoingMessage | undefined {
    const signature = receipt.originalSignature;
    if (signature === undefined) return undefined;
    const key = signatureKey(signature);
    const outgoing = this.#entries.get(key);
    if (outgoing === undefined) return undefined;
    const sender = receipt.originalSender;
    if (
      sender !== undefined &&
      !sender.withoutTerminal().equals(
        outgoing.message.sender.withoutTerminal(),
      )
    ) {
      return undefined;
    }
    // a 2021 receipt without origin/envelope has only its own `sn` on top
    const dict = receipt.dictionary;
    const sn = dict.origin === undefined && dict.envelope === undefined
      ? undefined
      : receipt.originalSn;
    if (sn !== undefined && outgoing.sn !== undefined && sn !== outgoing.sn) {
      return undefined;
    }
    // kept after both kinds came: more parties may answer (the members of
    // a group, the assistant after its runtime); expiry bounds the entries
    outgoing.settle(fromStation ? "station" : "peer", {
      from,
      text: receipt.text,
      command: receipt,
      receivedAt: this.#now(),
    });
    return outgoing;
  }

  /** Fails every wait with `error` and stops tracking. */
  close(error: Error = new SessionClosedError()): void {
    this.#closed = error;
    for (const outgoing of this.#entries.values()) outgoing.fail(error);
    this.#entries.clear();
  }

  /** Forgets messages tracked too long, and the oldest beyond the bound. */
  #expire(now: number): void {
    for (const [key, outgoing] of this.#entries) {
      if (
        this.#entries.size < this.#max && now - outgoing.sentAt < this.#trackMs
      ) {
        break;
      }
      this.#entries.delete(key);
    }
  }
}
