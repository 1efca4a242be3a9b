/**
 * An ordered list of IDs per group in one table (`group_id`, `position`,
 * `member`): the members and the administrators of a group are both kept
 * this way.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { requireId } from "./_values.ts";

/** The tables of ordered group lists. */
export type GroupListTable = "group_members" | "group_admins";

/** An ordered ID list per group, replaced as a whole. */
export class GroupLists {
  readonly #db: Database;
  readonly #table: GroupListTable;

  /** Lists in `table` of an open {@link Database}. */
  constructor(db: Database, table: GroupListTable) {
    this.#db = db;
    this.#table = table;
  }

  /** The list of `group`, in order (empty when none is stored). */
  get(group: string): string[] {
    return this.#db.statement(
      `SELECT member FROM ${this.#table} WHERE group_id = ? ORDER BY position`,
    ).all(group).map((row) => row.member as string);
  }

  /** Whether `id` is in the list of `group`. */
  has(group: string, id: string): boolean {
    return this.#db.statement(
      `SELECT 1 FROM ${this.#table} WHERE group_id = ? AND member = ?`,
    ).get(group, id) !== undefined;
  }

  /**
   * Replaces the list of `group` (repeated IDs kept once, the first place
   * wins); `false` when nothing changed.
   */
  save(group: string, ids: readonly string[]): boolean {
    requireId(group, "group");
    const list = [...new Set(ids.map((id) => requireId(id, "member")))];
    return this.#db.write(() => {
      const old = this.get(group);
      if (old.length === list.length && old.every((id, i) => id === list[i])) {
        return false;
      }
      this.#db.statement(`DELETE FROM ${this.#table} WHERE group_id = ?`).run(
        group,
      );
      const insert = this.#db.statement(
        `INSERT INTO ${this.#table} (group_id, position, member) VALUES (?, ?, ?)`,
      );
      list.forEach((id, position) => insert.run(group, position, id));
      return true;
    });
  }
}
