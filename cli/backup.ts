/**
 * `dim backup <file>` and `dim restore <file>`: an online copy of the store
 * (the station may keep running) and putting one back.
 *
 * ```sh
 * dim [--data-dir DIR] [--db FILE] backup /backups/dim-$(date +%F).db [--force]
 * dim [--data-dir DIR] [--db FILE] restore /backups/dim-2026-01-02.db [--force]
 * ```
 *
 * stdout gets one JSON line (what was written, its size, schema version,
 * integrity); stderr a sentence for people.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type BackupResult,
  backupStore,
  type RestoreResult,
  restoreStore,
} from "../store/backup.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const BACKUP_HELP = `usage: dim backup <file> [--force]

Copies the store (--db / --data-dir / config; see dim help) to <file> while
the station and the bots keep running: one consistent snapshot, checked with
SQLite's integrity_check, written beside <file> and renamed into place.

  --force   replace <file> if it exists`;

const RESTORE_HELP = `usage: dim restore <file> [--force]

Checks the backup <file> (integrity_check, a dim schema this version knows)
and copies it into the store (--db / --data-dir / config; made when missing),
then migrates and checks the result.

  --force   replace an existing store, even one a running station or bot has
            open (restart them afterwards: their caches hold the old data)`;

function parse(
  name: string,
  args: string[],
): { file?: string; force: boolean; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs(name, e);
  }
  const help = parsed.values.help === true;
  if (!help && parsed.positionals.length !== 1) {
    throw new UsageError(
      `${name} takes one file, not ${parsed.positionals.length}`,
    );
  }
  return {
    file: parsed.positionals[0],
    force: parsed.values.force === true,
    help,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Runs `dim backup`.
 *
 * @example
 * ```ts ignore
 * await runBackup(ctx, ["/backups/dim.db"]);
 * ```
 */
export async function runBackup(
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const { file, force, help } = parse("backup", args);
  if (help || file === undefined) {
    printOut(BACKUP_HELP);
    return 0;
  }
  const result: BackupResult = await backupStore(ctx.storePath, file, {
    overwrite: force,
  });
  printOut(JSON.stringify({
    backup: result.path,
    source: result.source,
    bytes: result.bytes,
    schemaVersion: result.schemaVersion,
    integrity: result.integrity.join("; "),
  }));
  printErr(
    `dim: backed up ${result.source} to ${result.path} (${
      mib(result.bytes)
    }, schema ${result.schemaVersion}, integrity ok, ${
      Math.round(result.ms)
    } ms)`,
  );
  return 0;
}

/**
 * Runs `dim restore`.
 *
 * @example
 * ```ts ignore
 * await runRestore(ctx, ["/backups/dim.db", "--force"]);
 * ```
 */
export async function runRestore(
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const { file, force, help } = parse("restore", args);
  if (help || file === undefined) {
    printOut(RESTORE_HELP);
    return 0;
  }
  const result: RestoreResult = await restoreStore(file, ctx.storePath, {
    force,
  });
  printOut(JSON.stringify({
    store: result.path,
    backup: result.backup,
    bytes: result.bytes,
    schemaVersion: result.schemaVersion,
    integrity: result.integrity.join("; "),
  }));
  printErr(
    `dim: restored ${result.backup} into ${result.path} (${
      mib(result.bytes)
    }, schema ${result.schemaVersion}, integrity ok)${
      result.wasInUse
        ? "; it was open in another process: restart the station and bots"
        : ""
    }`,
  );
  return 0;
}

/**
 * The `backup` subcommand.
 *
 * @example
 * ```ts ignore
 * await backup.run(ctx, ["/backups/dim.db"]);
 * ```
 */
export const backup: Subcommand = {
  summary: "copy the store to a file while the station runs",
  run: runBackup,
};

/**
 * The `restore` subcommand.
 *
 * @example
 * ```ts ignore
 * await restore.run(ctx, ["/backups/dim.db"]);
 * ```
 */
export const restore: Subcommand = {
  summary: "put a backup back as the store (checked first)",
  run: runRestore,
};
