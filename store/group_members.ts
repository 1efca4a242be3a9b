/**
 * The members of groups (station.md §5.2, §6.3), in order: the owner first.
 * The group assistant keeps them from the group commands it accepted; a
 * client keeps what it learned from the group's history.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { GroupLists } from "./_group_lists.ts";

/**
 * The `group_members` table.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.groupMembers.save("team@x", ["alice@y", "bob@z"]);
 * store.groupMembers.get("team@x"); // ["alice@y", "bob@z"]
 * ```
 */
export class GroupMembers extends GroupLists {
  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database) {
    super(db, "group_members");
  }
}
