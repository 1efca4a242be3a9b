/**
 * The schema as an ordered list of migrations. `PRAGMA user_version` holds the
 * number of the last one applied; opening a file applies the missing ones in
 * order, each in its own `BEGIN IMMEDIATE` transaction (so two processes
 * opening a new file at once migrate it exactly once).
 *
 * Later issues append migrations here (group tables for the assistant,
 * device tokens for the announcer, ...); a released migration is never edited.
 *
 * IDs are stored as their canonical naked strings; `*_json` columns hold the
 * exact dictionaries received so that they are served again unchanged; times
 * are seconds since the epoch (REAL), as on the wire.
 *
 * @module
 */

/** One schema step: `version` is its position (1, 2, 3, ...). */
export interface Migration {
  /** The `user_version` the file has after this step. */
  readonly version: number;
  /** What the step does, for logs and errors. */
  readonly name: string;
  /** The statements of the step (run with `exec` inside the transaction). */
  readonly sql: string;
}

/**
 * Every migration of the `dim` schema, oldest first.
 *
 * @example
 * ```ts
 * const newest = MIGRATIONS[MIGRATIONS.length - 1].version;
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name:
      "foundation: private keys, metas, documents and their search index, offline messages, logins, user commands, providers, stations, ANS",
    sql: `
      -- private keys (station.md §5.2): kind 'M' = identity key, 'V' = visa (message) key;
      -- seq is the insertion order (newest = greatest)
      CREATE TABLE private_keys (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('M', 'V')),
        key_json TEXT NOT NULL,
        added_at REAL NOT NULL
      );
      CREATE INDEX private_keys_by_id ON private_keys (id, kind);

      -- metas: insert-only, the first valid meta of an ID wins (identity.md §7.3)
      CREATE TABLE metas (
        id TEXT PRIMARY KEY,
        meta_json TEXT NOT NULL,
        added_at REAL NOT NULL
      );

      -- documents: several per ID; (id, type, created_time) names "the same document"
      -- (identity.md §9.6); seq is the received order (a replacement gets a new seq)
      CREATE TABLE documents (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        created_time REAL,
        time REAL,
        name TEXT,
        doc_json TEXT NOT NULL,
        saved_at REAL NOT NULL
      );
      CREATE INDEX documents_by_id ON documents (id, type, created_time);

      -- archivist search (station.md §6.2): one row per document, rowid = documents.seq,
      -- text = lower-cased "<name>, <ID>" (or "<ID>"); trigram = substring matching
      CREATE VIRTUAL TABLE document_search USING fts5 (
        text,
        tokenize = 'trigram case_sensitive 1'
      );

      -- offline messages (station.md §4.11): key receiver + full signature; seq = arrival
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        receiver TEXT NOT NULL,
        signature TEXT NOT NULL,
        time REAL NOT NULL,
        expires_at REAL NOT NULL,
        msg_json TEXT NOT NULL
      );
      -- finds (receiver, signature) by the signature's last 16 characters (random
      -- base64), the full signature is compared on the row: a third of the size of
      -- a unique index over whole ~350-character signatures, ~40% cheaper inserts
      CREATE INDEX messages_by_key ON messages (receiver, substr(signature, -16));
      -- ordered by (time, seq) per receiver; expires_at makes it covering for the cut-off
      CREATE INDEX messages_by_time ON messages (receiver, time, seq, expires_at);
      CREATE INDEX messages_by_expiry ON messages (expires_at);

      -- stored messages per receiver, kept by triggers, for the per-receiver cap
      CREATE TABLE message_counts (
        receiver TEXT PRIMARY KEY,
        n INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
        INSERT INTO message_counts (receiver, n) VALUES (new.receiver, 1)
          ON CONFLICT (receiver) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER messages_uncounted AFTER DELETE ON messages BEGIN
        UPDATE message_counts SET n = n - 1 WHERE receiver = old.receiver;
        DELETE FROM message_counts WHERE receiver = old.receiver AND n <= 0;
      END;

      -- login records (station.md §3.5): the newest per user (+ terminal, '' if none)
      CREATE TABLE logins (
        user TEXT NOT NULL,
        terminal TEXT NOT NULL,
        time REAL,
        station_id TEXT,
        cmd_json TEXT NOT NULL,
        msg_json TEXT NOT NULL,
        saved_at REAL NOT NULL,
        PRIMARY KEY (user, terminal)
      );

      -- block / mute / contacts (station.md §4.9, §6.2): the whole stored command
      CREATE TABLE user_commands (
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        time REAL,
        cmd_json TEXT NOT NULL,
        saved_at REAL NOT NULL,
        PRIMARY KEY (user, kind)
      );

      -- service providers and their stations (station.md §2.4, §5.2)
      CREATE TABLE providers (
        id TEXT PRIMARY KEY,
        chosen INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE stations (
        provider TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port > 0 AND port < 65536),
        id TEXT,
        chosen INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (provider, host, port)
      );

      -- ANS (station.md §2.5): name -> ID
      CREATE TABLE ans (
        name TEXT PRIMARY KEY,
        id TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name:
      "bots: the users online at a station (for the archivist), group members, administrators, history and keys (for the assistant)",
    sql: `
      -- active users (station.md §5.2): the station writes who has an active session,
      -- the archivist reads; a station's row in online_stations says when it last
      -- wrote (its rows are current while that time is recent)
      CREATE TABLE online_stations (
        station TEXT PRIMARY KEY,
        updated_at REAL NOT NULL
      );
      CREATE TABLE online_users (
        station TEXT NOT NULL,
        user TEXT NOT NULL,
        since REAL NOT NULL,
        PRIMARY KEY (station, user)
      ) WITHOUT ROWID;
      CREATE INDEX online_users_by_since ON online_users (station, since, user);

      -- group members and administrators (station.md §5.2, §6.3), in order
      -- (the owner first among the members)
      CREATE TABLE group_members (
        group_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        member TEXT NOT NULL,
        PRIMARY KEY (group_id, member)
      ) WITHOUT ROWID;
      CREATE INDEX group_members_in_order ON group_members (group_id, position);
      CREATE TABLE group_admins (
        group_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        member TEXT NOT NULL,
        PRIMARY KEY (group_id, member)
      ) WITHOUT ROWID;
      CREATE INDEX group_admins_in_order ON group_admins (group_id, position);

      -- group history: the group commands and the signed messages that carried them,
      -- in the order applied (a reset drops what came before it)
      CREATE TABLE group_history (
        seq INTEGER PRIMARY KEY,
        group_id TEXT NOT NULL,
        command TEXT NOT NULL,
        sender TEXT NOT NULL,
        time REAL,
        cmd_json TEXT NOT NULL,
        msg_json TEXT NOT NULL,
        saved_at REAL NOT NULL
      );
      CREATE INDEX group_history_by_group ON group_history (group_id, seq);

      -- group keys (station.md §6.3): per group and sender the message key encrypted
      -- for each member ({member: base64, digest, time}), merged while the digest holds
      CREATE TABLE group_keys (
        group_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        digest TEXT,
        keys_json TEXT NOT NULL,
        saved_at REAL NOT NULL,
        PRIMARY KEY (group_id, sender)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name:
      "group messages the assistant keeps for a member whose visa it does not know yet",
    sql: `
      -- per member, in the order the assistant accepted them: one forward to send
      -- ({"messages": [...]}) once the member's visa is known; bounded like messages
      CREATE TABLE group_pending (
        seq INTEGER PRIMARY KEY,
        member TEXT NOT NULL,
        group_id TEXT NOT NULL,
        ref TEXT NOT NULL,
        expires_at REAL NOT NULL,
        msgs_json TEXT NOT NULL,
        saved_at REAL NOT NULL,
        UNIQUE (member, ref)
      );
      CREATE INDEX group_pending_by_member ON group_pending (member, seq);
      CREATE INDEX group_pending_by_expiry ON group_pending (expires_at);
    `,
  },
  {
    version: 4,
    name: "message keys the station decrypted, kept across restarts",
    sql: `
      -- per direction (sender -> destination, the station) the message key the
      -- station opened (its JSON dictionary), so that a returning client's
      -- messages after a restart cost no RSA decryption; bounded and kept 7 days
      -- like the keys in memory; the file holds the private keys too (0600)
      CREATE TABLE message_keys (
        sender TEXT NOT NULL,
        destination TEXT NOT NULL,
        key_json TEXT NOT NULL,
        saved_at REAL NOT NULL,
        PRIMARY KEY (sender, destination)
      ) WITHOUT ROWID;
      CREATE INDEX message_keys_by_age ON message_keys (saved_at);
    `,
  },
];
