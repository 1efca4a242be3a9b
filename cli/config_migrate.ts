/**
 * `dim config migrate <path>`: turns the Python station's configuration —
 * the 2021 `etc/config.py` (read as data, see `python_config.ts`) or a
 * current `config.ini` / `station.ini` — into a `dim` config file, with a
 * comment for everything that does not carry over.
 *
 * ```sh
 * dim config migrate /srv/dims/etc/config.py > /etc/dim/dim.ini
 * dim config migrate /etc/dim/station.ini --output /etc/dim/dim.ini --neighbors /etc/dim/stations.json
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseId } from "../dimp/identity/mod.ts";
import { ConfigValueError, ConfigValuesError, parseConfig } from "./config.ts";
import { CONFIG_KEYS, PYTHON_ONLY_KEYS } from "./config_keys.ts";
import { showConfig } from "./config_show.ts";
import { UsageError } from "./context.ts";
import { ConfigError, type IniDocument, parseIni } from "./ini.ts";
import { printErr, printOut } from "./output.ts";
import {
  type PyAssignment,
  PySymbol,
  type PyValue,
  readPythonConfig,
} from "./python_config.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

/** A neighbour station from the old config. */
export interface MigratedNeighbor {
  /** Its ID, when the old config named it. */
  readonly ID?: string;
  /** Its host. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
}

/** What a migration produced. */
export interface Migration {
  /** Which layout was read. */
  readonly from: "config.py" | "ini";
  /** `[section] key = value` in output order (values single-line). */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Neighbour stations (for a stations.json). */
  readonly neighbors: readonly MigratedNeighbor[];
  /** What did not carry over, and why — one sentence each. */
  readonly notes: readonly string[];
}

// Log.LEVEL in 2021: DEBUG (everything), DEVELOP (the default), RELEASE (quiet)
const LOG_LEVELS: Readonly<Record<string, string>> = {
  "Log.DEBUG": "debug",
  "Log.DEVELOP": "info",
  "Log.RELEASE": "warn",
  "Log.WARNING": "warn",
  "Log.ERROR": "error",
};

class Builder {
  readonly values = new Map<string, Map<string, string>>();
  readonly neighbors: MigratedNeighbor[] = [];
  readonly #notes = new Set<string>();

  /** Each note once, in the order first said. */
  get notes(): string[] {
    return [...this.#notes];
  }

  note(text: string): void {
    this.#notes.add(text);
  }

  set(section: string, key: string, value: string): void {
    if (!this.values.has(section)) this.values.set(section, new Map());
    this.values.get(section)!.set(key, value.replace(/\s*\n\s*/g, " "));
  }

  has(section: string, key: string): boolean {
    return this.values.get(section)?.has(key) ?? false;
  }
}

function describe(value: PyValue): string {
  if (value instanceof PySymbol) return value.name;
  if (value instanceof Map) return "a dict";
  if (Array.isArray(value)) return "a list";
  return JSON.stringify(value);
}

function checkedId(
  b: Builder,
  where: string,
  value: PyValue | undefined,
): string | undefined {
  if (typeof value !== "string") {
    if (value !== undefined && value !== null) {
      b.note(`${where} is ${describe(value)}, not an ID: not migrated`);
    }
    return undefined;
  }
  try {
    return parseId(value).value;
  } catch (error) {
    b.note(
      `${where} = "${value}" is not an ID (${
        (error as Error).message
      }): not migrated`,
    );
    return undefined;
  }
}

function fromPython(text: string, source: string): Migration {
  const config = readPythonConfig(text, source);
  const b = new Builder();
  const used = new Set<string>();
  const get = (name: string): PyValue | undefined => {
    const entry: PyAssignment | undefined = config.assignments.get(name);
    if (entry === undefined) return undefined;
    used.add(name);
    if ("unsupported" in entry) {
      b.note(
        `${source}:${entry.line}: ${name} = ${entry.unsupported} is code, not data: not migrated`,
      );
      return undefined;
    }
    return entry.value;
  };
  const at = (name: string) =>
    `${source}:${config.assignments.get(name)?.line ?? "?"}: ${name}`;

  const stationId = checkedId(b, at("station_id"), get("station_id"));
  if (stationId !== undefined) b.set("station", "id", stationId);
  else if (config.assignments.has("station_id")) {
    b.note(
      `${
        at("station_id")
      } is not set (it came from gsp.js): set [station] id to the station's ID`,
    );
  }
  const name = get("station_name");
  if (typeof name === "string") b.set("station", "name", name);

  // the 2021 bind address and port, then the later bind_/local_ names
  const bind = get("station_host") ?? get("bind_host");
  if (typeof bind === "string") b.set("station", "bind", bind);
  const port = get("station_port") ?? get("bind_port") ?? get("local_port");
  if (typeof port === "number") b.set("station", "port", String(port));

  const all = get("all_stations");
  let ownHost: string | undefined;
  if (Array.isArray(all)) {
    for (const item of all) {
      if (typeof item === "string") {
        if (item !== stationId) {
          b.note(
            `${
              at("all_stations")
            }: ${item} has no host and port: add it to the neighbour list by hand`,
          );
        }
        continue;
      }
      if (!(item instanceof Map)) continue;
      const id = item.get("ID") ?? item.get("id") ?? item.get("did");
      const host = item.get("host");
      const itemPort = item.get("port");
      if (typeof host !== "string" || typeof itemPort !== "number") {
        b.note(
          `${at("all_stations")}: an entry without host and port skipped`,
        );
        continue;
      }
      const checked = checkedId(b, at("all_stations"), id ?? undefined);
      if (checked !== undefined && checked === stationId) {
        ownHost = host;
        continue;
      }
      b.neighbors.push({
        ...(checked === undefined ? {} : { ID: checked }),
        host,
        port: itemPort,
      });
    }
  }
  const publicHost = ownHost ?? get("local_host");
  if (typeof publicHost === "string" && publicHost !== "0.0.0.0") {
    b.set("station", "host", publicHost);
  }

  const base = get("base_dir");
  if (typeof base === "string") {
    b.set("database", "root", base);
    b.note(
      `${
        at("base_dir")
      }: dim keeps one SQLite file (dim.db) in ${base}; the 2021 files there are not read — import accounts with "dim register import"`,
    );
  }

  const records = get("ans_reserved_records");
  if (records instanceof Map) {
    for (const [record, value] of records) {
      const id = checkedId(
        b,
        `${at("ans_reserved_records")}['${record}']`,
        value,
      );
      if (id !== undefined) b.set("ans", record.toLowerCase(), id);
    }
  }
  const archivist = checkedId(b, at("archivist_id"), get("archivist_id"));
  if (archivist !== undefined) b.set("ans", "archivist", archivist);
  const assistants = get("group_assistants");
  const assistant = checkedId(b, at("assistant_id"), get("assistant_id")) ??
    (Array.isArray(assistants) && assistants.length > 0
      ? checkedId(b, at("group_assistants"), assistants[0])
      : undefined);
  if (assistant !== undefined) b.set("ans", "assistant", assistant);

  const level = get("Log.LEVEL");
  if (level instanceof PySymbol && level.name in LOG_LEVELS) {
    b.set("log", "level", LOG_LEVELS[level.name]);
  }

  for (const [target, entry] of config.assignments) {
    if (used.has(target) || target === "etc") continue;
    b.note(
      "unsupported" in entry
        ? `${source}:${entry.line}: ${target} = ${entry.unsupported} is code, not data: not migrated`
        : `${source}:${entry.line}: ${target} has no dim setting: not migrated`,
    );
  }
  for (const { line, text } of config.skipped) {
    const first = text.split("\n")[0];
    const shown = first.length > 72 ? `${first.slice(0, 69)}...` : first;
    b.note(
      `${source}:${line}: "${shown}" is code, not a plain assignment: skipped`,
    );
  }
  return {
    from: "config.py",
    values: b.values,
    neighbors: b.neighbors,
    notes: b.notes,
  };
}

function fromIni(document: IniDocument): Migration {
  const b = new Builder();
  for (const [section, keys] of document) {
    const ours = CONFIG_KEYS[section];
    if (ours === undefined) {
      b.note(`[${section}] has no dim settings: not migrated`);
      continue;
    }
    for (const [key, entry] of keys) {
      if (ours !== "any" && !(key in ours)) {
        const why = PYTHON_ONLY_KEYS[`${section}.${key}`] ??
          "it is not a dim setting";
        b.note(
          `${entry.origin}: [${section}] ${key} is not read by dim (${why}): not migrated`,
        );
        continue;
      }
      if (entry.value === "") continue;
      b.set(section, key, entry.value);
    }
  }
  if (document.has("station") && !b.has("station", "bind")) {
    // the Python station always listened on every interface
    b.set("station", "bind", "0.0.0.0");
  }
  return { from: "ini", values: b.values, neighbors: [], notes: b.notes };
}

/**
 * Drops every value `dim` would refuse (checked with `parseConfig`, the
 * checks `dim station` runs), each with a note, so that what is written
 * loads.
 */
function keepValid(migration: Migration, source: string): Migration {
  const values = new Map(
    [...migration.values].map(([s, keys]) => [s, new Map(keys)]),
  );
  const notes = [...migration.notes];
  for (;;) {
    const text = [...values].map(([section, keys]) =>
      [`[${section}]`, ...[...keys].map(([k, v]) => `${k} = ${v}`)].join("\n")
    ).join("\n");
    let errors: readonly ConfigValueError[];
    try {
      parseConfig(text, { source: "the migrated config" });
      return { ...migration, values, notes };
    } catch (error) {
      if (error instanceof ConfigValuesError) errors = error.errors;
      else if (error instanceof ConfigValueError) errors = [error];
      else throw error;
    }
    for (const error of errors) {
      const value = values.get(error.section)?.get(error.key);
      values.get(error.section)?.delete(error.key);
      const why = error.message.replace(/^[^\]]*\] \S+ /, "");
      notes.push(
        `${source}: [${error.section}] ${error.key} = ${value} is refused by dim (${why}): not migrated`,
      );
    }
  }
}

/**
 * Reads the Python station's config (2021 `config.py` or a current INI)
 * and returns what `dim` takes from it.
 *
 * @throws {PythonConfigError} a config.py that is not Python
 * @throws {ConfigSyntaxError} an INI that is not INI
 * @example
 * ```ts
 * const migration = migrateConfig('station_host = "0.0.0.0"\nstation_port = 9394\n', "config.py");
 * renderMigratedIni(migration, "config.py"); // "…[station]\nbind = 0.0.0.0\nport = 9394\n"
 * ```
 */
export function migrateConfig(text: string, source: string): Migration {
  // an INI starts (after comments) with a [section] header; Python does not
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) =>
    l !== "" && !l.startsWith("#") && !l.startsWith(";")
  );
  return keepValid(
    first !== undefined && /^\[[^\]]+\]$/.test(first)
      ? fromIni(parseIni(text, source))
      : fromPython(text, source),
    source,
  );
}

/**
 * The `dim` INI text of a migration: a header, the notes as comments, then
 * every section with its keys.
 */
export function renderMigratedIni(
  migration: Migration,
  source: string,
  neighborsFile?: string,
): string {
  const lines = [
    "#",
    `#   dim — configuration migrated from ${source}`,
    "#   by `dim config migrate`; etc/dim.ini lists every key and its default.",
    "#",
  ];
  if (migration.notes.length > 0) {
    lines.push("#   Not migrated:");
    for (const note of migration.notes) lines.push(`#   - ${note}`);
    lines.push("#");
  }
  const sections = new Map(
    [...migration.values].map(([s, keys]) => [s, new Map(keys)]),
  );
  if (neighborsFile !== undefined && migration.neighbors.length > 0) {
    if (!sections.has("neighbors")) sections.set("neighbors", new Map());
    sections.get("neighbors")!.set("output", neighborsFile);
  }
  const order = Object.keys(CONFIG_KEYS);
  for (
    const section of [...sections.keys()].sort((a, b) =>
      order.indexOf(a) - order.indexOf(b)
    )
  ) {
    lines.push("", `[${section}]`);
    if (section === "neighbors" && migration.neighbors.length > 0) {
      lines.push(
        "# neighbour stations (in the stations.json named by output):",
      );
      for (const n of migration.neighbors) {
        lines.push(`#   ${n.host}:${n.port}${n.ID ? ` ${n.ID}` : ""}`);
      }
    }
    for (const [key, value] of sections.get(section)!) {
      lines.push(`${key} = ${value}`);
    }
  }
  if (!sections.has("neighbors") && migration.neighbors.length > 0) {
    lines.push(
      "",
      "[neighbors]",
      "# neighbour stations from the old config; pass --neighbors FILE to write them",
    );
    lines.push("# as a stations.json and set output here:");
    for (const n of migration.neighbors) {
      lines.push(`#   ${n.host}:${n.port}${n.ID ? ` ${n.ID}` : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * The stations.json of the neighbours (station.md §2.4).
 */
export function neighborsJson(neighbors: readonly MigratedNeighbor[]): string {
  return JSON.stringify({ stations: neighbors }, null, 2) + "\n";
}

const HELP = `usage: dim config show [flags of dim station]
       dim config migrate <path> [--output FILE] [--neighbors FILE] [--force]

show prints every setting in effect and where its value came from (default,
FILE:LINE, DIM_... variable, flag); dim config show --help says more.

migrate reads the Python station's configuration — the 2021 etc/config.py (its plain
assignments, read as data and never run) or a current config.ini — and writes
a dim config (to stdout, or to --output FILE). What does not carry over is
listed as comments at the top and on stderr.

  --output FILE      write the config there instead of stdout
  --neighbors FILE   write the neighbour stations of config.py's all_stations
                     as a stations.json there, and name it in [neighbors] output
  --force            replace existing files`;

function writeNew(path: string, text: string, force: boolean): void {
  try {
    Deno.writeTextFileSync(path, text, { createNew: !force });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new ConfigError(
        `${path} exists; pass --force to replace it`,
      );
    }
    throw error;
  }
}

async function runConfig(
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const [action, ...rest] = args;
  if (
    action === undefined || action === "help" || action === "--help" ||
    action === "-h"
  ) {
    printOut(HELP);
    return action === undefined ? 2 : 0;
  }
  if (action === "show") return showConfig(ctx, rest);
  if (action !== "migrate") {
    throw new UsageError(
      `config: unknown action "${action}" (try: dim config show, or dim config migrate <path>)`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        output: { type: "string" },
        neighbors: { type: "string" },
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs("config migrate", e);
  }
  if (parsed.values.help) {
    printOut(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      "config migrate takes one file: the old config.py or config.ini",
    );
  }
  const source = parsed.positionals[0];
  let text: string;
  try {
    text = await Deno.readTextFile(source);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "does not exist"
      : (error as Error).message;
    throw new ConfigError(`cannot read ${source}: ${reason}`, { cause: error });
  }
  const migration = migrateConfig(text, source);
  const neighborsFile = parsed.values.neighbors;
  const ini = renderMigratedIni(migration, source, neighborsFile);
  // what we write must load
  parseConfig(ini, { source: "the migrated config" });
  const force = parsed.values.force === true;
  if (neighborsFile !== undefined && migration.neighbors.length > 0) {
    writeNew(neighborsFile, neighborsJson(migration.neighbors), force);
  }
  if (parsed.values.output !== undefined) {
    writeNew(parsed.values.output, ini, force);
  } else printOut(ini.trimEnd());
  for (const note of migration.notes) printErr(`dim: ${note}`);
  printErr(
    `dim: migrated ${source} (${migration.from}): ${
      [...migration.values.values()].reduce((n, keys) => n + keys.size, 0)
    } settings, ${migration.neighbors.length} neighbours, ${migration.notes.length} notes`,
  );
  return 0;
}

/**
 * The `config` subcommand (`dim config migrate <path>`).
 *
 * @example
 * ```ts ignore
 * await config.run(ctx, ["migrate", "/srv/dims/etc/config.py"]);
 * ```
 */
export const config: Subcommand = {
  summary:
    "show the config in effect, or migrate the Python station's config.py / config.ini",
  run: runConfig,
};
