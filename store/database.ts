/**
 * The SQLite file behind `dim`: opening (data directory + `dim.db`), the
 * pragmas, the schema migrations, a prepared-statement cache and the write
 * transaction helper.
 *
 * Several `dim` processes (station, bots, tools) may share one file: the file
 * is in WAL mode (readers never wait for the writer), every write runs in
 * `BEGIN IMMEDIATE` (the write lock is taken first, so two writers never
 * deadlock) and a busy writer is waited for up to `busyTimeoutMs`.
 *
 * Commits use `synchronous = NORMAL`: a committed transaction survives the
 * process being killed (it is in the WAL file), but the last commits may be
 * lost on power failure or an OS crash. A write whose result is promised to a
 * peer (an offline message acknowledged as "Message cached.") passes
 * `{ durable: true }`: its commit runs with `synchronous = FULL` (the WAL is
 * fsynced before `write` returns).
 *
 * @module
 */
import { createPrivateFile, makePrivateDirectory } from "./private_files.ts";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { dirname, join } from "node:path";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import {
  Checkpointer,
  type CheckpointerOptions,
  type CheckpointStats,
} from "./checkpointer.ts";
import {
  DamagedStoreError,
  ReadOnlyStoreError,
  SchemaVersionError,
  StoreBusyError,
  StoreError,
  StoreFullError,
} from "./errors.ts";

/** The file name of the store inside the data directory. */
export const DEFAULT_FILE_NAME = "dim.db";

/** How long a write waits for another process's write lock (ms). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Where the file is and how it is opened. */
export interface DatabaseOptions {
  /** The data directory; the file is `<dataDir>/dim.db`. Created when missing. */
  readonly dataDir?: string;
  /** The file itself (wins over `dataDir`); its directory is created when missing. */
  readonly path?: string;
  /** How long a write waits for a lock held by another process (ms). */
  readonly busyTimeoutMs?: number;
  /** The schema (default: {@link MIGRATIONS}); tests pass their own lists. */
  readonly migrations?: readonly Migration[];
  /**
   * Check every page at the open (`PRAGMA quick_check`, a read of the whole
   * file) and refuse a damaged file (default false; `dim station` does).
   */
  readonly check?: boolean;
  /**
   * Run the WAL checkpoints on a worker thread with its own connection
   * ({@link Checkpointer}) instead of inside this connection's commits
   * (default false: SQLite's automatic checkpoint; `dim station` turns it
   * on). Ignored for `:memory:`.
   */
  readonly checkpointer?: boolean | CheckpointerOptions;
}

/** The first failure of a run of failed writes ({@link Database.writeFailure}). */
export interface WriteFailure {
  /** When it began (ms since the epoch). */
  readonly since: number;
  /** The first error of the run. */
  readonly error: StoreError;
}

/** Options of one write transaction. */
export interface WriteOptions {
  /** Commit with `synchronous = FULL` (fsync before returning). */
  readonly durable?: boolean;
}

// primary SQLite result codes (sqlite3.h)
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;
const SQLITE_FULL = 13;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * One open store file.
 *
 * @example
 * ```ts
 * const db = Database.open({ path: ":memory:" }); // or { dataDir: "/srv/dim" }
 * db.write(() => db.statement("DELETE FROM ans WHERE name = ?").run("old"));
 * db.close();
 * ```
 */
export class Database {
  /** The path of the file. */
  readonly path: string;
  /** The busy timeout in use (ms). */
  readonly busyTimeoutMs: number;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #durable = false;
  #savepoints = 0;
  #failing: WriteFailure | undefined;
  #failedInside = false;
  #checkpointer: Checkpointer | undefined;

  private constructor(path: string, busyTimeoutMs: number, db: DatabaseSync) {
    this.path = path;
    this.busyTimeoutMs = busyTimeoutMs;
    this.#db = db;
  }

  #startCheckpointer(options: CheckpointerOptions): void {
    this.#db.exec("PRAGMA wal_autocheckpoint = 0");
    this.#checkpointer = Checkpointer.start(this.path, () => {
      // nobody checkpoints otherwise: SQLite's automatic checkpoint again
      if (this.#db.isOpen) this.#db.exec("PRAGMA wal_autocheckpoint = 1000");
    }, { busyTimeoutMs: this.busyTimeoutMs, ...options });
  }

  /**
   * Opens (or creates) the file, sets the pragmas and applies the missing
   * migrations.
   *
   * @throws {ReadOnlyStoreError} the directory or file cannot be written
   * @throws {SchemaVersionError} the file is newer than this code
   * @throws {StoreBusyError} another process held the lock too long
   * @throws {StoreError} any other failure (the SQLite error is the `cause`)
   *
   * @example
   * ```ts
   * const db = Database.open({ path: "/tmp/dim-test/dim.db" });
   * ```
   */
  static open(options: DatabaseOptions): Database {
    const path = options.path ??
      (options.dataDir === undefined
        ? undefined
        : join(options.dataDir, DEFAULT_FILE_NAME));
    if (path === undefined || path === "") {
      throw new StoreError("no store path: pass dataDir or path");
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const migrations = options.migrations ?? MIGRATIONS;
    checkMigrationList(migrations);
    makeDirectory(dirname(path), path);

    let db: DatabaseSync;
    try {
      // private keys live here: 0600 (SQLite gives -wal and -shm its mode)
      if (path !== ":memory:") createQuietly(path);
      db = new DatabaseSync(path, {
        timeout: busyTimeoutMs,
        enableForeignKeyConstraints: true,
      });
    } catch (error) {
      throw toStoreError(error, path, busyTimeoutMs);
    }
    try {
      configure(db);
      if (options.check === true) quickCheck(db, path);
      migrate(db, path, migrations);
    } catch (error) {
      db.close();
      throw toStoreError(error, path, busyTimeoutMs);
    }
    const database = new Database(path, busyTimeoutMs, db);
    const checkpointer = options.checkpointer ?? false;
    if (checkpointer !== false && path !== ":memory:") {
      database.#startCheckpointer(checkpointer === true ? {} : checkpointer);
    }
    return database;
  }

  /**
   * What the checkpoint thread did so far; `undefined` without one
   * ({@link DatabaseOptions.checkpointer}).
   */
  get checkpoints(): CheckpointStats | undefined {
    return this.#checkpointer?.stats;
  }

  /**
   * The schema version of the file (`PRAGMA user_version`).
   */
  get schemaVersion(): number {
    return userVersion(this.#db);
  }

  /**
   * A number that changes whenever another connection (another process, or
   * another {@link Database} on the same file) commits a change; this
   * connection's own commits leave it alone. Caches of data other
   * processes may write compare it to notice their changes.
   */
  get dataVersion(): number {
    return Number(this.statement("PRAGMA data_version").get()?.data_version);
  }

  /** Whether the file is open (not closed yet). */
  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  /**
   * Whether a write transaction is open on this connection.
   */
  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  /**
   * A prepared statement for `sql`, prepared once per connection and reused.
   */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare(sql);
      } catch (error) {
        throw toStoreError(error, this.path, this.busyTimeoutMs);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` and returns its result; if
   * `fn` throws, the transaction is rolled back and the error rethrown
   * (SQLite errors as {@link StoreError}s). A `write` inside another joins
   * it as a savepoint: the inner part is undone alone when it throws. `fn`
   * must be synchronous.
   *
   * With `{ durable: true }` the commit is fsynced (`synchronous = FULL`)
   * before `write` returns; a durable write cannot join a transaction that
   * is not durable.
   */
  write<T>(fn: () => T, options: WriteOptions = {}): T {
    const durable = options.durable === true;
    if (this.#db.isTransaction) return this.#nested(fn, durable);
    if (durable) this.#run("PRAGMA synchronous = FULL");
    try {
      this.#run("BEGIN IMMEDIATE");
      this.#durable = durable;
      try {
        const result = fn();
        rejectPromise(result);
        this.#run("COMMIT");
        // a durable commit (an offline message: "Message cached.") that
        // went through clears the failure; small writes may fit in free
        // pages while the disk is still full
        if (durable && !this.#failedInside) this.#failing = undefined;
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#run("ROLLBACK");
        throw error;
      }
    } catch (error) {
      const typed = toStoreError(error, this.path, this.busyTimeoutMs);
      if (
        typed instanceof StoreFullError || typed instanceof ReadOnlyStoreError
      ) {
        this.#failing ??= { since: Date.now(), error: typed };
      }
      throw typed;
    } finally {
      this.#durable = false;
      if (durable) this.#run("PRAGMA synchronous = NORMAL");
    }
  }

  /**
   * Whether writes fail now (for want of space or permission): the first
   * failure of the current run of failed writes (its time and error), or
   * `undefined` once a durable write committed again.
   */
  get writeFailure(): WriteFailure | undefined {
    return this.#failing;
  }

  /**
   * Runs `PRAGMA integrity_check`; `["ok"]` when the file is sound.
   */
  integrityCheck(): string[] {
    return this.#db.prepare("PRAGMA integrity_check").all().map((row) =>
      String(row.integrity_check)
    );
  }

  /**
   * Closes the file (idempotent). A transaction still open is rolled back.
   * The checkpoint thread ends first (a checkpoint under way finishes), so
   * that this connection, the last one of the process, checkpoints the
   * whole WAL into the file as it closes.
   */
  close(): void {
    this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  #nested<T>(fn: () => T, durable: boolean): T {
    if (durable && !this.#durable) {
      throw new StoreError(
        "a durable write cannot join a transaction that is not durable",
      );
    }
    // prepared once per depth (cached): a savepoint per nested write, e.g.
    // a new user's meta and visa in the handshake, compiles no SQL
    const name = `w${++this.#savepoints}`;
    this.#run(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      rejectPromise(result);
      this.#run(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.#run(`ROLLBACK TO ${name}`);
      this.#run(`RELEASE ${name}`);
      throw this.#failed(toStoreError(error, this.path, this.busyTimeoutMs));
    } finally {
      this.#savepoints--;
    }
  }

  /** Notes a write that failed for want of space or permission. */
  #failed(error: unknown): unknown {
    if (
      error instanceof StoreFullError || error instanceof ReadOnlyStoreError
    ) {
      this.#failing ??= { since: Date.now(), error };
      this.#failedInside = true;
    }
    return error;
  }

  #run(sql: string): void {
    this.statement(sql).run();
  }
}

function rejectPromise(result: unknown): void {
  if (result instanceof Promise) {
    result.catch(() => {});
    throw new StoreError("write(fn): fn must be synchronous, not async");
  }
}

function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new StoreError(
        `migration list out of order: position ${
          index + 1
        } holds version ${migration.version}`,
      );
    }
  });
}

/** {@link createPrivateFile}; when it cannot, SQLite's open below says why. */
function createQuietly(path: string): void {
  try {
    createPrivateFile(path);
  } catch {
    // a read-only directory or file system: reported by the open
  }
}

function makeDirectory(directory: string, path: string): void {
  try {
    makePrivateDirectory(directory);
  } catch (error) {
    if (isReadOnlyFsError(error)) {
      throw new ReadOnlyStoreError(
        path,
        `the directory ${directory} cannot be created`,
        { cause: error },
      );
    }
    throw new StoreError(`cannot create the directory ${directory}`, {
      cause: error,
    });
  }
}

function configure(db: DatabaseSync): void {
  const mode = db.prepare("PRAGMA journal_mode").get()?.journal_mode;
  if (mode !== "wal") db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  // statement journals (a trigger makes an insert a multi-row statement) in memory
  db.exec("PRAGMA temp_store = MEMORY");
  // after a checkpoint, truncate the WAL file to at most 64 MiB
  db.exec("PRAGMA journal_size_limit = 67108864");
}

function userVersion(db: DatabaseSync): number {
  return Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
}

function migrate(
  db: DatabaseSync,
  path: string,
  migrations: readonly Migration[],
): void {
  const newest = migrations.length;
  let version = userVersion(db);
  while (version !== newest) {
    if (version > newest) throw new SchemaVersionError(path, version, newest);
    db.exec("BEGIN IMMEDIATE");
    try {
      // another process may have migrated since we looked
      version = userVersion(db);
      if (version < newest) {
        const migration = migrations[version];
        try {
          db.exec(migration.sql);
        } catch (error) {
          throw new StoreError(
            `${path}: migration ${migration.version} (${migration.name}) failed: ${
              (error as Error).message
            }`,
            { cause: error },
          );
        }
        db.exec(`PRAGMA user_version = ${migration.version}`);
        version = migration.version;
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }
}

/** `PRAGMA quick_check` of the whole file; a {@link DamagedStoreError} unless ok. */
function quickCheck(db: DatabaseSync, path: string): void {
  const found = db.prepare("PRAGMA quick_check").all().map((row) =>
    String(row.quick_check)
  );
  if (found.length !== 1 || found[0] !== "ok") {
    throw new DamagedStoreError(path, found.slice(0, 3).join("; "));
  }
}

function isReadOnlyFsError(error: unknown): boolean {
  return error instanceof Deno.errors.PermissionDenied ||
    (error as { code?: string }).code === "EROFS" ||
    /read-only file system/i.test(String((error as Error).message));
}

function sqliteCode(error: Error): number | undefined {
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === "number") return errcode & 0xff;
  // statements run through exec() carry only the message
  const message = error.message;
  if (message.includes("database is locked")) return SQLITE_BUSY;
  if (message.includes("database table is locked")) return SQLITE_LOCKED;
  if (message.includes("readonly database")) return SQLITE_READONLY;
  if (message.includes("unable to open database file")) return SQLITE_CANTOPEN;
  if (message.includes("database or disk is full")) return SQLITE_FULL;
  if (message.includes("disk image is malformed")) return SQLITE_CORRUPT;
  if (message.includes("file is not a database")) return SQLITE_NOTADB;
  return undefined;
}

/** Maps a SQLite error to the store's typed errors; other errors pass unchanged. */
function toStoreError(
  error: unknown,
  path: string,
  busyTimeoutMs: number,
): unknown {
  if (error instanceof StoreError) return error;
  if (
    !(error instanceof Error) ||
    (error as { code?: string }).code !== "ERR_SQLITE_ERROR"
  ) {
    return error;
  }
  switch (sqliteCode(error)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new StoreBusyError(path, busyTimeoutMs, { cause: error });
    case SQLITE_FULL:
      return new StoreFullError(path, { cause: error });
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new DamagedStoreError(path, error.message, { cause: error });
    case SQLITE_READONLY:
      return new ReadOnlyStoreError(
        path,
        "the file or its directory is read-only",
        { cause: error },
      );
    case SQLITE_CANTOPEN:
      if (!isWritableDirectory(dirname(path))) {
        return new ReadOnlyStoreError(
          path,
          `the directory ${dirname(path)} is not writable`,
          { cause: error },
        );
      }
  }
  return new StoreError(`${path}: ${error.message}`, { cause: error });
}

function isWritableDirectory(directory: string): boolean {
  const probe = join(directory, `.dim-probe-${crypto.randomUUID()}`);
  try {
    Deno.openSync(probe, { write: true, createNew: true }).close();
    Deno.removeSync(probe);
    return true;
  } catch {
    return false;
  }
}
