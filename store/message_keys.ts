/**
 * Message keys a station decrypted, per direction (sender → destination),
 * kept across restarts: a client keeps its key for a direction (7 days in
 * the reference clients, in memory) and seals it again for every message;
 * with the key at hand the station reads such a message with one AES
 * decryption instead of an RSA one (see {@link StoredCipherKeyCache}).
 *
 * Saves are written behind: {@link MessageKeys.put} keeps the row and a
 * transaction a little later writes the rows kept meanwhile, at most
 * {@link ROWS_PER_COMMIT} at once (a handshake storm costs a few small
 * commits a second, not one per user); {@link Store.close} writes what is
 * left. A key lost to a crash costs one RSA decryption
 * later, nothing else. The table is bounded ({@link MessageKeys.max} rows,
 * the oldest go first) and rows older than the time to live go too.
 *
 * The keys are as secret as the messages they open; they sit in the same
 * file as the station's private keys (mode 0600).
 *
 * @module
 */
import type { Database } from "./database.ts";
import { WriteBehind } from "./_write_behind.ts";
import { decodeJson, encodeJson, type JsonObject } from "./_values.ts";

/** Rows kept at most (default of {@link MessageKeysOptions.maxMessageKeys}). */
export const DEFAULT_MAX_MESSAGE_KEYS = 100_000;

/** How long a key is kept (7 days, as the reference clients keep theirs). */
export const MESSAGE_KEY_TTL_SECONDS = 7 * 24 * 3600;

/** How long a save waits for others to share its commit (ms). */
const WRITE_BEHIND_MS = 50;

/**
 * Rows one commit writes at most (~20 µs each): a reconnect storm's keys go
 * in small commits that never hold the thread long, the rest a turn later.
 */
const ROWS_PER_COMMIT = 32;

/** Bounds of {@link MessageKeys}. */
export interface MessageKeysOptions {
  /** Rows kept at most (default {@link DEFAULT_MAX_MESSAGE_KEYS}). */
  readonly maxMessageKeys?: number;
}

/** One stored key. */
export interface StoredMessageKey {
  /** The key's dictionary. */
  readonly key: JsonObject;
  /** When it was saved (seconds since the epoch). */
  readonly savedAt: number;
}

/** One key of {@link MessageKeys.recent}. */
export interface RecentMessageKey extends StoredMessageKey {
  /** Who sealed it (as the message named its sender). */
  readonly sender: string;
}

/**
 * The `message_keys` table.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.messageKeys.put("alice@x", "station@y", { algorithm: "AES", data: "…" });
 * store.messageKeys.get("alice@x", "station@y")?.key.algorithm; // "AES"
 * store.close(); // writes it
 * ```
 */
export class MessageKeys {
  /** Rows kept at most. */
  readonly max: number;
  readonly #db: Database;
  readonly #now: () => number;
  readonly #pending = new WriteBehind<string, PendingKey>(
    WRITE_BEHIND_MS,
    ROWS_PER_COMMIT,
    (rows) => this.#write(rows),
  );
  #rows: number | undefined;

  /** Creates the repository over an open {@link Database}. */
  constructor(db: Database, now: () => number, options: MessageKeysOptions) {
    this.#db = db;
    this.#now = now;
    this.max = Math.max(1, options.maxMessageKeys ?? DEFAULT_MAX_MESSAGE_KEYS);
  }

  /** The fresh key of a direction (kept or stored), if any. */
  get(sender: string, destination: string): StoredMessageKey | undefined {
    const pending = this.#pending.get(`${sender}>${destination}`);
    if (pending !== undefined) {
      return { key: decodeJson(pending.json), savedAt: pending.savedAt };
    }
    const row = this.#db.statement(
      "SELECT key_json, saved_at FROM message_keys WHERE sender = ? AND destination = ?",
    ).get(sender, destination);
    if (row === undefined) return undefined;
    const savedAt = Number(row.saved_at);
    if (savedAt + MESSAGE_KEY_TTL_SECONDS <= this.#now()) return undefined;
    return { key: decodeJson(row.key_json), savedAt };
  }

  /**
   * The fresh keys into `destination`, the most recently saved first, at
   * most `limit` (kept and not written yet included): who sent it messages
   * lately, e.g. the users a restarted station will see again first.
   *
   * @example
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open({ path: ":memory:" });
   * store.messageKeys.put("alice@x", "station@y", { algorithm: "AES", data: "…" });
   * store.messageKeys.recent("station@y", 100)[0].sender; // "alice@x"
   * ```
   */
  recent(destination: string, limit: number): RecentMessageKey[] {
    if (limit <= 0) return [];
    const fresh = this.#now() - MESSAGE_KEY_TTL_SECONDS;
    const found: RecentMessageKey[] = [];
    const seen = new Set<string>();
    for (const row of this.#pending.values()) {
      if (row.destination !== destination || row.savedAt <= fresh) continue;
      found.push({
        sender: row.sender,
        key: decodeJson(row.json),
        savedAt: row.savedAt,
      });
      seen.add(row.sender);
    }
    const rows = this.#db.statement(
      `SELECT sender, key_json, saved_at FROM message_keys
         WHERE destination = ? AND saved_at > ?
         ORDER BY saved_at DESC LIMIT ?`,
    ).all(destination, fresh, limit);
    for (const row of rows) {
      const sender = row.sender as string;
      if (seen.has(sender)) continue;
      found.push({
        sender,
        key: decodeJson(row.key_json),
        savedAt: Number(row.saved_at),
      });
    }
    found.sort((a, b) => b.savedAt - a.savedAt);
    return found.slice(0, limit);
  }

  /** Keeps the key of a direction; written with the next commit of keys. */
  put(sender: string, destination: string, key: JsonObject): void {
    const json = encodeJson(key, "key");
    this.#pending.keep(`${sender}>${destination}`, {
      sender,
      destination,
      json,
      savedAt: this.#now(),
    });
  }

  /** Keys kept and not written yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Writes the keys kept so far in one transaction, then drops rows past
   * the time to live and the bound. A failed write (a full disk) drops
   * them: each costs one RSA decryption later.
   */
  flush(): void {
    this.#pending.flush();
  }

  /** Writes kept keys in one transaction. */
  #write(rows: readonly PendingKey[]): void {
    try {
      this.#db.write(() => {
        const insert = this.#db.statement(
          "INSERT OR REPLACE INTO message_keys (sender, destination, key_json, saved_at) VALUES (?, ?, ?, ?)",
        );
        for (const row of rows) {
          insert.run(row.sender, row.destination, row.json, row.savedAt);
        }
        this.#rows = (this.#rows ?? this.#count()) + rows.length;
        if (this.#rows > this.max) this.#prune();
      });
    } catch {
      this.#rows = undefined;
    }
  }

  /** Drops the expired rows and the oldest beyond the bound. */
  #prune(): void {
    this.#db.statement("DELETE FROM message_keys WHERE saved_at <= ?").run(
      this.#now() - MESSAGE_KEY_TTL_SECONDS,
    );
    const over = this.#count() - this.max;
    if (over > 0) {
      this.#db.statement(
        "DELETE FROM message_keys WHERE (sender, destination) IN (SELECT sender, destination FROM message_keys ORDER BY saved_at LIMIT ?)",
      ).run(over);
    }
    this.#rows = this.#count();
  }

  #count(): number {
    return Number(
      this.#db.statement("SELECT count(*) AS n FROM message_keys").get()?.n,
    );
  }
}

interface PendingKey {
  readonly sender: string;
  readonly destination: string;
  readonly json: string;
  readonly savedAt: number;
}
