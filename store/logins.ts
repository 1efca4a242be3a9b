/**
 * Login records (station.md §3.5): the newest `login` command of each user
 * (per user + terminal, `''` when none) with its whole signed message. A
 * record older than the stored one is refused; a command without `time` is
 * always accepted.
 *
 * @module
 */
import type { Database } from "./database.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  optionalNumber,
  optionalText,
  requireId,
} from "./_values.ts";

/** A login command and the message that carried it. */
export interface LoginRecord {
  /** The naked user ID. */
  readonly user: string;
  /** The terminal (1.7.x); `''` or missing when none. */
  readonly terminal?: string;
  /** The command's `time` (seconds), if any. */
  readonly time?: number;
  /** The ID of the station the user is connected to, if known. */
  readonly stationId?: string;
  /** The login command as received. */
  readonly cmd: JsonObject;
  /** The reliable message that carried it, as received. */
  readonly msg: JsonObject;
}

/** A stored login record. */
export interface StoredLogin extends LoginRecord {
  /** The terminal, `''` when none. */
  readonly terminal: string;
  /** When it was stored (seconds). */
  readonly savedAt: number;
}

const COLUMNS =
  "user, terminal, time, station_id, cmd_json, msg_json, saved_at";

/**
 * The `logins` table.
 */
export class Logins {
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
   * Stores the record unless the stored one for the same user and terminal
   * is newer; `true` when stored.
   */
  save(record: LoginRecord): boolean {
    const user = requireId(record.user, "user");
    const terminal = optionalText(record.terminal, "terminal") ?? "";
    const time = optionalNumber(record.time, "time");
    const stationId = optionalText(record.stationId, "stationId");
    const cmdJson = encodeJson(record.cmd, "cmd");
    const msgJson = encodeJson(record.msg, "msg");
    return this.#db.write(() =>
      this.#db.statement(
        `INSERT INTO logins (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user, terminal) DO UPDATE SET
             time = excluded.time, station_id = excluded.station_id,
             cmd_json = excluded.cmd_json, msg_json = excluded.msg_json,
             saved_at = excluded.saved_at
           WHERE excluded.time IS NULL OR logins.time IS NULL
             OR excluded.time >= logins.time`,
      ).run(user, terminal, time, stationId, cmdJson, msgJson, this.#now())
        .changes > 0
    );
  }

  /**
   * The stored record of a user on one terminal (`''` = none).
   */
  get(user: string, terminal = ""): StoredLogin | undefined {
    const row = this.#db.statement(
      `SELECT ${COLUMNS} FROM logins WHERE user = ? AND terminal = ?`,
    ).get(user, terminal);
    return row === undefined ? undefined : toLogin(row);
  }

  /**
   * All stored records of a user, newest first (a missing `time` last).
   */
  list(user: string): StoredLogin[] {
    return this.#db.statement(
      `SELECT ${COLUMNS} FROM logins WHERE user = ?
         ORDER BY time IS NULL, time DESC, saved_at DESC`,
    ).all(user).map(toLogin);
  }

  /**
   * The newest record of a user on any terminal.
   */
  newest(user: string): StoredLogin | undefined {
    return this.list(user)[0];
  }
}

function toLogin(row: Record<string, unknown>): StoredLogin {
  return {
    user: row.user as string,
    terminal: row.terminal as string,
    ...(row.time === null ? {} : { time: row.time as number }),
    ...(row.station_id === null ? {} : { stationId: row.station_id as string }),
    cmd: decodeJson(row.cmd_json),
    msg: decodeJson(row.msg_json),
    savedAt: row.saved_at as number,
  };
}
