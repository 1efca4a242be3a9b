/**
 * `dim config show`: the configuration in effect, one `key = value` line
 * per setting with where its value came from — the default, a file line
 * (`dim.ini:7`), a `DIM_…` variable, or a flag.
 *
 * ```text
 * [station]
 * port = 9395          # environment DIM_STATION_PORT
 * bind = 127.0.0.1     # /etc/dim/dim.ini:4
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CONFIG_KEYS } from "./config_keys.ts";
import { UsageError } from "./context.ts";
import { STATION_SETTING_FLAGS } from "./station.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext } from "./subcommand.ts";

/** One line of the effective configuration. */
export interface EffectiveValue {
  /** The section. */
  readonly section: string;
  /** The key. */
  readonly key: string;
  /** The value in effect (`""`: not set, no default). */
  readonly value: string;
  /** Where it came from: `default`, `dim.ini:7`, `environment DIM_…`, `flag --port`. */
  readonly source: string;
}

/** The `dim station` flags that go over config keys, by `section.key`. */
const FLAGS: Readonly<Record<string, string>> = {
  "station.bind": "host",
  "station.port": "port",
  "log.level": "log",
  "log.format": "log-format",
  "admin.listen": "admin",
};

/**
 * Every setting in effect and its source, in the order of `etc/dim.ini`:
 * `flags` are `dim station`'s (`host`, `port`, `log`, `log-format`,
 * `admin`) and the global `data-dir` / `db`.
 *
 * @throws {ConfigError} the config does not load
 * @example
 * ```ts ignore
 * effectiveConfig(ctx, { port: "9400" }).find((v) => v.key === "port");
 * // { section: "station", key: "port", value: "9400", source: "flag --port" }
 * ```
 */
export function effectiveConfig(
  ctx: CommandContext,
  flags: Readonly<Record<string, string | undefined>>,
): EffectiveValue[] {
  const config = ctx.config;
  const values: EffectiveValue[] = [];
  for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
    const written = config.ini.get(section);
    const names = keys === "any"
      ? [...written?.keys() ?? []]
      : Object.keys(keys);
    for (const key of names) {
      const flag = FLAGS[`${section}.${key}`];
      const entry = written?.get(key);
      const fallback = keys === "any" ? undefined : keys[key].default;
      if (flag !== undefined && flags[flag] !== undefined) {
        values.push({
          section,
          key,
          value: flags[flag]!,
          source: `flag --${flag}`,
        });
      } else if (entry !== undefined && entry.value !== "") {
        if (section === "admin" && key === "token") {
          // a secret: never printed
          values.push({ section, key, value: "(set)", source: entry.origin });
          continue;
        }
        values.push({
          section,
          key,
          value: entry.value.replace(/\s*\n\s*/g, " "),
          source: entry.origin,
        });
      } else {
        values.push({
          section,
          key,
          value: fallback ?? "",
          source: fallback === undefined ? "not set" : "default",
        });
      }
    }
  }
  // the data directory and the file as resolved (flags, environment, file, defaults)
  const database = (key: string, flag: string, value: string) => {
    const at = values.findIndex((v) =>
      v.section === "database" && v.key === key
    );
    const previous = values[at];
    values[at] = {
      ...previous,
      value,
      source: flags[flag] !== undefined
        ? `flag --${flag}`
        : previous.source === "default"
        ? `default (${previous.value})`
        : previous.source,
    };
  };
  database("root", "data-dir", ctx.dataDir);
  database("path", "db", ctx.storePath);
  return values;
}

/**
 * The lines of `dim config show`: sections, `key = value`, the source as
 * a comment, then the keys `dim` does not read.
 *
 * @example
 * ```ts
 * import { renderEffective } from "./config_show.ts";
 * renderEffective([{ section: "station", key: "port", value: "9394", source: "default" }], []);
 * // ["[station]", "port = 9394    # default"]
 * ```
 */
export function renderEffective(
  values: readonly EffectiveValue[],
  ignored: readonly string[],
): string[] {
  const width = Math.min(
    40,
    Math.max(...values.map((v) => `${v.key} = ${v.value}`.length)),
  );
  const lines: string[] = [];
  let section: string | undefined;
  for (const v of values) {
    if (v.section !== section) {
      if (section !== undefined) lines.push("");
      lines.push(`[${v.section}]`);
      section = v.section;
    }
    lines.push(`${`${v.key} = ${v.value}`.padEnd(width)}    # ${v.source}`);
  }
  if (ignored.length > 0) {
    lines.push("", "# not read by dim:");
    for (const line of ignored) lines.push(`#   ${line}`);
  }
  return lines;
}

const HELP =
  `usage: dim config show [--host H] [--port P] [--log LEVEL] [--log-format F] [--admin HOST:PORT]

Prints the configuration dim station would run with — every setting of
etc/dim.ini, its value, and where the value came from: default, FILE:LINE,
environment DIM_..., or flag --... (the flags are dim station's; the global
--data-dir, --db and --config count as well). Keys dim does not read are
listed at the end. A config that does not load fails with every bad value.`;

/**
 * Runs `dim config show …`; returns the exit status.
 *
 * @example
 * ```ts ignore
 * await showConfig(ctx, ["--port", "9400"]);
 * ```
 */
export function showConfig(ctx: CommandContext, args: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...STATION_SETTING_FLAGS,
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw UsageError.fromParseArgs("config show", e);
  }
  if (values.help) {
    printOut(HELP);
    return 0;
  }
  const { help: _, ...given } = values;
  const flags = {
    ...given,
    "data-dir": ctx.globalFlags?.dataDir,
    db: ctx.globalFlags?.db,
  };
  const effective = effectiveConfig(ctx, flags);
  if (ctx.configPath === undefined) {
    printOut("# no config file: defaults and DIM_* variables");
  } else printOut(`# config file: ${ctx.configPath}`);
  for (
    const line of renderEffective(
      effective,
      ctx.config.warnings.map((w) => w.message),
    )
  ) {
    printOut(line);
  }
  for (const warning of ctx.config.warnings) {
    if (warning.unknown) printErr(`dim: warning: ${warning.message}`);
  }
  return 0;
}
