/**
 * Commands a user stores at the station or a bot (station.md §4.9, §6.2):
 * the whole `block` / `mute` command, the archivist's `contacts` storage
 * command. One per user and kind; an older command than the stored one is
 * refused, a command without `time` always accepted.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { InvalidRecordError } from "./errors.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  optionalNumber,
  requireId,
} from "./_values.ts";

/** What a stored command is. */
export type UserCommandKind = "block" | "mute" | "contacts";

const KINDS: readonly string[] = ["block", "mute", "contacts"];

/** A command to store for a user. */
export interface UserCommandRecord {
  /** The naked user ID (the sender). */
  readonly user: string;
  /** What the command is. */
  readonly kind: UserCommandKind;
  /** The command's `time` (seconds), if any. */
  readonly time?: number;
  /** The command as received. */
  readonly cmd: JsonObject;
}

/**
 * The `user_commands` table.
 */
export class UserCommands {
  readonly #db: Database;
  readonly #now: () => number;
  #version = 0;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Stores the command unless the stored one is newer; `true` when stored
   * (`false` → "Block not changed.").
   */
  save(record: UserCommandRecord): boolean {
    const user = requireId(record.user, "user");
    if (!KINDS.includes(record.kind)) {
      throw new InvalidRecordError(
        "kind",
        `must be one of ${KINDS.join(", ")}, not ${record.kind}`,
      );
    }
    const time = optionalNumber(record.time, "time");
    const cmdJson = encodeJson(record.cmd, "cmd");
    this.#version++;
    return this.#db.write(() =>
      this.#db.statement(
        `INSERT INTO user_commands (user, kind, time, cmd_json, saved_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (user, kind) DO UPDATE SET
             time = excluded.time, cmd_json = excluded.cmd_json, saved_at = excluded.saved_at
           WHERE excluded.time IS NULL OR user_commands.time IS NULL
             OR excluded.time >= user_commands.time`,
      ).run(user, record.kind, time, cmdJson, this.#now()).changes > 0
    );
  }

  /**
   * A number that changes with every write to the table through this
   * connection ({@link UserCommands.save}, and the deletes that call
   * {@link UserCommands.changed}): a memo of a row compares it, and the
   * store's `dataVersion` for other connections' writes.
   *
   * @example
   * ```ts ignore
   * const before = store.userCommands.version;
   * store.userCommands.save({ user: "bob@x", kind: "block", cmd: { list: [] } });
   * store.userCommands.version !== before; // true
   * ```
   */
  get version(): number {
    return this.#version;
  }

  /**
   * Notes a write to the table made with a statement of its own (an
   * account deleted): {@link UserCommands.version} changes.
   *
   * @example
   * ```ts ignore
   * store.userCommands.changed();
   * ```
   */
  changed(): void {
    this.#version++;
  }

  /**
   * The stored command of a user, if any.
   */
  get(user: string, kind: UserCommandKind): JsonObject | undefined {
    const row = this.#db.statement(
      "SELECT cmd_json FROM user_commands WHERE user = ? AND kind = ?",
    ).get(user, kind);
    return row === undefined ? undefined : decodeJson(row.cmd_json);
  }
}
