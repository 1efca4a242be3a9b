/**
 * The administrators of groups (station.md §5.2, §6.3), in order: hired by
 * the owner, gone when fired or when they resign.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { GroupLists } from "./_group_lists.ts";

/**
 * The `group_admins` table.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.groupAdmins.save("team@x", ["bob@z"]);
 * store.groupAdmins.has("team@x", "bob@z"); // true
 * ```
 */
export class GroupAdministrators extends GroupLists {
  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database) {
    super(db, "group_admins");
  }
}
