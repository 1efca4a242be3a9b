/**
 * Group history (station.md §5.2, §6.3): the group commands applied to a
 * group with the signed messages that carried them, so that they can be
 * handed to members again (the history a member asks for). A `reset` makes
 * every command older than it history no more.
 *
 * @module
 */
import type { Database } from "./database.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  optionalNumber,
  requireId,
  requireText,
} from "./_values.ts";

/** A group command and the message that carried it. */
export interface GroupHistoryRecord {
  /** The naked group ID. */
  readonly group: string;
  /** The command name (`reset`, `invite`, `quit`, …). */
  readonly command: string;
  /** Who sent it (naked ID). */
  readonly sender: string;
  /** The command's `time` (seconds), if any. */
  readonly time?: number;
  /** The command as received. */
  readonly cmd: JsonObject;
  /** The reliable message that carried it, as received. */
  readonly msg: JsonObject;
}

/** A stored group command. */
export interface StoredGroupCommand extends GroupHistoryRecord {
  /** The order it was stored in. */
  readonly seq: number;
  /** When it was stored (seconds). */
  readonly savedAt: number;
}

/** The commands that replace the whole member list. */
const RESETS = ["reset", "found"];

/**
 * The `group_history` table.
 */
export class GroupHistory {
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
   * Appends a command. A `reset` (or `found`) first removes every command
   * of the group older than it (and every earlier reset).
   */
  append(record: GroupHistoryRecord): void {
    const group = requireId(record.group, "group");
    const command = requireText(record.command, "command");
    const sender = requireId(record.sender, "sender");
    const time = optionalNumber(record.time, "time");
    const cmd = encodeJson(record.cmd, "cmd");
    const msg = encodeJson(record.msg, "msg");
    this.#db.write(() => {
      if (RESETS.includes(command)) {
        if (time === null) {
          this.#db.statement("DELETE FROM group_history WHERE group_id = ?")
            .run(group);
        } else {
          this.#db.statement(
            `DELETE FROM group_history WHERE group_id = ?
               AND (command IN ('reset', 'found') OR time IS NULL OR time < ?)`,
          ).run(group, time);
        }
      }
      this.#db.statement(
        `INSERT INTO group_history
           (group_id, command, sender, time, cmd_json, msg_json, saved_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(group, command, sender, time, cmd, msg, this.#now());
    });
  }

  /**
   * The commands of a group in the order stored.
   */
  list(group: string): StoredGroupCommand[] {
    return this.#db.statement(
      `SELECT seq, group_id, command, sender, time, cmd_json, msg_json, saved_at
         FROM group_history WHERE group_id = ? ORDER BY seq`,
    ).all(group).map((row) => ({
      seq: row.seq as number,
      group: row.group_id as string,
      command: row.command as string,
      sender: row.sender as string,
      time: row.time === null ? undefined : row.time as number,
      cmd: decodeJson(row.cmd_json),
      msg: decodeJson(row.msg_json),
      savedAt: row.saved_at as number,
    }));
  }

  /**
   * The time of the group's last `reset` (or `found`), if one is stored
   * with a time: commands older than it are expired.
   */
  resetTime(group: string): number | undefined {
    const row = this.#db.statement(
      `SELECT max(time) AS time FROM group_history
         WHERE group_id = ? AND command IN ('reset', 'found')`,
    ).get(group);
    return row?.time === null || row === undefined
      ? undefined
      : row.time as number;
  }
}
