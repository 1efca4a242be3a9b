/**
 * The shape of a `dim` subcommand.
 *
 * @module
 */
import type { DimConfig } from "./config.ts";
import type { Env } from "./context.ts";

/** What every subcommand gets from the entry point. */
export interface CommandContext {
  /** The process environment (read once). */
  readonly env: Env;
  /** The config file named by `--config` or `DIM_CONFIG`, if any. */
  readonly configPath: string | undefined;
  /**
   * The config: that file, `DIM_*` variables over it, defaults (read on
   * first use; throws a `ConfigError` for a bad file).
   */
  readonly config: DimConfig;
  /**
   * The data directory: `--data-dir`, `DIM_DATA_DIR`, `[database] root`,
   * `$STATE_DIRECTORY`, `~/.local/share/dim` (resolved on first use).
   */
  readonly dataDir: string;
  /**
   * The SQLite store file: `--db`, `--data-dir`/dim.db, `DIM_DB`,
   * `[database] path`, then `dim.db` in the data directory.
   */
  readonly storePath: string;
  /** The global `--data-dir` and `--db` as given (for `dim config show`). */
  readonly globalFlags?: { readonly dataDir?: string; readonly db?: string };
}

/**
 * A subcommand: a one-line summary for `dim help` and its runner, which
 * returns the exit status.
 *
 * @example
 * ```ts
 * const hello: Subcommand = {
 *   summary: "say hello",
 *   run: () => Promise.resolve(0),
 * };
 * ```
 */
export interface Subcommand {
  readonly summary: string;
  run(ctx: CommandContext, args: string[]): Promise<number>;
}
