/**
 * One accepted connection as the station sees it (station.md §3.1): its
 * session key, the ID bound by a handshake, the `active` flag with the time
 * of its last change, the messages suspended until a handshake, and the
 * priority queue that feeds pushed messages to the connection.
 *
 * @module
 */
import { EntityType, type ID } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import {
  PRIORITY_STORED,
  type PushItem,
  PushQueue,
  type PushRefusal,
} from "./push_queue.ts";
import type { Connection, SendResult } from "./transport/mod.ts";

/**
 * Messages kept per session until its handshake (station.md §3.3, §9).
 *
 * @example
 * ```ts
 * MAX_SUSPENDED; // 32
 * ```
 */
export const MAX_SUSPENDED = 32;

/** How a session is built. */
export interface SessionOptions {
  /** Most items waiting in the push queue (beyond: cut off as a slow consumer). */
  readonly maxQueue?: number;
  /**
   * Most messages handed to the connection and not yet settled (keep it at
   * most half the transport's `maxQueue`, the connection's own bound).
   */
  readonly window?: number;
}

const NO_TASKS: readonly (() => void)[] = Object.freeze([]);

/** Changes of any session's active flag in this process. */
let activityChanges = 0;

/**
 * A new session key: 32 random bytes as 64 lower-case hex characters.
 *
 * @example
 * ```ts
 * newSessionKey().length; // 64
 * ```
 */
export function newSessionKey(): string {
  return crypto.getRandomValues(new Uint8Array(32)).toHex();
}

/**
 * A station session.
 *
 * @example
 * ```ts ignore
 * const session = new Session(conn);
 * session.bind(alice);
 * session.push({ priority: 0, payload: msg.serialize() });
 * ```
 */
export class Session {
  /** The session key the client must echo in its handshake. */
  readonly key: string = newSessionKey();
  /** The connection. */
  readonly conn: Connection;
  /** `host:port` of the peer: the registry key. */
  readonly address: string;
  #identifier: ID | undefined;
  #active = true;
  #activeTime = 0;
  readonly #queue: PushQueue;
  readonly #window: number;
  // made with their first use: an idle session holds none of them
  #suspended: ReliableMessage[] | undefined;
  #pumping = false;
  /** A pump waits for the connection to have room. */
  #awaitingRoom = false;
  #held = 0;
  #waiters: { below: number; resolve: () => void }[] | undefined;
  #afterReply: (() => void)[] | undefined;
  /** Whether a stored-message loader runs for this session. */
  loading = false;
  /** Whether its client asked for station receipts in array contents (handshake). */
  receiptArrays = false;

  /** Wraps an open connection. */
  constructor(conn: Connection, options: SessionOptions = {}) {
    this.conn = conn;
    this.address = `${conn.remoteAddress[0]}:${conn.remoteAddress[1]}`;
    this.#queue = new PushQueue(options.maxQueue ?? 4096);
    this.#window = Math.max(1, options.window ?? 512);
    void conn.done.then(() => this.#closed());
  }

  /** The ID bound by the handshake, if any. */
  get identifier(): ID | undefined {
    return this.#identifier;
  }

  /**
   * How many times a session's active flag changed in this process so far
   * (its registry's {@link SessionCenter.changes} counts them in).
   */
  static get activityChanges(): number {
    return activityChanges;
  }

  /** Whether the session receives pushes (bound, active, open). */
  get active(): boolean {
    return this.#active && !this.conn.closed;
  }

  /** Whether the session is bound to a station ID (a neighbour or the bridge). */
  get isStation(): boolean {
    return this.#identifier?.type === EntityType.STATION;
  }

  /** Items waiting in the push queue. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Binds the session to the ID that completed the handshake (once). */
  bind(id: ID): void {
    this.#identifier = id;
  }

  /**
   * Sets the active flag; `true` if it changed. A change with a `time`
   * (seconds, the client's command time) is ignored when that time is not
   * later than the time of the last timed change (out-of-order reports,
   * station.md §3.6); a change without a time is always applied and does not
   * move that time.
   */
  setActive(active: boolean, time?: number): boolean {
    if (time !== undefined && time > 0) {
      if (time <= this.#activeTime) return false;
      this.#activeTime = time;
    }
    if (this.#active === active) return false;
    this.#active = active;
    activityChanges++;
    if (active) this.#pump();
    return true;
  }

  /**
   * Keeps a message until the handshake (at most {@link MAX_SUSPENDED}, the
   * oldest dropped), marked with `error: {message: "user not login"}`;
   * `true` when an older one had to go.
   */
  suspend(msg: ReliableMessage): boolean {
    msg.set("error", { message: "user not login" });
    const suspended = this.#suspended ??= [];
    suspended.push(msg);
    if (suspended.length <= MAX_SUSPENDED) return false;
    suspended.shift();
    return true;
  }

  /** Messages waiting for the handshake. */
  get suspendedCount(): number {
    return this.#suspended?.length ?? 0;
  }

  /** The suspended messages, oldest first, with their `error` removed. */
  takeSuspended(): ReliableMessage[] {
    const messages = this.#suspended ?? [];
    this.#suspended = undefined;
    for (const msg of messages) msg.set("error", undefined);
    return messages;
  }

  /**
   * Queues a message for the connection; `undefined` when queued, else why
   * not. A full queue cuts the connection off as a slow consumer.
   */
  push(item: PushItem): PushRefusal | "closed" | undefined {
    if (this.conn.closed) return "closed";
    const refused = this.#queue.push(item);
    if (refused === "full") {
      this.conn.close();
      return refused;
    }
    if (refused === undefined) this.#pump();
    return refused;
  }

  /** Whether a message with this key is waiting or being sent here. */
  isQueued(key: string): boolean {
    return this.#queue.has(key);
  }

  /** Stops handing queued items to the connection until {@link Session.release}. */
  hold(): void {
    this.#held++;
  }

  /** Undoes one {@link Session.hold}. */
  release(): void {
    if (this.#held > 0 && --this.#held === 0) this.#pump();
  }

  /** Resolves when at most `count` stored messages wait (or the connection closed). */
  whenStoredBelow(count: number): Promise<void> {
    if (this.conn.closed || this.#queue.sizeAt(PRIORITY_STORED) <= count) {
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      (this.#waiters ??= []).push({ below: count, resolve })
    );
  }

  /** Runs `task` once the responses to the current payload were written. */
  afterReply(task: () => void): void {
    (this.#afterReply ??= []).push(task);
  }

  /** The tasks {@link Session.afterReply} collected (emptied). */
  takeAfterReply(): readonly (() => void)[] {
    const tasks = this.#afterReply;
    if (tasks === undefined) return NO_TASKS;
    this.#afterReply = undefined;
    return tasks;
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    const stored = this.#queue.sizeAt(PRIORITY_STORED);
    const closed = this.conn.closed;
    const left = waiters.filter((waiter) => {
      if (!closed && stored > waiter.below) return true;
      waiter.resolve();
      return false;
    });
    this.#waiters = left.length > 0 ? left : undefined;
  }

  #pump(): void {
    if (this.#pumping || this.#held > 0) return;
    this.#pumping = true;
    try {
      while (!this.conn.closed && this.#held === 0) {
        if (this.conn.pending >= this.#window) {
          this.#pumpWhenReady();
          break;
        }
        const item = this.#queue.shift();
        if (item === undefined) break;
        this.#wake();
        // the callback keeps the key and the listener, not the payload: a
        // text lives on as its frame only while it waits for its receiver
        const { key, onResult } = item;
        this.conn.sendWith(
          item.payload,
          (result) => this.#settled(key, onResult, result),
        );
      }
    } finally {
      this.#pumping = false;
      this.#wake();
    }
  }

  /** Pumps again once the connection has room (one waiter at a time). */
  #pumpWhenReady(): void {
    if (this.#awaitingRoom) return;
    this.#awaitingRoom = true;
    this.conn.ready().then(() => {
      this.#awaitingRoom = false;
      this.#pump();
    });
  }

  #settled(
    key: string | undefined,
    onResult: PushItem["onResult"],
    result: SendResult,
  ): void {
    if (key !== undefined) this.#queue.settle(key);
    onResult?.(result);
  }

  #closed(): void {
    if (this.#active) activityChanges++;
    this.#active = false;
    this.#suspended = undefined;
    for (const item of this.#queue.clear()) {
      item.onResult?.({ sent: false, reason: "closed" });
    }
    this.#wake();
  }
}
