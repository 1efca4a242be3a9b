/**
 * The shape of a `dim` subcommand.
 *
 * @module
 */
import type { Env } from "./context.ts";

/** What every subcommand gets from the entry point. */
export interface CommandContext {
  /** The process environment (read once). */
  readonly env: Env;
  /** The data directory by the contract order (resolved on first use). */
  readonly dataDir: string;
  /** The config file named by `--config` or `DIM_CONFIG`, if any. */
  readonly configPath: string | undefined;
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
