/**
 * The command-line contract shared by every `dim` subcommand: where the data
 * directory is, which config file is read, and the typed error for bad usage.
 *
 * Order for the data directory: `--data-dir DIR`, else `DIM_DATA_DIR`, else
 * `$STATE_DIRECTORY` (set by systemd), else `~/.local/share/dim`.
 * The config file: `--config FILE`, else `DIM_CONFIG`, else none.
 *
 * @module
 */

/** Raised for a bad command line; `dim` prints the message and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }

  /**
   * The usage error of a `parseArgs` failure: the command, then the first
   * sentence of node's message (the rest is advice about `--`).
   *
   * @example
   * ```ts
   * UsageError.fromParseArgs("station", new Error("Unknown option '--x'. To specify …"))
   *   .message; // "station: Unknown option '--x'"
   * ```
   */
  static fromParseArgs(command: string, error: unknown): UsageError {
    const reason = (error as Error).message.split(/\.\s/)[0];
    return new UsageError(`${command}: ${reason}`);
  }
}

/** The environment variables the contract reads (injectable for tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads the process environment without throwing when `--allow-env` is missing. */
export function processEnv(): Env {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/**
 * Resolves the data directory by the contract order.
 *
 * @example
 * ```ts
 * resolveDataDir(undefined, { DIM_DATA_DIR: "/srv/dim" }); // "/srv/dim"
 * ```
 */
export function resolveDataDir(flag: string | undefined, env: Env): string {
  if (flag) return flag;
  if (env.DIM_DATA_DIR) return env.DIM_DATA_DIR;
  if (env.STATE_DIRECTORY) {
    // systemd may list several directories separated by ':'; the first is ours
    return env.STATE_DIRECTORY.split(":")[0];
  }
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) {
    throw new UsageError(
      "no data directory: pass --data-dir DIR or set DIM_DATA_DIR (HOME is not set)",
    );
  }
  return `${home}/.local/share/dim`;
}

/**
 * Resolves the config file path: `--config FILE`, else `DIM_CONFIG`, else `undefined`.
 *
 * @example
 * ```ts
 * resolveConfigPath(undefined, { DIM_CONFIG: "/etc/dim/dim.ini" }); // "/etc/dim/dim.ini"
 * ```
 */
export function resolveConfigPath(
  flag: string | undefined,
  env: Env,
): string | undefined {
  return flag || env.DIM_CONFIG || undefined;
}
