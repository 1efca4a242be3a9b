/**
 * An operator's work on the store: deleting an account with everything
 * kept for it, a user's offline queue (view, purge), the store's size and
 * row counts, and `VACUUM`. Safe while a station runs on the same file
 * (SQLite WAL; each change is one transaction).
 *
 * @module
 */
import { unindexDocument } from "./search_index.ts";
import type { Store } from "./store.ts";

/** What {@link deleteAccount} removed, by table. */
export interface DeletedAccount {
  /** Rows removed per table (tables with none left out). */
  readonly rows: Readonly<Record<string, number>>;
}

/** Tables with a column naming the account, and that column. */
const ACCOUNT_TABLES: readonly (readonly [table: string, column: string])[] = [
  ["metas", "id"],
  ["private_keys", "id"],
  ["logins", "user"],
  ["user_commands", "user"],
  ["messages", "receiver"],
  ["online_users", "user"],
  ["group_members", "member"],
  ["group_admins", "member"],
];

/**
 * Deletes `id` (a naked ID string) and everything kept for it: meta,
 * documents (and their search rows), private keys, logins, stored
 * commands, offline messages, online records, its places in group lists.
 * One transaction: all or nothing.
 *
 * @example
 * ```ts ignore
 * deleteAccount(store, "alice@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk").rows; // { metas: 1, documents: 2, … }
 * ```
 */
export function deleteAccount(store: Store, id: string): DeletedAccount {
  return store.db.write(() => {
    const rows: Record<string, number> = {};
    const count = (table: string, changes: number | bigint) => {
      if (Number(changes) > 0) rows[table] = Number(changes);
    };
    const docs = store.db.statement("SELECT seq FROM documents WHERE id = ?")
      .all(id).map((row) => Number(row.seq));
    for (const seq of docs) unindexDocument(store.db, seq);
    count(
      "documents",
      store.db.statement("DELETE FROM documents WHERE id = ?").run(id).changes,
    );
    for (const [table, column] of ACCOUNT_TABLES) {
      count(
        table,
        store.db.statement(`DELETE FROM ${table} WHERE ${column} = ?`).run(id)
          .changes,
      );
    }
    store.userCommands.changed();
    return { rows };
  });
}

/** The size and contents of the store. */
export interface StoreStats {
  /** The file's size in bytes (pages × page size). */
  readonly bytes: number;
  /** Pages free inside the file (`VACUUM` gives them back). */
  readonly freeBytes: number;
  /** The `-wal` file's size in bytes (0: none). */
  readonly walBytes: number;
  /** Accounts (metas). */
  readonly accounts: number;
  /** Accounts with private keys here. */
  readonly localAccounts: number;
  /** Documents. */
  readonly documents: number;
  /** Offline messages waiting. */
  readonly offlineMessages: number;
  /** Receivers with offline messages waiting. */
  readonly offlineReceivers: number;
  /** Groups with a member list. */
  readonly groups: number;
}

function scalar(store: Store, sql: string): number {
  const row = store.db.statement(sql).get();
  return Number(row === undefined ? 0 : Object.values(row)[0] ?? 0);
}

/**
 * The store's size and row counts (`dim store stats`).
 *
 * @example
 * ```ts ignore
 * storeStats(store).offlineMessages; // 12
 * ```
 */
export function storeStats(store: Store): StoreStats {
  const pageSize = scalar(store, "PRAGMA page_size");
  let walBytes = 0;
  try {
    walBytes = Deno.statSync(`${store.db.path}-wal`).size;
  } catch {
    // no -wal file
  }
  return {
    bytes: scalar(store, "PRAGMA page_count") * pageSize,
    freeBytes: scalar(store, "PRAGMA freelist_count") * pageSize,
    walBytes,
    accounts: scalar(store, "SELECT count(*) FROM metas"),
    localAccounts: scalar(
      store,
      "SELECT count(DISTINCT id) FROM private_keys WHERE kind = 'M'",
    ),
    documents: scalar(store, "SELECT count(*) FROM documents"),
    offlineMessages: scalar(store, "SELECT count(*) FROM messages"),
    offlineReceivers: scalar(
      store,
      "SELECT count(DISTINCT receiver) FROM messages",
    ),
    groups: scalar(store, "SELECT count(DISTINCT group_id) FROM group_members"),
  };
}

/**
 * Gives the free pages back to the file system (`VACUUM`, then a WAL
 * checkpoint); returns the bytes before and after.
 *
 * @example
 * ```ts ignore
 * const { before, after } = vacuumStore(store);
 * ```
 */
export function vacuumStore(
  store: Store,
): { readonly before: number; readonly after: number } {
  const before = storeStats(store).bytes;
  store.db.statement("VACUUM").run();
  store.db.statement("PRAGMA wal_checkpoint(TRUNCATE)").get();
  return { before, after: storeStats(store).bytes };
}
