/**
 * `dim` — the entry point of the compiled binary and of `deno task dim`.
 *
 * ```sh
 * dim [--data-dir DIR] [--config FILE] <subcommand> [options]
 * ```
 *
 * Global options may stand anywhere before a `--`. Exit status: 0 on success,
 * 1 on failure, 2 on a bad command line.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { backup, restore } from "./backup.ts";
import { bench } from "./bench.ts";
import {
  type DimConfig,
  loadConfig,
  resolveStoreLocation,
  type StoreLocation,
} from "./config.ts";
import { config } from "./config_migrate.ts";
import { importCommand } from "./import_python.ts";
import { queueCommand, storeCommand } from "./store_ops.ts";
import {
  blockCommand,
  kickCommand,
  sessionsCommand,
  statusCommand,
  unblockCommand,
} from "./admin_client.ts";
import { processEnv, resolveConfigPath, UsageError } from "./context.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";
import { printErr, printOut } from "./output.ts";
import { archivist, assistant } from "./bots.ts";
import { client } from "./client.ts";
import { register } from "./register.ts";
import { station } from "./station.ts";

/** Every subcommand by name; each module owns its own options. */
const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<
  string,
  Subcommand
>([
  ["station", station],
  ["register", register],
  ["client", client],
  ["bench", bench],
  ["archivist", archivist],
  ["assistant", assistant],
  ["version", {
    summary: "print the version",
    run: () => {
      printOut(`dim ${denoJson.version}`);
      return Promise.resolve(0);
    },
  }],
  ["backup", backup],
  ["restore", restore],
  ["config", config],
  ["import", importCommand],
  ["store", storeCommand],
  ["queue", queueCommand],
  ["status", statusCommand],
  ["sessions", sessionsCommand],
  ["kick", kickCommand],
  ["block", blockCommand],
  ["unblock", unblockCommand],
]);

function usage(): string {
  const lines = [
    `dim ${denoJson.version} — a station of the DIM network`,
    "",
    "usage: dim [--data-dir DIR] [--db FILE] [--config FILE] <subcommand> [options]",
    "",
    "subcommands:",
  ];
  for (const [name, cmd] of SUBCOMMANDS) {
    lines.push(`  ${name.padEnd(12)}${cmd.summary}`);
  }
  lines.push(
    "",
    "data directory: --data-dir, else DIM_DATA_DIR, else [database] root, else $STATE_DIRECTORY,",
    "                else ~/.local/share/dim",
    "store file:     --db, else dim.db in --data-dir, else DIM_DB, else [database] path,",
    "                else dim.db in the data directory",
    "config file:    --config, else DIM_CONFIG (INI; see etc/dim.ini)",
  );
  return lines.join("\n");
}

/** The global options and the arguments left for the subcommand. */
export interface GlobalOptions {
  /** `--data-dir DIR` */
  dataDir?: string;
  /** `--db FILE` */
  db?: string;
  /** `--config FILE` */
  config?: string;
  /** Everything else, in order. */
  rest: string[];
}

/** Splits the global options (`--data-dir`, `--db`, `--config`) out of `argv`. */
export function splitGlobalOptions(argv: readonly string[]): GlobalOptions {
  const rest: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--(data-dir|db|config)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`--${m[1]} needs a value`);
      }
    }
    if (value === "") throw new UsageError(`--${m[1]} needs a value`);
    options[m[1]] = value;
  }
  return {
    dataDir: options["data-dir"],
    db: options.db,
    config: options.config,
    rest,
  };
}

/** An error as the sentence it carries (the class name is for code, not people). */
function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs `dim` with the given arguments and returns the exit status.
 *
 * @example
 * ```ts
 * const status = await main(["version"]);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  let hint = "dim help";
  try {
    const { dataDir, db, config, rest } = splitGlobalOptions(argv);
    let [name, ...args] = rest;
    if (name === "help" && args.length > 0 && SUBCOMMANDS.has(args[0])) {
      // dim help station: the subcommand's own help
      [name, args] = [args[0], [...args.slice(1), "--help"]];
    }
    if (SUBCOMMANDS.has(name)) hint = `dim ${name} --help`;
    if (!name || name === "help" || name === "-h" || name === "--help") {
      (name ? printOut : printErr)(usage());
      return name ? 0 : 2;
    }
    if (name === "--version" || name === "-V") {
      return await SUBCOMMANDS.get("version")!.run(
        {} as CommandContext,
        [],
      );
    }
    const cmd = SUBCOMMANDS.get(name);
    if (!cmd) throw new UsageError(`unknown subcommand: ${name}`);
    const env = processEnv();
    const configPath = resolveConfigPath(config, env);
    let loaded: DimConfig | undefined;
    let location: StoreLocation | undefined;
    const readConfig = () => loaded ??= loadConfig(configPath, env);
    const where = () =>
      location ??= resolveStoreLocation({ dataDir, db }, env, readConfig());
    const ctx: CommandContext = {
      env,
      configPath,
      globalFlags: { dataDir, db },
      get config() {
        return readConfig();
      },
      get dataDir() {
        return where().dataDir;
      },
      get storePath() {
        return where().path;
      },
    };
    return await cmd.run(ctx, args);
  } catch (e) {
    if (e instanceof UsageError) {
      printErr(`dim: ${e.message}`);
      printErr(`try: ${hint}`);
      return 2;
    }
    printErr(`dim: ${describeError(e)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
