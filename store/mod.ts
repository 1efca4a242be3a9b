/**
 * The SQLite store of `dim` (one file through `node:sqlite`): private keys,
 * metas, documents and their user search, offline messages, login records,
 * stored user commands, providers and stations, ANS records, the users online
 * at a station, and the group tables of the assistant.
 *
 * The tables store the plain values they are given (the exact JSON
 * dictionaries plus the columns extracted from them); validating metas and
 * documents is the job of the layer above.
 *
 * ```ts
 * import { Store } from "./mod.ts";
 *
 * const store = Store.open({ path: ":memory:" }); // or { dataDir: "/srv/dim" }
 * store.ans.set("archivist", "archivist@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR");
 * store.close();
 * ```
 *
 * @module
 */
export {
  Database,
  type DatabaseOptions,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_FILE_NAME,
  type WriteFailure,
  type WriteOptions,
} from "./database.ts";
export { type Migration, MIGRATIONS } from "./migrations.ts";
export {
  Checkpointer,
  type CheckpointerOptions,
  type CheckpointStats,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_CHECKPOINT_LIMIT_FRAMES,
} from "./checkpointer.ts";
export {
  deleteAccount,
  type DeletedAccount,
  type StoreStats,
  storeStats,
  vacuumStore,
} from "./maintenance.ts";
export {
  createPrivateFile,
  type ExposedFile,
  exposedFiles,
  makePrivateDirectory,
  PRIVATE_DIRECTORY_MODE,
  PRIVATE_FILE_MODE,
  writePrivateTextFile,
} from "./private_files.ts";
export {
  DamagedStoreError,
  InvalidRecordError,
  ReadOnlyStoreError,
  SchemaVersionError,
  StoreBusyError,
  StoreError,
  StoreFullError,
} from "./errors.ts";
export type { JsonObject } from "./_values.ts";
export { Store, type StoreOptions } from "./store.ts";
export {
  MAX_VISA_KEYS,
  type PrivateKeyKind,
  PrivateKeyRecord,
  PrivateKeys,
} from "./private_keys.ts";
export { Metas, type MetaWithDocument } from "./metas.ts";
export {
  DEFAULT_MAX_MESSAGE_KEYS,
  MESSAGE_KEY_TTL_SECONDS,
  MessageKeys,
  type MessageKeysOptions,
  type RecentMessageKey,
  type StoredMessageKey,
} from "./message_keys.ts";
export { StoredCipherKeyCache } from "./stored_cipher_keys.ts";
export {
  type DocumentRecord,
  Documents,
  type DocumentSaveResult,
  type StoredDocument,
} from "./documents.ts";
export {
  MAX_KEYWORD_LENGTH,
  MAX_SEARCH_KEYWORDS,
  UserSearch,
} from "./search.ts";
export { SearchIndex } from "./search_index.ts";
export {
  MAX_MESSAGES_PER_RECEIVER,
  MESSAGE_RETENTION_SECONDS,
  type MessageKey,
  type MessageOp,
  type OfflineMessage,
  OfflineMessages,
  type OfflineMessagesOptions,
  type StoredMessage,
} from "./messages.ts";
export {
  type HeldStore,
  type HeldStoreListener,
  messageKeyOf,
  MessageWriteQueue,
  type MessageWriteQueueOptions,
} from "./message_queue.ts";
export { type LoginRecord, Logins, type StoredLogin } from "./logins.ts";
export {
  type UserCommandKind,
  type UserCommandRecord,
  UserCommands,
} from "./user_commands.ts";
export {
  type ProviderRecord,
  type StationAddress,
  type StationRecord,
  Stations,
  type StationSyncResult,
} from "./stations.ts";
export { AnsRecords } from "./ans.ts";
export { ONLINE_HEARTBEAT_MS, OnlineUsers } from "./online_users.ts";
export { GroupMembers } from "./group_members.ts";
export { GroupAdministrators } from "./group_admins.ts";
export {
  GroupHistory,
  type GroupHistoryRecord,
  type StoredGroupCommand,
} from "./group_history.ts";
export { GroupKeys } from "./group_keys.ts";
export {
  type DroppedPending,
  GroupPending,
  type KeptPending,
  type PendingGroupMessage,
  type StoredPendingGroupMessage,
  type WaitingMember,
} from "./group_pending.ts";
export {
  type AccountRecord,
  accountRecord,
  Accounts,
  type AccountsOptions,
  type DocumentChange,
  type DocumentsReceipt,
  type SavedAccount,
  type SavedDocument,
  type SavedMeta,
  type Settled,
} from "./accounts.ts";
export {
  AccountError,
  AccountFormatError,
  documentRefusalText,
  MetaNotFoundError,
  metaRefusalText,
  PrivateKeyMismatchError,
  ReplyText,
  UnknownAccountError,
} from "./account_errors.ts";
