/**
 * The whole store: one open file and a repository per table.
 *
 * @module
 */
import { Database, type DatabaseOptions } from "./database.ts";
import { AnsRecords } from "./ans.ts";
import { Documents } from "./documents.ts";
import { GroupAdministrators } from "./group_admins.ts";
import { GroupHistory } from "./group_history.ts";
import { GroupKeys } from "./group_keys.ts";
import { GroupPending } from "./group_pending.ts";
import { GroupMembers } from "./group_members.ts";
import { Logins } from "./logins.ts";
import { Metas } from "./metas.ts";
import { MessageKeys, type MessageKeysOptions } from "./message_keys.ts";
import { OfflineMessages, type OfflineMessagesOptions } from "./messages.ts";
import { OnlineUsers } from "./online_users.ts";
import { PrivateKeys } from "./private_keys.ts";
import { UserSearch } from "./search.ts";
import { SearchIndex } from "./search_index.ts";
import { Stations } from "./stations.ts";
import { UserCommands } from "./user_commands.ts";

/** Where the store is and its limits. */
export interface StoreOptions
  extends DatabaseOptions, OfflineMessagesOptions, MessageKeysOptions {
  /** The clock in seconds since the epoch (default `Date.now() / 1000`). */
  readonly now?: () => number;
}

/**
 * The SQLite store of `dim`.
 *
 * @example
 * ```ts
 * const store = Store.open({ path: ":memory:" }); // or { dataDir: "/srv/dim" }
 * store.ans.set("archivist", "archivist@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR");
 * store.close();
 * ```
 */
export class Store {
  /** The open file (transactions, statements). */
  readonly db: Database;
  /** Private keys (identity and visa keys). */
  readonly privateKeys: PrivateKeys;
  /** Metas, insert-only. */
  readonly metas: Metas;
  /** Documents, newest by type. */
  readonly documents: Documents;
  /** The user search over document names. */
  readonly search: UserSearch;
  /** The writer of the search's index (rows written behind the documents). */
  readonly searchIndex: SearchIndex;
  /** Offline messages. */
  readonly messages: OfflineMessages;
  /** Login records. */
  readonly logins: Logins;
  /** Stored block / mute / contacts commands. */
  readonly userCommands: UserCommands;
  /** Providers and neighbour stations. */
  readonly stations: Stations;
  /** ANS records. */
  readonly ans: AnsRecords;
  /** The users online at stations (written by the station, read by the archivist). */
  readonly onlineUsers: OnlineUsers;
  /** Group members, owner first. */
  readonly groupMembers: GroupMembers;
  /** Group administrators. */
  readonly groupAdmins: GroupAdministrators;
  /** Group commands applied, with their messages. */
  readonly groupHistory: GroupHistory;
  /** Group message keys per sender, encrypted for each member. */
  readonly groupKeys: GroupKeys;
  /** Group messages waiting for a member's visa (the bounds of offline messages). */
  readonly groupPending: GroupPending;
  /** Message keys the station decrypted, per direction (written behind). */
  readonly messageKeys: MessageKeys;

  private constructor(db: Database, options: StoreOptions) {
    const now = options.now ?? (() => Date.now() / 1000);
    this.db = db;
    this.privateKeys = new PrivateKeys(db, now);
    this.metas = new Metas(db, now);
    this.searchIndex = new SearchIndex(db);
    this.documents = new Documents(db, now, this.searchIndex);
    this.search = new UserSearch(db, this.searchIndex);
    this.messages = new OfflineMessages(db, now, options);
    this.logins = new Logins(db, now);
    this.userCommands = new UserCommands(db, now);
    this.stations = new Stations(db);
    this.ans = new AnsRecords(db);
    this.onlineUsers = new OnlineUsers(db, now);
    this.groupMembers = new GroupMembers(db);
    this.groupAdmins = new GroupAdministrators(db);
    this.groupHistory = new GroupHistory(db, now);
    this.groupKeys = new GroupKeys(db, now);
    this.groupPending = new GroupPending(db, now, options);
    this.messageKeys = new MessageKeys(db, now, options);
  }

  /**
   * Opens (or creates) the store: `<dataDir>/dim.db` or `path`.
   *
   * @throws {ReadOnlyStoreError} the directory or file cannot be written
   * @throws {SchemaVersionError} the file is newer than this code
   *
   * @example
   * ```ts
   * const store = Store.open({ path: ":memory:", offlineCap: 5000 });
   * ```
   */
  static open(options: StoreOptions): Store {
    const db = Database.open(options);
    try {
      return new Store(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Writes the message keys kept and the search rows pending, and closes
   * the file.
   */
  close(): void {
    if (this.db.isOpen) {
      this.messageKeys.flush();
      this.searchIndex.flush();
    }
    this.db.close();
  }
}
