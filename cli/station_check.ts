/**
 * `dim station --check`: what would stop `dim station` from running, found
 * before it runs. One line per check on stdout — `ok` with what was found,
 * or `FAIL` with what is wrong and how to fix it — then a summary; the exit
 * status is 0 only when every check passed.
 *
 * ```text
 * ok    config: /etc/dim/dim.ini
 * ok    data dir: /var/lib/dim (writable)
 * ok    store: /var/lib/dim/dim.db (schema version 1)
 * ok    identity: gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC (meta, visa, signing key, 1 decryption key)
 * FAIL  port: 0.0.0.0:9394 is in use: stop what listens there (a station already running?) or choose another with [station] port or --port
 * ok    admin: off
 * 1 of 6 checks failed
 * ```
 *
 * Nothing is made: a store that does not exist is not created (the data
 * directory is checked for it), a missing identity is not generated (the
 * first run would make one: said so). An existing store is opened as the
 * station opens it (an older schema is migrated then).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { EntityType, type ID } from "../dimp/identity/mod.ts";
import { describeFsError } from "../station/ops/health.ts";
import { chooseStationId, loadStationIdentity } from "../station/identity.ts";
import { Accounts, exposedFiles, MIGRATIONS, Store } from "../store/mod.ts";
import {
  ConfigError,
  ConfigSyntaxError,
  ConfigValueError,
  ConfigValuesError,
  type DimConfig,
} from "./config.ts";
import { type OpsConfig, type OpsFlags, readOpsFlags } from "./ops_config.ts";
import {
  bindFailure,
  exposureWarning,
  hostPort,
  processUser,
} from "./listen_error.ts";
import { printOut } from "./output.ts";
import type { CommandContext } from "./subcommand.ts";

/** What one check found. */
export interface CheckResult {
  /** The check: `config`, `data dir`, `store`, `identity`, `port`, `admin`. */
  readonly name: string;
  /** `ok`, `WARN` (runs, but look), `FAIL`, or `skip` (a check it depends on failed). */
  readonly status: "ok" | "WARN" | "FAIL" | "skip";
  /** What was found, or what is wrong and how to fix it. */
  readonly text: string;
}

/** The flags of `dim station` that the checks read. */
export interface CheckFlags extends OpsFlags {
  /** `--host` */
  readonly host?: string;
  /** `--port` */
  readonly port?: number;
}

const ok = (name: string, text: string): CheckResult => ({
  name,
  status: "ok",
  text,
});
const fail = (name: string, text: string): CheckResult => ({
  name,
  status: "FAIL",
  text,
});

const VALUE_FIX = "fix the value, or remove the line for the default";

/** The config lines (one per bad value or key); `undefined` config when it did not load. */
function checkConfig(
  ctx: CommandContext,
  flags: CheckFlags,
): { results: CheckResult[]; config?: DimConfig; ops?: OpsConfig } {
  let config: DimConfig;
  let ops: OpsConfig;
  try {
    config = ctx.config;
    ops = readOpsFlags("station", config, flags);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error instanceof ConfigValuesError) {
      return {
        results: error.errors.map((e) =>
          fail("config", `${e.message} (${VALUE_FIX})`)
        ),
      };
    }
    const fix = error instanceof ConfigSyntaxError
      ? "fix that line"
      : error instanceof ConfigValueError
      ? VALUE_FIX
      : "check the path given by --config or DIM_CONFIG";
    return { results: [fail("config", `${error.message} (${fix})`)] };
  }
  const text = ctx.configPath === undefined
    ? "no file: defaults and DIM_* variables"
    : ctx.configPath;
  const results = config.warnings.map((w) =>
    w.unknown
      ? fail("config", `${w.message} (fix the name, or remove the line)`)
      : { name: "config", status: "WARN" as const, text: w.message }
  );
  if (!results.some((r) => r.status === "FAIL")) {
    results.unshift(ok("config", text));
  }
  return { results, config, ops };
}

/** The nearest directory that exists at or above `path`. */
function existingAncestor(path: string): string {
  let dir = path;
  for (;;) {
    try {
      Deno.statSync(dir);
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return dir;
      dir = parent;
    }
  }
}

/** Why files cannot be made in `dir`, or `undefined` when they can. */
function notWritable(dir: string): string | undefined {
  const probe = join(dir, `.dim-check-${crypto.randomUUID()}`);
  try {
    Deno.openSync(probe, { write: true, createNew: true }).close();
    Deno.removeSync(probe);
    return undefined;
  } catch (error) {
    return describeFsError(error);
  }
}

const DATA_DIR_FIX =
  "chown it to the user that runs the station, or choose another with --data-dir or [database] root";

function checkDataDir(dir: string): CheckResult {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      return fail("data dir", `${dir}: ${describeFsError(error)}`);
    }
  }
  if (info !== undefined) {
    if (!info.isDirectory) {
      return fail(
        "data dir",
        `${dir} is not a directory: choose another with --data-dir or [database] root`,
      );
    }
    const why = notWritable(dir);
    return why === undefined ? ok("data dir", `${dir} (writable)`) : fail(
      "data dir",
      `${dir} is not writable by ${processUser()} (${why}): ${DATA_DIR_FIX}`,
    );
  }
  const parent = existingAncestor(dir);
  const why = notWritable(parent);
  return why === undefined
    ? ok("data dir", `${dir} does not exist yet: the first run makes it`)
    : fail(
      "data dir",
      `${dir} does not exist and cannot be made: ${parent} is not writable by ${processUser()} (${why}): make it, or ${DATA_DIR_FIX}`,
    );
}

function schemaVersion(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(
      db.prepare("PRAGMA user_version").get()?.user_version ?? 0,
    );
  } finally {
    db.close();
  }
}

/** The store line, and the store opened when it exists and is usable. */
function checkStore(path: string): { result: CheckResult; store?: Store } {
  try {
    Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return {
        result: ok(
          "store",
          `${path} does not exist yet: the first run makes it`,
        ),
      };
    }
    return { result: fail("store", `${path}: ${describeFsError(error)}`) };
  }
  try {
    Deno.openSync(path, { read: true, write: true }).close();
  } catch (error) {
    return {
      result: fail(
        "store",
        `${path} is not writable by ${processUser()} (${
          describeFsError(error)
        }): chown it to the user that runs the station`,
      ),
    };
  }
  let version: number;
  try {
    version = schemaVersion(path);
  } catch (error) {
    return {
      result: fail(
        "store",
        `${path} is not a SQLite database (${
          describeFsError(error)
        }): move it away, or restore a backup with dim restore`,
      ),
    };
  }
  const known = MIGRATIONS.length;
  if (version > known) {
    return {
      result: fail(
        "store",
        `${path} has schema version ${version}, this dim knows up to ${known}: run a newer dim`,
      ),
    };
  }
  let store: Store;
  try {
    store = Store.open({ path });
  } catch (error) {
    return {
      result: fail("store", `${path} does not open: ${describeFsError(error)}`),
    };
  }
  const migrated = version < known
    ? `, migrated from ${version} on this open`
    : "";
  return {
    result: ok("store", `${path} (schema version ${known}${migrated})`),
    store,
  };
}

const NOT_STORED_FIX =
  'make it with "dim register generate station" or import it with "dim register import"';

/** The identity line; also whether a start would make the identity. */
function checkIdentity(
  configured: ID | undefined,
  store: Store | undefined,
): { result: CheckResult; firstRun: boolean } {
  if (configured !== undefined && configured.type !== EntityType.STATION) {
    return {
      result: fail(
        "identity",
        `[station] id ${configured.value} is not a station ID: name a station (made by "dim register generate station")`,
      ),
      firstRun: false,
    };
  }
  if (store === undefined) {
    return configured === undefined
      ? {
        result: ok(
          "identity",
          "none yet: the first run makes a station identity (and listens on 127.0.0.1 then)",
        ),
        firstRun: true,
      }
      : {
        result: fail(
          "identity",
          `[station] id ${configured.value} is not in the store (there is no store yet): ${NOT_STORED_FIX}`,
        ),
        firstRun: false,
      };
  }
  const accounts = new Accounts(store);
  let id: ID | undefined;
  try {
    id = chooseStationId(accounts, configured);
  } catch (error) {
    return {
      result: fail("identity", describeFsError(error)),
      firstRun: false,
    };
  }
  if (id === undefined) {
    return {
      result: ok(
        "identity",
        "none in the store: the first run makes a station identity (and listens on 127.0.0.1 then)",
      ),
      firstRun: true,
    };
  }
  try {
    const identity = loadStationIdentity(accounts, id);
    const keys = identity.decryptKeys.length;
    const visaKey = identity.visa.isSigned
      ? identity.visa.visaKey()
      : undefined;
    const visa = !identity.visa.isSigned
      ? "no visa yet: one is signed at start"
      : visaKey === undefined ||
          identity.decryptKeys.some((key) => key.publicKey.equals(visaKey))
      ? "visa"
      : "visa (its key is not one of ours: a new visa is signed at start)";
    return {
      result: ok(
        "identity",
        `${id.value} (meta, ${visa}, signing key, ${keys} decryption key${
          keys === 1 ? "" : "s"
        })`,
      ),
      firstRun: false,
    };
  } catch (error) {
    return {
      result: fail("identity", describeFsError(error)),
      firstRun: false,
    };
  }
}

/** Binds `hostname:port` (kept open for the caller to close), or says why not. */
function bindTest(
  name: string,
  hostname: string,
  port: number,
  fix: string,
): { result: CheckResult; listener?: Deno.Listener } {
  try {
    const listener = Deno.listen({ hostname, port, transport: "tcp" });
    const text = port === 0
      ? `${hostname}: any free port`
      : `${hostPort(hostname, port)} is free`;
    return { result: ok(name, text), listener };
  } catch (error) {
    return { result: fail(name, bindFailure(error, hostname, port, fix)) };
  }
}

/**
 * Runs every check (see the module notes) and returns what each found.
 *
 * @example
 * ```ts ignore
 * const results = checkStation(ctx, { port: 9394 });
 * results.every((r) => r.status === "ok");
 * ```
 */
export function checkStation(
  ctx: CommandContext,
  flags: CheckFlags,
): CheckResult[] {
  const { results, config, ops } = checkConfig(ctx, flags);
  const later = ["data dir", "store", "identity", "port", "admin"];
  if (config === undefined || ops === undefined) {
    for (const name of later) {
      results.push({ name, status: "skip", text: "the config did not load" });
    }
    return results;
  }
  let storePath: string;
  try {
    storePath = ctx.storePath;
  } catch (error) {
    results.push(fail("data dir", describeFsError(error)));
    for (const name of later.slice(1)) {
      results.push({ name, status: "skip", text: "no data directory" });
    }
    return results;
  }
  const dataDir = checkDataDir(dirname(storePath));
  results.push(dataDir);
  const { result: storeResult, store } = dataDir.status === "ok"
    ? checkStore(storePath)
    : {
      result: {
        name: "store",
        status: "skip",
        text: "the data directory is not usable",
      } as CheckResult,
    };
  results.push(storeResult);
  let firstRun = false;
  try {
    if (storeResult.status !== "ok") {
      results.push({
        name: "identity",
        status: "skip",
        text: "the store is not usable",
      });
    } else {
      const identity = checkIdentity(config.station.id, store);
      results.push(identity.result);
      firstRun = identity.firstRun;
    }
  } finally {
    store?.close();
  }
  results.push(...checkPorts(config, ops, flags, firstRun));
  if (dataDir.status === "ok") {
    results.push(...checkModes(dirname(storePath), storePath));
  }
  return results;
}

/** A WARN line for each of the data directory and the store's files that others can read. */
function checkModes(dir: string, storePath: string): CheckResult[] {
  return exposedFiles([
    dir,
    storePath,
    `${storePath}-wal`,
    `${storePath}-shm`,
  ]).map(({ path, mode }) => ({
    name: path === dir ? "data dir" : "store",
    status: "WARN",
    text: `${path} is open to other users (mode ${
      mode.toString(8).padStart(4, "0")
    }) and holds private keys: chmod ${path === dir ? "700" : "600"} ${path}`,
  }));
}

/** The station port, then the admin listener, bound together then released. */
function checkPorts(
  config: DimConfig,
  ops: OpsConfig,
  flags: CheckFlags,
  firstRun: boolean,
): CheckResult[] {
  const hostname = flags.host ?? config.station.bind ??
    (firstRun ? "127.0.0.1" : "0.0.0.0");
  const station = bindTest(
    "port",
    hostname,
    flags.port ?? config.station.port,
    "choose another with [station] port or --port",
  );
  const results = [station.result];
  const section = config.ini.get("station");
  const exposure = exposureWarning(
    hostname,
    (section?.get("host")?.value ?? "") === ""
      ? undefined
      : config.station.host,
  );
  if (exposure !== undefined) {
    results.push({ name: "port", status: "WARN", text: exposure });
  }
  try {
    if (ops.admin === undefined) {
      results.push(ok("admin", "off"));
      return results;
    }
    const admin = bindTest(
      "admin",
      ops.admin.hostname,
      ops.admin.port,
      "choose another with [admin] listen or --admin",
    );
    admin.listener?.close();
    results.push(admin.result);
  } finally {
    station.listener?.close();
  }
  return results;
}

/**
 * Prints the results (one line each, then a summary) and returns the exit
 * status: 0 when all passed, 1 otherwise.
 *
 * @example
 * ```ts ignore
 * return printCheck(checkStation(ctx, flags));
 * ```
 */
export function printCheck(results: readonly CheckResult[]): number {
  for (const { name, status, text } of results) {
    printOut(`${status.padEnd(5)} ${name}: ${text}`);
  }
  const failed = results.filter((r) => r.status === "FAIL").length;
  const skipped = results.filter((r) => r.status === "skip").length;
  const warned = results.filter((r) => r.status === "WARN").length;
  const warnings = warned === 0
    ? ""
    : `, ${warned} warning${warned === 1 ? "" : "s"}`;
  printOut(
    failed + skipped === 0
      ? `all ${results.length - warned} checks passed${warnings}`
      : `${failed} of ${results.length} checks failed${
        skipped > 0 ? ` (${skipped} skipped)` : ""
      }${warnings}`,
  );
  return failed + skipped === 0 ? 0 : 1;
}
