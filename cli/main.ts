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
import {
  processEnv,
  resolveConfigPath,
  resolveDataDir,
  UsageError,
} from "./context.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";
import { printErr, printOut } from "./output.ts";

/** Every subcommand by name; each module owns its own options. */
const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<
  string,
  Subcommand
>([
  ["version", {
    summary: "print the version",
    run: () => {
      printOut(`dim ${denoJson.version}`);
      return Promise.resolve(0);
    },
  }],
]);

function usage(): string {
  const lines = [
    `dim ${denoJson.version} — a station of the DIM network`,
    "",
    "usage: dim [--data-dir DIR] [--config FILE] <subcommand> [options]",
    "",
    "subcommands:",
  ];
  for (const [name, cmd] of SUBCOMMANDS) {
    lines.push(`  ${name.padEnd(12)}${cmd.summary}`);
  }
  lines.push(
    "",
    "data directory: --data-dir, else DIM_DATA_DIR, else $STATE_DIRECTORY, else ~/.local/share/dim",
    "config file:    --config, else DIM_CONFIG",
  );
  return lines.join("\n");
}

/** Splits the global options (`--data-dir`, `--config`) out of `argv`. */
export function splitGlobalOptions(argv: readonly string[]): {
  dataDir?: string;
  config?: string;
  rest: string[];
} {
  const rest: string[] = [];
  let dataDir: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--(data-dir|config)(?:=(.*))?$/.exec(arg);
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
    if (m[1] === "data-dir") dataDir = value;
    else config = value;
  }
  return { dataDir, config, rest };
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
  try {
    const { dataDir, config, rest } = splitGlobalOptions(argv);
    const [name, ...args] = rest;
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
    const ctx: CommandContext = {
      env,
      get dataDir() {
        return resolveDataDir(dataDir, env);
      },
      configPath: resolveConfigPath(config, env),
    };
    return await cmd.run(ctx, args);
  } catch (e) {
    if (e instanceof UsageError) {
      printErr(`dim: ${e.message}`);
      printErr("try: dim help");
      return 2;
    }
    printErr(`dim: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
