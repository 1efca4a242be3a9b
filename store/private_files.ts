/**
 * Files that hold private keys — the store (and SQLite's `-wal` / `-shm`
 * beside it, which take the store's mode), backups, private exports — are
 * made readable by their owner only (0600), and the data directory 0700,
 * whatever the umask. Existing files are left as they are (an operator may
 * have chosen their mode); {@link exposedFiles} names those others can read.
 *
 * @module
 */

/** Owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** Owner only. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

function isWindows(): boolean {
  return Deno.build.os === "windows";
}

/**
 * Makes `directory` (and missing parents) 0700 when it does not exist yet;
 * an existing directory is left alone.
 *
 * @example
 * ```ts
 * import { makePrivateDirectory } from "./private_files.ts";
 * makePrivateDirectory(Deno.makeTempDirSync() + "/data");
 * ```
 */
export function makePrivateDirectory(directory: string): void {
  try {
    Deno.statSync(directory);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  Deno.mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  if (!isWindows()) Deno.chmodSync(directory, PRIVATE_DIRECTORY_MODE);
}

/**
 * Creates `path` empty with mode 0600 when it does not exist (the umask
 * does not apply: the mode is set after); an existing file is left alone.
 * Returns whether it made the file.
 *
 * @example
 * ```ts
 * import { createPrivateFile } from "./private_files.ts";
 * createPrivateFile(Deno.makeTempDirSync() + "/dim.db"); // true
 * ```
 */
export function createPrivateFile(path: string): boolean {
  try {
    Deno.openSync(path, {
      write: true,
      createNew: true,
      mode: PRIVATE_FILE_MODE,
    }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
  if (!isWindows()) Deno.chmodSync(path, PRIVATE_FILE_MODE);
  return true;
}

/**
 * Writes `text` to a new file readable by its owner only (0600).
 *
 * @throws {Deno.errors.AlreadyExists} the file exists (unless `overwrite`)
 * @example
 * ```ts
 * import { writePrivateTextFile } from "./private_files.ts";
 * writePrivateTextFile(Deno.makeTempDirSync() + "/alice.json", "{}\n");
 * ```
 */
export function writePrivateTextFile(
  path: string,
  text: string,
  options: { readonly overwrite?: boolean } = {},
): void {
  Deno.writeTextFileSync(path, text, {
    createNew: !options.overwrite,
    mode: PRIVATE_FILE_MODE,
  });
  if (!isWindows()) Deno.chmodSync(path, PRIVATE_FILE_MODE);
}

/** A file or directory others may read. */
export interface ExposedFile {
  /** The path. */
  readonly path: string;
  /** Its permission bits (`0o644`). */
  readonly mode: number;
}

/**
 * Which of `paths` (that exist) others than the owner may read or enter
 * (any group or other bit set); nothing on Windows.
 *
 * @example
 * ```ts
 * import { exposedFiles } from "./private_files.ts";
 * exposedFiles(["/var/lib/dim", "/var/lib/dim/dim.db"]); // [{ path: "/var/lib/dim", mode: 0o755 }]
 * ```
 */
export function exposedFiles(paths: readonly string[]): ExposedFile[] {
  if (isWindows()) return [];
  const exposed: ExposedFile[] = [];
  for (const path of paths) {
    let mode: number | null;
    try {
      mode = Deno.statSync(path).mode;
    } catch {
      continue;
    }
    if (mode !== null && (mode & 0o077) !== 0) {
      exposed.push({ path, mode: mode & 0o777 });
    }
  }
  return exposed;
}
