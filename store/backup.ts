/**
 * Online backups and restores of the store file.
 *
 * A backup runs the SQLite online backup API (`backup()` of `node:sqlite`,
 * which Deno 2.9.6 has) from a read-only connection, copying every page in
 * one step: one read transaction, so the copy is the consistent state of
 * the file when the step began — every commit made before it (every message
 * acknowledged as cached) is in it, and the station, the bots and other
 * writers go on meanwhile (WAL: readers never block the writer). Copying in
 * several steps would restart whenever another process commits between two
 * steps, which under load may be forever. The copy is written beside the
 * destination, turned into a single self-contained file (rollback journal),
 * checked with `PRAGMA integrity_check`, fsynced and only then renamed to
 * the destination.
 *
 * A restore checks the backup first (a SQLite file, `integrity_check` ok, a
 * `dim` schema this code knows), then copies it into the store through the
 * same backup API, which takes the store's locks, migrates it to the
 * current schema and checks it again.
 *
 * @module
 */
import { backup, DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";
import { Database, DEFAULT_BUSY_TIMEOUT_MS } from "./database.ts";
import { SchemaVersionError, StoreError } from "./errors.ts";
import { MIGRATIONS } from "./migrations.ts";
import { createPrivateFile, makePrivateDirectory } from "./private_files.ts";

/**
 * A backup or restore that cannot be done: no store, a destination that
 * exists, a file that is not a sound `dim` store, a store in use.
 */
export class BackupError extends StoreError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackupError";
  }
}

/** What a store file holds, as far as a backup or restore cares. */
export interface StoreFileInfo {
  /** The file. */
  readonly path: string;
  /** `PRAGMA user_version`: the schema migration applied last. */
  readonly schemaVersion: number;
  /** `PRAGMA integrity_check`: `["ok"]` when sound. */
  readonly integrity: readonly string[];
  /** Its size in bytes (pages × page size). */
  readonly bytes: number;
}

/** What a backup made. */
export interface BackupResult extends StoreFileInfo {
  /** The store copied. */
  readonly source: string;
  /** How long it took (ms). */
  readonly ms: number;
}

/** What a restore did. */
export interface RestoreResult extends StoreFileInfo {
  /** The backup read. */
  readonly backup: string;
  /** Whether another process had the store open (only with `force`). */
  readonly wasInUse: boolean;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new BackupError(
      `cannot look at ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function pragma(db: DatabaseSync, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get();
  return row === undefined ? undefined : Object.values(row)[0];
}

function describeFile(db: DatabaseSync, path: string): StoreFileInfo {
  const integrity = db.prepare("PRAGMA integrity_check").all().map((row) =>
    String(Object.values(row)[0])
  );
  return {
    path,
    schemaVersion: Number(pragma(db, "user_version")),
    integrity,
    bytes: Number(pragma(db, "page_count")) * Number(pragma(db, "page_size")),
  };
}

/**
 * Reads a store file without changing it: schema version, integrity, size.
 *
 * @throws {BackupError} no such file, or not a SQLite database
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const dir = Deno.makeTempDirSync();
 * Store.open({ dataDir: dir }).close();
 * inspectStoreFile(`${dir}/dim.db`).integrity; // ["ok"]
 * ```
 */
export function inspectStoreFile(path: string): StoreFileInfo {
  if (!exists(path)) throw new BackupError(`${path} does not exist`);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw new BackupError(`cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return describeFile(db, path);
  } catch (error) {
    throw new BackupError(
      `${path} is not a readable SQLite database: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    db.close();
  }
}

/**
 * Whether another connection (a running station, a bot, a tool) has the
 * store open: an exclusive lock cannot be had within `timeoutMs`. `false`
 * for a file that does not exist.
 *
 * @example
 * ```ts
 * if (storeInUse("/var/lib/dim/dim.db")) console.error("stop the station first");
 * ```
 */
export function storeInUse(path: string, timeoutMs = 200): boolean {
  if (!exists(path)) return false;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: timeoutMs });
  } catch (error) {
    throw new BackupError(`cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    // in WAL mode every open connection holds a shared lock on the file
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("ROLLBACK");
    return false;
  } catch (error) {
    if (/locked|busy/i.test((error as Error).message)) return true;
    throw new BackupError(`cannot lock ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    db.close();
  }
}

function syncFile(path: string): void {
  const file = Deno.openSync(path, { read: true, write: true });
  try {
    file.syncSync();
  } finally {
    file.close();
  }
}

function removeQuietly(path: string): void {
  for (const file of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.removeSync(file);
    } catch {
      // not there
    }
  }
}

/**
 * Copies the store at `source` to `destination` while it is in use.
 *
 * @throws {BackupError} no store at `source`; `destination` exists (without
 *   `overwrite`); the copy fails its integrity check
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const dir = Deno.makeTempDirSync();
 * Store.open({ dataDir: dir }).close();
 * const result = await backupStore(`${dir}/dim.db`, `${dir}/backup.db`);
 * result.integrity; // ["ok"]
 * ```
 */
export async function backupStore(
  source: string,
  destination: string,
  options: { readonly overwrite?: boolean; readonly busyTimeoutMs?: number } =
    {},
): Promise<BackupResult> {
  const started = performance.now();
  if (!exists(source)) throw new BackupError(`no store at ${source}`);
  if (!options.overwrite && exists(destination)) {
    throw new BackupError(
      `${destination} exists; pass --force to replace it`,
    );
  }
  const directory = dirname(destination);
  if (!exists(directory)) {
    throw new BackupError(`the directory ${directory} does not exist`);
  }
  const partial = join(
    directory,
    `.${basename(destination)}.partial-${crypto.randomUUID()}`,
  );
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(source, {
      readOnly: true,
      timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    });
  } catch (error) {
    throw new BackupError(
      `cannot open ${source}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    // a copy of the private keys: 0600 before SQLite writes it
    createPrivateFile(partial);
    // rate -1: every page in one step, one read transaction (see the module doc)
    await backup(db, partial, { rate: -1 });
  } catch (error) {
    removeQuietly(partial);
    throw new BackupError(
      `backup of ${source} to ${destination} failed: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  } finally {
    db.close();
  }
  let info: StoreFileInfo;
  try {
    const copy = new DatabaseSync(partial);
    try {
      // one self-contained file: no -wal beside it
      copy.exec("PRAGMA journal_mode = DELETE");
      info = describeFile(copy, destination);
    } finally {
      copy.close();
    }
    if (info.integrity.length !== 1 || info.integrity[0] !== "ok") {
      throw new BackupError(
        `the copy of ${source} fails its integrity check: ${
          info.integrity.slice(0, 3).join("; ")
        }`,
      );
    }
    syncFile(partial);
    Deno.renameSync(partial, destination);
  } catch (error) {
    removeQuietly(partial);
    if (error instanceof BackupError) throw error;
    throw new BackupError(
      `backup to ${destination} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { ...info, source, ms: performance.now() - started };
}

/**
 * Checks that `path` is a sound backup of a `dim` store this code can use.
 *
 * @throws {BackupError} not SQLite, integrity check failed, not a dim store
 * @throws {SchemaVersionError} made by a newer `dim`
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const dir = Deno.makeTempDirSync();
 * Store.open({ dataDir: dir }).close();
 * await backupStore(`${dir}/dim.db`, `${dir}/backup.db`);
 * verifyBackup(`${dir}/backup.db`).schemaVersion; // the current schema
 * ```
 */
export function verifyBackup(path: string): StoreFileInfo {
  const info = inspectStoreFile(path);
  if (info.integrity.length !== 1 || info.integrity[0] !== "ok") {
    throw new BackupError(
      `${path} fails its integrity check: ${
        info.integrity.slice(0, 3).join("; ")
      }`,
    );
  }
  if (info.schemaVersion === 0) {
    throw new BackupError(`${path} is not a dim store (no schema version)`);
  }
  if (info.schemaVersion > MIGRATIONS.length) {
    throw new SchemaVersionError(path, info.schemaVersion, MIGRATIONS.length);
  }
  return info;
}

/**
 * Replaces the store at `target` (made when missing) with the backup.
 *
 * @throws {BackupError} the backup is not sound; `target` exists (without
 *   `force`) or is open in another process (without `force`)
 * @throws {SchemaVersionError} the backup was made by a newer `dim`
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const dir = Deno.makeTempDirSync();
 * Store.open({ dataDir: dir }).close();
 * await backupStore(`${dir}/dim.db`, `${dir}/backup.db`);
 * await restoreStore(`${dir}/backup.db`, `${dir}/restored/dim.db`);
 * ```
 */
export async function restoreStore(
  backupPath: string,
  target: string,
  options: { readonly force?: boolean } = {},
): Promise<RestoreResult> {
  verifyBackup(backupPath);
  const force = options.force === true;
  const wasInUse = storeInUse(target);
  if (wasInUse && !force) {
    throw new BackupError(
      `the store ${target} is open in another process (a running station or ` +
        "bot?): stop it first, or pass --force to restore under it",
    );
  }
  if (!force && exists(target)) {
    throw new BackupError(
      `${target} exists; pass --force to replace it with the backup`,
    );
  }
  makePrivateDirectory(dirname(target));
  const source = new DatabaseSync(backupPath, { readOnly: true });
  try {
    createPrivateFile(target);
    await backup(source, target, { rate: -1 });
  } catch (error) {
    throw new BackupError(
      `restore of ${backupPath} to ${target} failed: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  } finally {
    source.close();
  }
  // WAL mode, missing migrations, and a last check of the result
  const db = Database.open({ path: target });
  try {
    const integrity = db.integrityCheck();
    if (integrity.length !== 1 || integrity[0] !== "ok") {
      throw new BackupError(
        `the restored store ${target} fails its integrity check: ${
          integrity.slice(0, 3).join("; ")
        }`,
      );
    }
  } finally {
    db.close();
  }
  return { ...inspectStoreFile(target), backup: backupPath, wasInUse };
}
