/**
 * Offline messages (station.md §4.11): every message routed to a user or a
 * bot is stored before it is pushed and deleted when the transport reports
 * it sent. Keyed by receiver + full signature, so storing the same message
 * again changes nothing. Loaded per receiver ordered by message time
 * (ascending), at most the newest `limit`. Kept until they expire
 * (7 days by default); at most `offlineCap` per receiver, the oldest
 * dropped first.
 *
 * Every method is one transaction; {@link OfflineMessages.apply} runs a
 * mixed batch of stores and deletes as one, which is what the coalescing
 * {@link MessageWriteQueue} (./message_queue.ts) uses on the hot path.
 *
 * @module
 */
import type { Database, WriteOptions } from "./database.ts";
import { InvalidRecordError } from "./errors.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  optionalNumber,
  requireId,
  requireNumber,
  requireText,
} from "./_values.ts";

/** How long an offline message is kept: 7 days (seconds). */
export const MESSAGE_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** How many messages are loaded per login, and the default per-receiver cap. */
export const MAX_MESSAGES_PER_RECEIVER = 20480;

/** A message to keep for its receiver. */
export interface OfflineMessage {
  /** The naked ID the message waits for. */
  readonly receiver: string;
  /** The message's `signature` (base64), the key with the receiver. */
  readonly signature: string;
  /** The message's `time` (seconds), the order of delivery. */
  readonly time: number;
  /** The reliable message exactly as received. */
  readonly msg: JsonObject;
  /**
   * When it may be dropped (seconds); default: retention after the earlier
   * of its `time` and now.
   */
  readonly expiresAt?: number;
}

/** A stored offline message. */
export interface StoredMessage extends OfflineMessage {
  /** When it will be dropped (seconds). */
  readonly expiresAt: number;
}

/** The key of a stored message. */
export interface MessageKey {
  /** The naked ID the message waits for. */
  readonly receiver: string;
  /** The message's `signature`. */
  readonly signature: string;
}

/** One step of a batch: store a message or delete one. */
export type MessageOp =
  | { readonly store: OfflineMessage }
  | { readonly delete: MessageKey };

/** Limits of the offline store. */
export interface OfflineMessagesOptions {
  /** Seconds a message is kept (default {@link MESSAGE_RETENTION_SECONDS}). */
  readonly retentionSeconds?: number;
  /** Messages kept per receiver (default {@link MAX_MESSAGES_PER_RECEIVER}). */
  readonly offlineCap?: number;
}

/**
 * The limits of `options` with their defaults, checked (the offline store's
 * and those of the group messages kept for a visa).
 *
 * @throws {InvalidRecordError} a cap below 1
 * @example
 * ```ts
 * offlineBounds({ offlineCap: 100 }).retentionSeconds; // 604800
 * ```
 */
export function offlineBounds(
  options: OfflineMessagesOptions,
): Required<OfflineMessagesOptions> {
  const offlineCap = options.offlineCap ?? MAX_MESSAGES_PER_RECEIVER;
  if (!(offlineCap >= 1)) {
    throw new InvalidRecordError("offlineCap", "must be at least 1");
  }
  return {
    retentionSeconds: options.retentionSeconds ?? MESSAGE_RETENTION_SECONDS,
    offlineCap,
  };
}

/** The stored message with receiver ?1 and signature ?2 (through messages_by_key). */
const FIND_KEY = `SELECT seq FROM messages
  WHERE receiver = ?1 AND substr(signature, -16) = substr(?2, -16) AND signature = ?2`;

interface Row {
  readonly receiver: string;
  readonly signature: string;
  readonly time: number;
  readonly expiresAt: number;
  readonly msgJson: string;
}

/**
 * The `messages` table.
 */
export class OfflineMessages {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #retention: number;
  readonly #cap: number;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(
    db: Database,
    now: () => number,
    options: OfflineMessagesOptions = {},
  ) {
    this.#db = db;
    this.#now = now;
    const bounds = offlineBounds(options);
    this.#retention = bounds.retentionSeconds;
    this.#cap = bounds.offlineCap;
  }

  /**
   * Stores one message; `true` if it was not stored yet. With
   * `{ durable: true }` it is on disk (fsynced) when this returns.
   */
  store(message: OfflineMessage, options?: WriteOptions): boolean {
    return this.storeMany([message], options) === 1;
  }

  /**
   * Stores several messages in one transaction; returns how many were new.
   * Every message is checked first: one bad message stores none.
   */
  storeMany(
    messages: readonly OfflineMessage[],
    options?: WriteOptions,
  ): number {
    const rows = messages.map((message) => this.#check(message));
    return this.#db.write(
      () => rows.filter((row) => this.#insert(row)).length,
      options,
    );
  }

  /**
   * The receiver's stored messages that have not expired: the newest
   * `limit`, ordered by message time ascending (then by arrival).
   */
  load(
    receiver: string,
    limit: number = MAX_MESSAGES_PER_RECEIVER,
  ): StoredMessage[] {
    const count = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
    if (!(count >= 1)) return [];
    // one statement (a login looks for its messages on every handshake,
    // mostly to find none): the newest `count` by a descending scan of the
    // index messages_by_time (no sort), turned ascending here. The limit is
    // written into the SQL (one prepared statement per limit in use: the
    // offline cap, the default): bound as a parameter, the statement took
    // ~100 µs instead of ~25 here in a handshake's cold caches
    const rows = this.#db.statement(
      `SELECT receiver, signature, time, expires_at, msg_json FROM messages
         WHERE receiver = ? AND expires_at > ?
         ORDER BY time DESC, seq DESC LIMIT ${count}`,
    ).all(receiver, this.#now());
    const messages: StoredMessage[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[rows.length - 1 - i];
      messages[i] = {
        receiver: row.receiver as string,
        signature: row.signature as string,
        time: row.time as number,
        expiresAt: row.expires_at as number,
        msg: decodeJson(row.msg_json),
      };
    }
    return messages;
  }

  /**
   * Deletes a stored message (it was sent); `true` if it was there.
   */
  delete(receiver: string, signature: string): boolean {
    return this.deleteMany([{ receiver, signature }]) === 1;
  }

  /**
   * Deletes several messages in one transaction; returns how many were there.
   */
  deleteMany(keys: readonly MessageKey[]): number {
    const checked = keys.map(checkKey);
    return this.#db.write(() =>
      checked.filter((key) => this.#remove(key.receiver, key.signature)).length
    );
  }

  /**
   * Runs stores and deletes in order in one transaction and reports each:
   * `true`/`false` (stored or deleted / already so), or the
   * {@link InvalidRecordError} of a malformed step (which alone is skipped).
   */
  apply(
    ops: readonly MessageOp[],
    options?: WriteOptions,
  ): (boolean | InvalidRecordError)[] {
    const steps = ops.map((op): (() => boolean) | InvalidRecordError => {
      try {
        if ("store" in op) {
          const row = this.#check(op.store);
          return () => this.#insert(row);
        }
        const key = checkKey(op.delete);
        return () => this.#remove(key.receiver, key.signature);
      } catch (error) {
        if (error instanceof InvalidRecordError) return error;
        throw error;
      }
    });
    return this.#db.write(
      () =>
        steps.map((step) => step instanceof InvalidRecordError ? step : step()),
      options,
    );
  }

  /**
   * Deletes up to `limit` expired messages; returns how many. Call it
   * periodically (and again while it returns `limit`).
   */
  purgeExpired(limit = 10000): number {
    return this.#db.write(() =>
      Number(
        this.#db.statement(
          `DELETE FROM messages WHERE seq IN
             (SELECT seq FROM messages WHERE expires_at <= ? LIMIT ?)`,
        ).run(this.#now(), limit).changes,
      )
    );
  }

  /**
   * How many messages are stored for the receiver (expired ones included
   * until purged).
   */
  count(receiver: string): number {
    const row = this.#db.statement(
      "SELECT n FROM message_counts WHERE receiver = ?",
    ).get(receiver);
    return row === undefined ? 0 : Number(row.n);
  }

  #check(message: OfflineMessage): Row {
    const time = requireNumber(message?.time, "time");
    const expiresAt = optionalNumber(message.expiresAt, "expiresAt") ??
      Math.min(time, this.#now()) + this.#retention;
    return {
      receiver: requireId(message.receiver, "receiver"),
      signature: requireText(message.signature, "signature"),
      time,
      expiresAt,
      msgJson: encodeJson(message.msg, "msg"),
    };
  }

  #insert(row: Row): boolean {
    const inserted = this.#db.statement(
      `INSERT INTO messages (receiver, signature, time, expires_at, msg_json)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (${FIND_KEY})`,
    ).run(row.receiver, row.signature, row.time, row.expiresAt, row.msgJson)
      .changes > 0;
    if (inserted) this.#enforceCap(row.receiver);
    return inserted;
  }

  #enforceCap(receiver: string): void {
    const excess = this.count(receiver) - this.#cap;
    if (excess <= 0) return;
    this.#db.statement(
      `DELETE FROM messages WHERE seq IN
         (SELECT seq FROM messages WHERE receiver = ? ORDER BY time, seq LIMIT ?)`,
    ).run(receiver, excess);
  }

  #remove(receiver: string, signature: string): boolean {
    return this.#db.statement(
      `DELETE FROM messages WHERE seq IN (${FIND_KEY})`,
    ).run(receiver, signature).changes > 0;
  }
}

function checkKey(key: MessageKey): MessageKey {
  return {
    receiver: requireId(key?.receiver, "receiver"),
    signature: requireText(key.signature, "signature"),
  };
}
