/**
 * Typed errors of the SQLite store. Every error the store raises is a
 * {@link StoreError}; the subclasses name the cases a caller handles
 * differently (a newer schema, a read-only data directory, a busy file, a bad
 * record).
 *
 * @module
 */

/** Base class of every error the store raises; `cause` keeps the SQLite error. */
export class StoreError extends Error {
  /**
   * Creates the error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** The file was written by a newer `dim`: its schema version is above ours. */
export class SchemaVersionError extends StoreError {
  /** The schema version found in the file (`PRAGMA user_version`). */
  readonly found: number;
  /** The newest schema version this code knows. */
  readonly supported: number;

  /**
   * Creates the error.
   */
  constructor(path: string, found: number, supported: number) {
    super(
      `${path} has schema version ${found}, but this dim supports at most ${supported}: ` +
        `upgrade dim (the file is left untouched)`,
    );
    this.name = "SchemaVersionError";
    this.found = found;
    this.supported = supported;
  }
}

/** The data directory or the database file cannot be written. */
export class ReadOnlyStoreError extends StoreError {
  /** The path that could not be written. */
  readonly path: string;

  /**
   * Creates the error.
   */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot write the store ${path}: ${reason} ` +
        `(choose a writable data directory with --data-dir or DIM_DATA_DIR)`,
      options,
    );
    this.name = "ReadOnlyStoreError";
    this.path = path;
  }
}

/** Another process held the write lock for longer than the busy timeout. */
export class StoreBusyError extends StoreError {
  /**
   * Creates the error.
   */
  constructor(path: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `${path} is locked by another process (waited ${timeoutMs} ms)`,
      options,
    );
    this.name = "StoreBusyError";
  }
}

/**
 * The store file is damaged (not a SQLite file, or pages that do not
 * check out). It is left as it is; the way back is the last backup.
 */
export class DamagedStoreError extends StoreError {
  /** The damaged file. */
  readonly path: string;

  /**
   * Creates the error; `detail` says what SQLite found.
   *
   * @example
   * ```ts
   * const error = new DamagedStoreError("/srv/dim/dim.db", "database disk image is malformed");
   * error.message.includes("dim restore"); // true: it says the way back
   * ```
   */
  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(
      `the store ${path} is damaged (${detail}); it was left as it is: ` +
        `restore the last backup with "dim restore <backup file>" ` +
        `(see dim restore --help)`,
      options,
    );
    this.name = "DamagedStoreError";
    this.path = path;
  }
}

/**
 * The disk (or the store's size limit) is full: the write was rolled back
 * and nothing of it was kept; the same write succeeds once space returns.
 */
export class StoreFullError extends StoreError {
  /**
   * Creates the error.
   */
  constructor(path: string, options?: ErrorOptions) {
    super(`${path}: the disk is full (the write was rolled back)`, options);
    this.name = "StoreFullError";
  }
}

/** A record handed to the store is malformed; nothing was written. */
export class InvalidRecordError extends StoreError {
  /** The field that was wrong. */
  readonly field: string;

  /**
   * Creates the error.
   */
  constructor(field: string, problem: string) {
    super(`invalid ${field}: ${problem}`);
    this.name = "InvalidRecordError";
    this.field = field;
  }
}
