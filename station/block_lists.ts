/**
 * The block filter (station.md §4.1 step 3): a user's stored `block`
 * command lists the IDs (senders, or groups) whose messages the station
 * must not deliver to them. The lists are read from the store once and
 * kept in memory; an upload through the station replaces the cached one.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import type { Store } from "../store/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";

const NONE: ReadonlySet<string> = new Set();

/**
 * Cached block lists.
 *
 * @example
 * ```ts ignore
 * const blocks = new BlockLists(store);
 * if (blocks.isBlocked(bob, alice)) refuse();
 * ```
 */
export class BlockLists {
  readonly #store: Store;
  readonly #lists: BoundedMap<string, ReadonlySet<string>>;

  /** Reads lists from `store`, keeping at most `maxUsers` in memory. */
  constructor(store: Store, maxUsers = 65536) {
    this.#store = store;
    this.#lists = new BoundedMap(maxUsers);
  }

  /**
   * Whether `receiver` blocked `sender` (personal message) or `group`
   * (a message with a `group`).
   */
  isBlocked(receiver: ID, sender: ID, group?: ID): boolean {
    const list = this.#list(receiver.withoutTerminal().value);
    if (list.size === 0) return false;
    return group !== undefined
      ? list.has(group.value)
      : list.has(sender.withoutTerminal().value);
  }

  /** Drops the cached list of a user (after an upload). */
  forget(user: ID): void {
    this.#lists.delete(user.withoutTerminal().value);
  }

  #list(user: string): ReadonlySet<string> {
    const cached = this.#lists.get(user);
    if (cached !== undefined) return cached;
    const cmd = this.#store.userCommands.get(user, "block");
    const list = Array.isArray(cmd?.list)
      ? new Set(
        cmd.list.filter((item): item is string => typeof item === "string"),
      )
      : NONE;
    this.#lists.set(user, list);
    return list;
  }
}
