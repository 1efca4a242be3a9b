/**
 * Group messages waiting for a member's visa (issue 15): what the group
 * assistant has to send a member whose visa it does not know yet — the
 * member's copy of a group message, or the group's history — kept until
 * the visa arrives, in the order the assistant accepted them. Each row is
 * one `forward` to send, keyed by member + `ref` (a copy's signature), so
 * keeping the same one again changes nothing.
 *
 * The bounds are those of offline messages: a row expires `retentionSeconds`
 * after the earlier of its time and now, and at most `offlineCap` rows
 * are kept per member (the oldest dropped first). What is dropped is
 * returned, to be logged and counted.
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
  requireText,
} from "./_values.ts";
import { offlineBounds, type OfflineMessagesOptions } from "./messages.ts";

/** Something to send a member once its visa is known. */
export interface PendingGroupMessage {
  /** The naked member ID. */
  readonly member: string;
  /** The naked group ID. */
  readonly group: string;
  /** What it is, unique per member (a copy's signature; `history:<group>`). */
  readonly ref: string;
  /** The reliable messages the `forward` carries, as they will be sent. */
  readonly messages: readonly JsonObject[];
  /** The message time (seconds; default now): retention counts from it. */
  readonly time?: number;
}

/** A kept message. */
export interface StoredPendingGroupMessage extends PendingGroupMessage {
  /** The order the assistant accepted it in. */
  readonly seq: number;
  /** When it is dropped (seconds). */
  readonly expiresAt: number;
}

/** How many were dropped for a member in a group. */
export interface DroppedPending {
  /** The naked member ID. */
  readonly member: string;
  /** The naked group ID. */
  readonly group: string;
  /** How many. */
  readonly count: number;
}

/** What {@link GroupPending.keep} did. */
export interface KeptPending {
  /** It was not kept yet. */
  readonly kept: boolean;
  /** The oldest pushed out by the per-member cap. */
  readonly dropped: readonly DroppedPending[];
}

/** A member waiting for its visa, and how many messages wait. */
export interface WaitingMember {
  /** The naked member ID. */
  readonly member: string;
  /** Messages kept for it. */
  readonly count: number;
}

/**
 * The `group_pending` table.
 *
 * @example
 * ```ts ignore
 * store.groupPending.keep({ member: "carol@x", group: "team@y", ref: msg.signature, messages: [copy] });
 * for (const row of store.groupPending.list("carol@x")) send(row.messages);
 * store.groupPending.remove([row.seq]);
 * ```
 */
export class GroupPending {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #retention: number;
  readonly #cap: number;

  /**
   * Creates the repository over an open {@link Database}, with the bounds
   * of offline messages.
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
   * Keeps a message for a member (durably with `{ durable: true }`); keeping
   * the same member + `ref` again changes nothing.
   *
   * @example
   * ```ts ignore
   * const { kept, dropped } = pending.keep(item, { durable: true });
   * ```
   */
  keep(item: PendingGroupMessage, options?: WriteOptions): KeptPending {
    const member = requireId(item?.member, "member");
    const group = requireId(item.group, "group");
    const ref = requireText(item.ref, "ref");
    if (!Array.isArray(item.messages) || item.messages.length === 0) {
      throw new InvalidRecordError("messages", "must be a non-empty list");
    }
    const json = encodeJson({ messages: item.messages }, "messages");
    const now = this.#now();
    const time = optionalNumber(item.time, "time") ?? now;
    const expiresAt = Math.min(time, now) + this.#retention;
    return this.#db.write(() => {
      const kept = this.#db.statement(
        `INSERT INTO group_pending (member, group_id, ref, expires_at, msgs_json, saved_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member, ref) DO NOTHING`,
      ).run(member, group, ref, expiresAt, json, now).changes > 0;
      return { kept, dropped: kept ? this.#enforceCap(member) : [] };
    }, options);
  }

  /**
   * The member's messages that have not expired, in the order kept, at
   * most `limit`.
   *
   * @example
   * ```ts ignore
   * pending.list("carol@x").map((row) => row.ref);
   * ```
   */
  list(member: string, limit = 256): StoredPendingGroupMessage[] {
    return this.#db.statement(
      `SELECT seq, member, group_id, ref, expires_at, msgs_json FROM group_pending
         WHERE member = ? AND expires_at > ? ORDER BY seq LIMIT ?`,
    ).all(member, this.#now(), limit).map((row) => ({
      seq: Number(row.seq),
      member: row.member as string,
      group: row.group_id as string,
      ref: row.ref as string,
      expiresAt: row.expires_at as number,
      messages: decodeJson(row.msgs_json).messages as JsonObject[],
    }));
  }

  /**
   * Deletes kept messages (sent) by their `seq`; returns how many were there.
   *
   * @example
   * ```ts ignore
   * pending.remove(rows.map((row) => row.seq));
   * ```
   */
  remove(seqs: readonly number[]): number {
    return this.#db.write(() => {
      let removed = 0;
      const statement = this.#db.statement(
        "DELETE FROM group_pending WHERE seq = ?",
      );
      for (const seq of seqs) removed += Number(statement.run(seq).changes);
      return removed;
    });
  }

  /**
   * The members with messages kept (not expired), the longest waiting
   * first, at most `limit`.
   *
   * @example
   * ```ts ignore
   * pending.waiting().map((w) => `${w.member}: ${w.count}`);
   * ```
   */
  waiting(limit = 1024): WaitingMember[] {
    return this.#db.statement(
      `SELECT member, count(*) AS n, min(seq) AS first FROM group_pending
         WHERE expires_at > ? GROUP BY member ORDER BY first LIMIT ?`,
    ).all(this.#now(), limit).map((row) => ({
      member: row.member as string,
      count: Number(row.n),
    }));
  }

  /**
   * How many messages are kept (not expired): for `member`, else in all.
   *
   * @example
   * ```ts ignore
   * pending.count(); // 3
   * ```
   */
  count(member?: string): number {
    const now = this.#now();
    const row = member === undefined
      ? this.#db.statement(
        "SELECT count(*) AS n FROM group_pending WHERE expires_at > ?",
      ).get(now)
      : this.#db.statement(
        "SELECT count(*) AS n FROM group_pending WHERE member = ? AND expires_at > ?",
      ).get(member, now);
    return Number(row?.n ?? 0);
  }

  /**
   * Deletes the expired messages; returns how many per member and group.
   *
   * @example
   * ```ts ignore
   * for (const d of pending.purgeExpired()) log.warn(`${d.count} expired for ${d.member}`);
   * ```
   */
  purgeExpired(): DroppedPending[] {
    return this.#db.write(() => {
      const now = this.#now();
      const dropped = this.#db.statement(
        `SELECT member, group_id, count(*) AS n FROM group_pending
           WHERE expires_at <= ? GROUP BY member, group_id`,
      ).all(now).map(droppedRow);
      if (dropped.length > 0) {
        this.#db.statement("DELETE FROM group_pending WHERE expires_at <= ?")
          .run(now);
      }
      return dropped;
    });
  }

  #enforceCap(member: string): DroppedPending[] {
    const total = Number(
      this.#db.statement(
        "SELECT count(*) AS n FROM group_pending WHERE member = ?",
      ).get(member)?.n ?? 0,
    );
    const excess = total - this.#cap;
    if (excess <= 0) return [];
    const oldest = `SELECT seq FROM group_pending WHERE member = ?1
      ORDER BY seq LIMIT ?2`;
    const dropped = this.#db.statement(
      `SELECT member, group_id, count(*) AS n FROM group_pending
         WHERE seq IN (${oldest}) GROUP BY member, group_id`,
    ).all(member, excess).map(droppedRow);
    this.#db.statement(`DELETE FROM group_pending WHERE seq IN (${oldest})`)
      .run(member, excess);
    return dropped;
  }
}

function droppedRow(row: Record<string, unknown>): DroppedPending {
  return {
    member: row.member as string,
    group: row.group_id as string,
    count: Number(row.n),
  };
}
