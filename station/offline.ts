/**
 * Offline storage and delivery (station.md §4.11): a message for a user or
 * a bot is stored before it is pushed, and deleted when the transport
 * reports it sent on a session of the receiver (or on a station session,
 * for roaming); on a handshake or an inactive → active change the
 * receiver's stored messages — the newest `limit`, oldest first — are
 * queued on that session at the lowest priority, in pages, so a large
 * backlog never floods the connection.
 *
 * Writes go through the store's group-commit queue: one transaction per
 * tick for all stores and deletes, fsynced when one of them must be
 * durable (a message answered with "Message cached."). A message pushed
 * live is held back for the queue's hold time (250 ms in `dim station`):
 * when its receiver takes it by then it is never written; otherwise it is
 * committed then, fsynced (neither a `kill -9` nor a power loss loses it),
 * and deleted once the receiver took it. Its "Message delivered." receipt waits for
 * one or the other (the dispatcher's held push keeps what both need).
 *
 * @module
 */
import { BoundedMap } from "../dimp/bounded_map.ts";
import type { ID } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import {
  type HeldStore,
  MAX_MESSAGES_PER_RECEIVER,
  messageKeyOf,
  type MessageWriteQueue,
  type OfflineMessage,
  type Store,
} from "../store/mod.ts";
import type { StationLog } from "../client/log.ts";
import { PRIORITY_STORED } from "./push_queue.ts";
import type { Session } from "./session.ts";
import type { StationStats } from "./stats.ts";
import type { SendResult } from "./transport/mod.ts";

/** Messages remembered as taken by their receivers here (a copy that comes again is not pushed). */
const MAX_TAKEN = 65_536;

/** How stored messages are delivered. */
export interface OfflineOptions {
  /** Most stored messages per receiver, all loaded at a login (default 20480, station.md §9). */
  readonly offlineCap?: number;
  /** Stored messages queued on a session at a time (default 256). */
  readonly pageSize?: number;
}

/**
 * The key a message waits under for its receiver (the tail of its
 * signature + naked ID, see `messageKeyOf` in the store): one message is
 * queued once per session.
 *
 * @example
 * ```ts ignore
 * session.isQueued(messageKey(bob, msg.signature));
 * ```
 */
export function messageKey(receiver: ID, signature: string): string {
  if (signature === _last.signature && receiver.value === _last.receiver) {
    return _last.key;
  }
  _last.receiver = receiver.value;
  _last.signature = signature;
  _last.key = messageKeyOf(receiver.withoutTerminal().value, signature);
  return _last.key;
}

/**
 * The last key {@link messageKey} made: a routed message's key is asked for
 * by the trace pool and then by the dispatcher, in turn, and both maps then
 * hold (and V8 hashes once) the same string.
 */
const _last = { receiver: "", signature: "", key: "" };

function offlineMessage(receiver: ID, msg: ReliableMessage): OfflineMessage {
  return {
    receiver: receiver.withoutTerminal().value,
    signature: msg.signature,
    time: msg.time ?? Date.now() / 1000,
    msg: msg.dictionary as Record<string, unknown>,
  };
}

/**
 * Stores, deletes and loads offline messages.
 *
 * @example
 * ```ts ignore
 * const offline = new OfflineDelivery(store, queue, stats, log);
 * await offline.store(bob, msg, { durable: true }); // now "Message cached."
 * offline.load(session); // after bob's handshake
 * ```
 */
export class OfflineDelivery {
  readonly #store: Store;
  readonly #queue: MessageWriteQueue;
  readonly #stats: StationStats;
  readonly #log: StationLog;
  readonly #limit: number;
  readonly #page: number;
  readonly #moving = new Set<string>();
  readonly #taken = new BoundedMap<string, true>(MAX_TAKEN);
  /** A stored message leaving for another station was not taken there (it stays here). */
  onMoveFailed: ((receiver: ID) => void) | undefined;

  /** Wires the store, its write queue, the counters and the log. */
  constructor(
    store: Store,
    queue: MessageWriteQueue,
    stats: StationStats,
    log: StationLog,
    options: OfflineOptions = {},
  ) {
    this.#store = store;
    this.#queue = queue;
    this.#stats = stats;
    this.#log = log;
    this.#limit = options.offlineCap ?? MAX_MESSAGES_PER_RECEIVER;
    this.#page = Math.max(1, options.pageSize ?? 256);
  }

  /**
   * Stores a message for `receiver` (idempotent); resolves once committed —
   * fsynced when `durable`. Rejects when the store failed.
   */
  store(
    receiver: ID,
    msg: ReliableMessage,
    options: { durable?: boolean } = {},
  ): Promise<boolean> {
    const done = this.#stats.time("store_message");
    return this.#queue.store(offlineMessage(receiver, msg), options).finally(
      done,
    );
  }

  /**
   * Holds the store of a message just pushed live unless its receiver takes
   * it first (within the store's hold time): `store` is told once it was
   * taken (`false`, nothing written) or committed and fsynced (`true`) —
   * then the receipt may leave — or that the store failed. `key`: the
   * message's {@link messageKey}.
   */
  hold(key: string, store: HeldStore): void {
    this.#queue.hold(key, store);
  }

  /**
   * A push callback that deletes the stored copy once the transport
   * reports the message sent (counted as delivered `live` or from the
   * store). `taken`: the {@link messageKey} when the caller has it.
   */
  deleteWhenSent(
    receiver: ID,
    signature: string,
    source: "live" | "offline",
    byReceiver = true,
    taken: string = messageKey(receiver, signature),
  ): (result: SendResult) => void {
    return (result) => {
      const moved = this.#moving.size > 0 && this.#moving.delete(taken);
      if (!result.sent) {
        // kept for the next login: written now if it was held back
        this.#queue.release(taken);
        if (moved) this.onMoveFailed?.(receiver);
        return;
      }
      this.#stats.deliver(source);
      // taken by the receiver itself (not a station it was sent on to)
      if (byReceiver) this.#taken.set(taken, true);
      if (this.#queue.cancel(taken)) return; // held back, never written
      const done = this.#stats.time("delete_messages");
      // taken: not moved nor loaded again while the delete commits
      this.#moving.add(taken);
      const key = { receiver: receiver.withoutTerminal().value, signature };
      this.#queue.delete(key).catch((error) =>
        this.#log.error(`offline: delete failed: ${error}`)
      ).finally(() => {
        this.#moving.delete(taken);
        done();
      });
    };
  }

  /**
   * Marks a stored message as leaving for the station where its receiver
   * is now: loaders skip it until the station's connection took it (then it
   * is deleted) or did not (then {@link onMoveFailed} is told). `false`
   * when it is leaving already.
   */
  markMoving(receiver: ID, signature: string): boolean {
    const key = messageKey(receiver, signature);
    if (this.#moving.has(key)) return false;
    this.#moving.add(key);
    return true;
  }

  /**
   * Whether a message for `receiver` was taken by one of its sessions here
   * lately (the last {@link MAX_TAKEN}): a copy that comes again is not
   * delivered twice. `key`: its {@link messageKey} when the caller has it.
   */
  delivered(
    receiver: ID,
    signature: string,
    key: string = messageKey(receiver, signature),
  ): boolean {
    return this.#taken.has(key);
  }

  /** The message was not handed to a station after all. */
  unmarkMoving(receiver: ID, signature: string): void {
    this.#moving.delete(messageKey(receiver, signature));
  }

  /** Store writes waiting for the next commit. */
  get pendingWrites(): number {
    return this.#queue.pending;
  }

  /** Commits what is queued and refuses further writes (before the store closes). */
  close(): void {
    this.#queue.close();
  }

  /**
   * Queues the stored messages of the session's user on it (one loader per
   * session at a time; messages already queued there are skipped). Not for
   * station sessions: nothing is stored for a station but the bridge's
   * queue for a neighbour it cannot reach, which the bridge itself sends.
   */
  load(session: Session): void {
    const id = session.identifier;
    if (id === undefined || session.loading || !session.active) return;
    if (session.isStation) return;
    session.loading = true;
    this.#run(session, id).catch((error) =>
      this.#log.error(`offline: loading for ${id.value} failed: ${error}`)
    ).finally(() => session.loading = false);
  }

  async #run(session: Session, id: ID): Promise<void> {
    // let the current payload's responses (DIM!, "Online received.") go first
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (session.conn.closed) return;
    const loaded = this.#stats.time("load_messages");
    const stored = this.#store.messages.load(id.value, this.#limit);
    loaded();
    if (stored.length === 0) return;
    this.#log.debug(`offline: ${stored.length} stored for ${id.value}`);
    let queued = 0;
    for (const item of stored) {
      if (session.conn.closed) return;
      const key = messageKey(id, item.signature);
      // queued here already, or leaving for another station
      if (session.isQueued(key) || this.#moving.has(key)) continue;
      if (this.#taken.has(key)) continue; // its delete is on its way
      const refused = session.push({
        priority: PRIORITY_STORED,
        payload: JSON.stringify(item.msg),
        key,
        onResult: this.deleteWhenSent(id, item.signature, "offline"),
      });
      if (refused !== undefined && refused !== "duplicate") return;
      this.#stats.pushed++;
      if (++queued % this.#page === 0) {
        await session.whenStoredBelow(this.#page / 2);
      }
    }
  }
}
