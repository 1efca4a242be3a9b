/**
 * The users online at a station (station.md §5.2 "active users"): the
 * station writes who has an active session, the archivist reads it for its
 * `users` answer (§6.2). Each station has its own rows and a heartbeat time;
 * rows whose station has not written for a while are stale (the station
 * stopped without clearing them, or it is not ours).
 *
 * @module
 */
import type { Database } from "./database.ts";
import { requireId } from "./_values.ts";

/**
 * How often the heartbeat is written when nothing changed (ms); readers
 * take rows older than three heartbeats as stale.
 */
export const ONLINE_HEARTBEAT_MS = 30_000;

/**
 * The `online_users` and `online_stations` tables.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.onlineUsers.update("gsp-s001@x", ["alice@y"], []);
 * store.onlineUsers.list("gsp-s001@x", 0, 100); // ["alice@y"]
 * ```
 */
export class OnlineUsers {
  readonly #db: Database;
  readonly #now: () => number;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Records users who came online and users who left at `station`, and
   * beats its heartbeat, in one transaction.
   */
  update(
    station: string,
    added: readonly string[],
    removed: readonly string[],
  ): void {
    requireId(station, "station");
    for (const user of [...added, ...removed]) requireId(user, "user");
    const now = this.#now();
    this.#db.write(() => {
      const insert = this.#db.statement(
        "INSERT OR IGNORE INTO online_users (station, user, since) VALUES (?, ?, ?)",
      );
      for (const user of added) insert.run(station, user, now);
      const remove = this.#db.statement(
        "DELETE FROM online_users WHERE station = ? AND user = ?",
      );
      for (const user of removed) remove.run(station, user);
      this.#beat(station, now);
    });
  }

  /**
   * Forgets every user of `station` (it starts, or it stops); with
   * `keepStation` its heartbeat is written, else removed too.
   */
  clear(station: string, options: { keepStation?: boolean } = {}): void {
    requireId(station, "station");
    this.#db.write(() => {
      this.#db.statement("DELETE FROM online_users WHERE station = ?").run(
        station,
      );
      if (options.keepStation) {
        this.#beat(station, this.#now());
      } else {
        this.#db.statement("DELETE FROM online_stations WHERE station = ?")
          .run(station);
      }
    });
  }

  /**
   * When `station` last wrote its users (seconds), if it ever did and has
   * not cleared them.
   */
  updatedAt(station: string): number | undefined {
    const row = this.#db.statement(
      "SELECT updated_at FROM online_stations WHERE station = ?",
    ).get(station);
    return row === undefined ? undefined : row.updated_at as number;
  }

  /**
   * The users online at `station`, longest online first, skipping `start`
   * and returning at most `limit`.
   */
  list(station: string, start: number, limit: number): string[] {
    if (limit <= 0) return [];
    return this.#db.statement(
      `SELECT user FROM online_users WHERE station = ?
         ORDER BY since, user LIMIT ? OFFSET ?`,
    ).all(station, limit, Math.max(0, start)).map((row) => row.user as string);
  }

  #beat(station: string, now: number): void {
    this.#db.statement(
      `INSERT INTO online_stations (station, updated_at) VALUES (?, ?)
         ON CONFLICT (station) DO UPDATE SET updated_at = excluded.updated_at`,
    ).run(station, now);
  }
}
