/**
 * The `dim` config: one INI file in the Python station's layout
 * (station.md §2.2), then `DIM_*` environment variables over it, then
 * defaults that work with no file at all. `etc/dim.ini` lists every key.
 *
 * Environment: `DIM_<SECTION>_<KEY>` sets `[section] key` for the sections
 * read here (`DIM_STATION_PORT=9395`, `DIM_ANS_ARCHIVIST=archivist@…`);
 * `DIM_DB` is `DIM_DATABASE_PATH` and `DIM_DATA_DIR` is
 * `DIM_DATABASE_ROOT`. A data directory from the environment replaces the
 * file's `[database] path` as well.
 *
 * @module
 */
import { join } from "node:path";
import { parseLogFormat, parseLogLevel } from "../client/logger.ts";
import { type ID, parseId } from "../dimp/identity/mod.ts";
import { parseAdminAddress } from "../station/ops/admin.ts";
import {
  type CryptoEngineChoice,
  parseCryptoEngine,
} from "../station/crypto_engine.ts";
import {
  type EcdsaEngineChoice,
  parseEcdsaEngine,
} from "../station/ecdsa_choice.ts";
import {
  type NeighbourAddress,
  parseNeighbourList,
} from "../station/neighbours.ts";
import { DEFAULT_FILE_NAME } from "../store/mod.ts";
import { CONFIG_KEYS, didYouMean, PYTHON_ONLY_KEYS } from "./config_keys.ts";
import { type Env, resolveDataDir } from "./context.ts";
import {
  ConfigError,
  type IniDocument,
  type IniSection,
  parseIni,
} from "./ini.ts";

export { ConfigError, ConfigSyntaxError } from "./ini.ts";

/**
 * A value the config cannot use: a port that is not a number, an ID that
 * does not parse.
 */
export class ConfigValueError extends ConfigError {
  /** Where the value was written (`dim.ini:7`, `environment DIM_STATION_PORT`). */
  readonly origin: string;
  /** The section. */
  readonly section: string;
  /** The key. */
  readonly key: string;

  /** Creates the error. */
  constructor(
    origin: string,
    section: string,
    key: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${origin}: [${section}] ${key} ${problem}`, options);
    this.name = "ConfigValueError";
    this.origin = origin;
    this.section = section;
    this.key = key;
  }
}

/**
 * Several values the config cannot use, all named at once (one
 * {@link ConfigValueError} each, in `errors`).
 *
 * @example
 * ```ts
 * try {
 *   parseConfig("[station]\nport = x\nsigners = y\n", { source: "dim.ini" });
 * } catch (e) {
 *   (e as ConfigValuesError).errors.length; // 2
 * }
 * ```
 */
export class ConfigValuesError extends ConfigError {
  /** Each bad value. */
  readonly errors: readonly ConfigValueError[];

  /** Creates the error from the bad values (two or more). */
  constructor(errors: readonly ConfigValueError[]) {
    super(
      `${errors.length} bad values:\n${
        errors.map((e) => `  ${e.message}`).join("\n")
      }`,
    );
    this.name = "ConfigValuesError";
    this.errors = errors;
  }
}

/** A key `dim` does not read, in a section it reads. */
export interface ConfigWarning {
  /** Where it was written (`dim.ini:7`, `environment DIM_STATION_PROT`). */
  readonly origin: string;
  /** The section. */
  readonly section: string;
  /** The key. */
  readonly key: string;
  /** `true`: not a setting at all (a typo?); `false`: the Python station's, left alone. */
  readonly unknown: boolean;
  /** The sentence for the log and `--check`, with "did you mean" when a key is near. */
  readonly message: string;
}

/**
 * The default TCP port of a station (station.md §9).
 */
export const DEFAULT_STATION_PORT = 9394;

/**
 * The default public host of a station.
 */
export const DEFAULT_STATION_HOST = "127.0.0.1";

/** The sections the environment may set (`DIM_<SECTION>_<KEY>`). */
const ENV_SECTIONS = [
  "database",
  "station",
  "neighbors",
  "ans",
  "admin",
  "log",
];

/** The typed config. */
export interface DimConfig {
  /** The file read, if any. */
  readonly source: string | undefined;
  /** `[database]`: the data directory and the SQLite file. */
  readonly database: {
    /** `root`: the data directory. */
    readonly root?: string;
    /** `path`: the SQLite file (default `<root>/dim.db`). */
    readonly path?: string;
  };
  /** `[station]`: this station. */
  readonly station: {
    /** `id`: the station's ID. */
    readonly id?: ID;
    /** `host`: the public host it advertises. */
    readonly host: string;
    /** `port`: the TCP port. */
    readonly port: number;
    /**
     * `bind`: the address the station listens on (default `0.0.0.0`, but
     * `127.0.0.1` on the first run that made its own identity).
     */
    readonly bind?: string;
    /** `name`: the name in the visa of an identity the station makes itself. */
    readonly name?: string;
    /** `check_sender`: refuse routed messages whose sender is not the session's user (default on). */
    readonly checkSender: boolean;
    /** `broadcast_to_users`: push non-command `everyone@everywhere` broadcasts to local users (default on). */
    readonly broadcastToUsers: boolean;
    /** `verify_routed`: verify the signature of messages routed to others too (default off). */
    readonly verifyRouted: boolean;
    /** `offline_retention`: how long an offline message is kept (seconds; default 7 days). */
    readonly offlineRetention: number;
    /** `offline_cap`: most offline messages kept per receiver (default 20480). */
    readonly offlineCap: number;
    /** `max_frame`: the largest frame / message accepted (bytes; default 1 MiB). */
    readonly maxFrameBytes: number;
    /** `idle_timeout`: close a connection silent this long (seconds; default 128). */
    readonly idleTimeout: number;
    /** `handshake_timeout`: close a connection whose framing is not established this long after it opened (seconds; default 16). */
    readonly handshakeTimeout: number;
    /** `max_connections`: most TCP connections at once (default 10000). */
    readonly maxConnections: number;
    /** `signers`: threads that sign the station's replies (default 1; 0: the main thread). */
    readonly signers: number;
    /** `decrypters`: threads that decrypt the message keys clients wrap for the station with RSA (default `auto`: one per CPU for an RSA key above 1024 bits, else none; 0: the main thread). */
    readonly decrypters: number | "auto";
    /** `handshake_threads`: threads that check a handshake's signatures and open its sealed key ahead of the main thread while handshakes queue (default 0: none). */
    readonly handshakeThreads: number;
    /** `crypto_engine`: what runs RSA — `auto` (default: OpenSSL's libcrypto by FFI when it loads, else the runtime's `node:crypto`), `openssl` (required) or `runtime`. */
    readonly cryptoEngine: CryptoEngineChoice;
    /** `ecdsa_engine`: what runs ECDSA secp256k1 — `auto` (default: libsecp256k1 by FFI when it loads and passes its self-test, else the runtime's `node:crypto` and noble), `libsecp256k1` (required) or `runtime`. */
    readonly ecdsaEngine: EcdsaEngineChoice;
    /** `gc_after_storm`: one full garbage collection once a handshake storm that grew the heap has been over this long (seconds; default 5; 0: never). */
    readonly gcAfterStorm: number;
    /** `gc_after_storm_growth`: how much the V8 heap must have grown for it (bytes; default 32 MiB). */
    readonly gcAfterStormGrowth: number;
    /** `max_sessions_per_ip`: most TCP connections at once from one address (default 64; 0: no limit). */
    readonly maxSessionsPerIp: number;
    /** `exempt_loopback`: loopback peers are exempt from the per-IP and rate limits (default on). */
    readonly exemptLoopback: boolean;
    /** `message_rate`: messages per second per connection, sustained (default 100; 0: no limit). */
    readonly messageRate: number;
    /** `message_burst`: messages at once per connection (default 1000). */
    readonly messageBurst: number;
    /** `byte_rate`: bytes per second per connection, sustained (default 1 MiB; 0: no limit). */
    readonly byteRate: number;
    /** `byte_burst`: bytes at once per connection (default 8 MiB; at least `max_frame`). */
    readonly byteBurst: number;
    /** `login_timeout`: close a connection without a completed handshake after this long (seconds; default 60). */
    readonly loginTimeout: number;
    /** `shutdown_timeout`: how long a stop waits for connections to close politely (seconds; default 10). */
    readonly shutdownTimeout: number;
    /** `with_bots`: run the archivist and the assistant in the station's process (default off). */
    readonly withBots: boolean;
    /** `self_warmup`: texts the station routes through a stand-in of itself before it listens (default 10000; 0: off). */
    readonly selfWarmup: number;
    /** `preload_users`: returning users read ahead at start, the most recent senders first (their message keys, metas, newest visas; default 10000; 0: none). */
    readonly preloadUsers: number;
  };
  /** `[neighbors]`: the neighbour stations and where their list comes from. */
  readonly neighbors: {
    /** `stations`: `host:port, …` neighbours named in the config. */
    readonly stations: readonly NeighbourAddress[];
    /** `source`: the URL (or file) of the station list JSON. */
    readonly source?: string;
    /** `output`: the local copy of that list. */
    readonly output?: string;
  };
  /** `[ans]`: name → ID records (empty values left out). */
  readonly ans: ReadonlyMap<string, ID>;
  /** Keys in known sections that `dim` does not read (typos, the Python station's). */
  readonly warnings: readonly ConfigWarning[];
  /** Every section and key as read (environment applied), for keys read elsewhere. */
  readonly ini: IniDocument;
}

function text(
  section: IniSection | undefined,
  key: string,
): string | undefined {
  const value = section?.get(key)?.value;
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The station defaults of the keys below `[station] port`.
 *
 * @example
 * ```ts
 * parseConfig(undefined).station.offlineCap === STATION_DEFAULTS.offlineCap; // true
 * ```
 */
export const STATION_DEFAULTS: Pick<
  DimConfig["station"],
  | "checkSender"
  | "broadcastToUsers"
  | "verifyRouted"
  | "offlineRetention"
  | "offlineCap"
  | "maxFrameBytes"
  | "idleTimeout"
  | "handshakeTimeout"
  | "maxConnections"
  | "signers"
  | "decrypters"
  | "handshakeThreads"
  | "cryptoEngine"
  | "ecdsaEngine"
  | "gcAfterStorm"
  | "gcAfterStormGrowth"
  | "maxSessionsPerIp"
  | "exemptLoopback"
  | "messageRate"
  | "messageBurst"
  | "byteRate"
  | "byteBurst"
  | "loginTimeout"
  | "shutdownTimeout"
  | "withBots"
  | "selfWarmup"
  | "preloadUsers"
> = {
  checkSender: true,
  broadcastToUsers: true,
  verifyRouted: false,
  offlineRetention: 7 * 24 * 3600,
  offlineCap: 20480,
  maxFrameBytes: 1024 * 1024,
  idleTimeout: 128,
  handshakeTimeout: 16,
  maxConnections: 10000,
  signers: 1,
  decrypters: "auto",
  handshakeThreads: 0,
  cryptoEngine: "auto",
  ecdsaEngine: "auto",
  gcAfterStorm: 5,
  gcAfterStormGrowth: 32 * 1024 * 1024,
  maxSessionsPerIp: 64,
  exemptLoopback: true,
  messageRate: 100,
  messageBurst: 1000,
  byteRate: 1024 * 1024,
  byteBurst: 8 * 1024 * 1024,
  loginTimeout: 60,
  shutdownTimeout: 10,
  withBots: false,
  selfWarmup: 10_000,
  preloadUsers: 10_000,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  m: 1024 * 1024,
  g: 1024 * 1024 * 1024,
};

/**
 * Reads the keys of one section, collecting every bad value (so that one
 * pass names them all) instead of stopping at the first.
 */
class SectionReader {
  readonly #section: IniSection | undefined;
  readonly #name: string;
  readonly #problems: ConfigValueError[];

  constructor(
    document: IniDocument,
    name: string,
    problems: ConfigValueError[],
  ) {
    this.#section = document.get(name);
    this.#name = name;
    this.#problems = problems;
  }

  /** The raw text of `key`, or `undefined` when unset or empty. */
  text(key: string): string | undefined {
    return text(this.#section, key);
  }

  /** Reads `key` with `parse`; `fallback` when unset or bad (bad: noted). */
  value<T>(
    key: string,
    fallback: T,
    parse: (value: string) => T | undefined,
    expected: string,
  ): T {
    const entry = this.#section?.get(key);
    if (entry === undefined || entry.value === "") return fallback;
    let value: T | undefined;
    let problem = `must be ${expected}, not "${entry.value}"`;
    try {
      value = parse(entry.value.trim());
    } catch (error) {
      problem = (error as Error).message.replace(/^[a-z ]+ must/, "must");
    }
    if (value === undefined) {
      this.#problems.push(
        new ConfigValueError(entry.origin, this.#name, key, problem),
      );
      return fallback;
    }
    return value;
  }

  /** `key` as an ID (`undefined`: unset or bad). */
  id(key: string, entry = this.#section?.get(key)): ID | undefined {
    if (entry === undefined || entry.value === "") return undefined;
    try {
      return parseId(entry.value);
    } catch (e) {
      this.#problems.push(
        new ConfigValueError(
          entry.origin,
          this.#name,
          key,
          `is not an ID: ${(e as Error).message}`,
          { cause: e },
        ),
      );
      return undefined;
    }
  }

  /** Notes a problem with `key` (at the origin of `at`, default `key`). */
  problem(key: string, problem: string, at = key): void {
    const entry = this.#section?.get(at);
    this.#problems.push(
      new ConfigValueError(
        entry?.origin ?? "<config>",
        this.#name,
        key,
        problem,
      ),
    );
  }
}

function parseBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  if (["1", "true", "yes", "on"].includes(lower)) return true;
  if (["0", "false", "no", "off"].includes(lower)) return false;
  return undefined;
}

/** Seconds from `128`, `128s`, `500ms`, `5m`, `2h`, `7d`. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text);
  if (match === null) return undefined;
  const seconds = Number(match[1]) *
    DURATION_UNITS[(match[2] ?? "s").toLowerCase()];
  return seconds > 0 ? seconds : undefined;
}

/** Bytes from `1048576`, `64K`, `1M`, `1MiB`. */
function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text);
  if (match === null) return undefined;
  const bytes = Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()];
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

function parseCount(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const count = Number(text);
  return count > 0 && Number.isSafeInteger(count) ? count : undefined;
}

function parsePort(text: string): number | undefined {
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1 && port <= 65535 ? port : undefined;
}

/** `parse`, or 0 for "0" (a limit turned off). */
function orOff(
  parse: (text: string) => number | undefined,
): (text: string) => number | undefined {
  return (text) => /^0+$/.test(text) ? 0 : parse(text);
}

const BOOLEAN = "true or false";
const COUNT = "a count above 0";

/** The keys of `[station]` beyond `id`, `host` and `port`. */
function stationSettings(r: SectionReader) {
  const d = STATION_DEFAULTS;
  const duration = "a duration (128, 128s, 500ms, 5m, 2h, 7d)";
  return {
    bind: r.text("bind"),
    name: r.text("name"),
    checkSender: r.value("check_sender", d.checkSender, parseBoolean, BOOLEAN),
    broadcastToUsers: r.value(
      "broadcast_to_users",
      d.broadcastToUsers,
      parseBoolean,
      BOOLEAN,
    ),
    verifyRouted: r.value(
      "verify_routed",
      d.verifyRouted,
      parseBoolean,
      BOOLEAN,
    ),
    offlineRetention: r.value(
      "offline_retention",
      d.offlineRetention,
      parseDuration,
      duration,
    ),
    offlineCap: r.value("offline_cap", d.offlineCap, parseCount, COUNT),
    maxFrameBytes: r.value(
      "max_frame",
      d.maxFrameBytes,
      parseSize,
      "a size (1048576, 64K, 1M)",
    ),
    idleTimeout: r.value(
      "idle_timeout",
      d.idleTimeout,
      parseDuration,
      duration,
    ),
    handshakeTimeout: r.value(
      "handshake_timeout",
      d.handshakeTimeout,
      parseDuration,
      duration,
    ),
    maxConnections: r.value(
      "max_connections",
      d.maxConnections,
      parseCount,
      COUNT,
    ),
    signers: r.value(
      "signers",
      d.signers,
      (value) =>
        /^\d+$/.test(value) && Number(value) <= 64 ? Number(value) : undefined,
      "a count 0..64",
    ),
    decrypters: r.value(
      "decrypters",
      d.decrypters,
      (value) =>
        value === "auto"
          ? "auto"
          : /^\d+$/.test(value) && Number(value) <= 64
          ? Number(value)
          : undefined,
      "auto or a count 0..64",
    ),
    handshakeThreads: r.value(
      "handshake_threads",
      d.handshakeThreads,
      (value) =>
        /^\d+$/.test(value) && Number(value) <= 64 ? Number(value) : undefined,
      "a count 0..64",
    ),
    cryptoEngine: r.value(
      "crypto_engine",
      d.cryptoEngine,
      parseCryptoEngine,
      "auto, openssl or runtime",
    ),
    ecdsaEngine: r.value(
      "ecdsa_engine",
      d.ecdsaEngine,
      parseEcdsaEngine,
      "auto, libsecp256k1 or runtime",
    ),
    gcAfterStorm: r.value(
      "gc_after_storm",
      d.gcAfterStorm,
      orOff(parseDuration),
      "a duration (5, 5s, 500ms; 0: never)",
    ),
    gcAfterStormGrowth: r.value(
      "gc_after_storm_growth",
      d.gcAfterStormGrowth,
      parseSize,
      "a size (33554432, 32M)",
    ),
    withBots: r.value("with_bots", d.withBots, parseBoolean, BOOLEAN),
    selfWarmup: r.value(
      "self_warmup",
      d.selfWarmup,
      (value) =>
        /^\d+$/.test(value) && Number(value) <= 100_000
          ? Number(value)
          : undefined,
      "a count of texts 0..100000 (0: off)",
    ),
    preloadUsers: r.value(
      "preload_users",
      d.preloadUsers,
      (value) =>
        /^\d+$/.test(value) && Number(value) <= 10_000
          ? Number(value)
          : undefined,
      "a count of users 0..10000 (0: none)",
    ),
    ...limitSettings(r),
  };
}

/** The per-connection limits of `[station]` (rates, per-IP, timeouts). */
function limitSettings(r: SectionReader) {
  const d = STATION_DEFAULTS;
  const duration = "a duration (60, 60s, 500ms, 5m)";
  const count = "a count (0: no limit)";
  const size = "a size per second (1048576, 64K, 1M; 0: no limit)";
  const settings = {
    maxSessionsPerIp: r.value(
      "max_sessions_per_ip",
      d.maxSessionsPerIp,
      orOff(parseCount),
      count,
    ),
    exemptLoopback: r.value(
      "exempt_loopback",
      d.exemptLoopback,
      parseBoolean,
      BOOLEAN,
    ),
    messageRate: r.value(
      "message_rate",
      d.messageRate,
      orOff(parseCount),
      "messages per second (0: no limit)",
    ),
    messageBurst: r.value("message_burst", d.messageBurst, parseCount, COUNT),
    byteRate: r.value("byte_rate", d.byteRate, orOff(parseSize), size),
    byteBurst: r.value(
      "byte_burst",
      d.byteBurst,
      parseSize,
      "a size (8M, 16M)",
    ),
    loginTimeout: r.value(
      "login_timeout",
      d.loginTimeout,
      parseDuration,
      duration,
    ),
    shutdownTimeout: r.value(
      "shutdown_timeout",
      d.shutdownTimeout,
      parseDuration,
      duration,
    ),
  };
  // max_frame is read (and a bad one noted) with the other station keys
  const maxFrame = parseSize(r.text("max_frame") ?? "") ?? d.maxFrameBytes;
  if (settings.byteRate > 0 && settings.byteBurst < maxFrame) {
    r.problem(
      "byte_burst",
      `(${settings.byteBurst}) must be at least max_frame (${maxFrame}): a frame that large would always be over the byte rate; raise byte_burst or lower max_frame`,
      r.text("byte_burst") === undefined ? "max_frame" : "byte_burst",
    );
  }
  return settings;
}

/** `[neighbors] stations`: `host:port` items, comma-separated. */
function neighbourStations(r: SectionReader): NeighbourAddress[] {
  return r.value("stations", [], (value) => {
    try {
      return parseNeighbourList(value);
    } catch (e) {
      throw new Error(
        `must be host:port items separated by commas: ${(e as Error).message}`,
      );
    }
  }, "host:port items separated by commas");
}

/** Warnings for keys `dim` does not read in the sections it reads. */
function unknownKeys(document: IniDocument): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const [section, keys] of document) {
    const known = CONFIG_KEYS[section];
    if (known === undefined || known === "any") continue;
    for (const [key, entry] of keys) {
      if (key in known) continue;
      const python = PYTHON_ONLY_KEYS[`${section}.${key}`];
      if (python !== undefined) {
        warnings.push({
          origin: entry.origin,
          section,
          key,
          unknown: false,
          message:
            `${entry.origin}: [${section}] ${key} is not read by dim: ${python}`,
        });
        continue;
      }
      const near = didYouMean(key, Object.keys(known));
      warnings.push({
        origin: entry.origin,
        section,
        key,
        unknown: true,
        message: `${entry.origin}: [${section}] ${key} is not a dim setting${
          near === undefined ? "" : ` (did you mean ${near}?)`
        }: it is ignored`,
      });
    }
  }
  return warnings;
}

function applyEnvironment(ini: IniDocument, env: Env): void {
  const set = (section: string, key: string, variable: string) => {
    const value = env[variable];
    if (value === undefined) return;
    if (!ini.has(section)) ini.set(section, new Map());
    ini.get(section)!.set(key, {
      value: value.trim(),
      origin: `environment ${variable}`,
    });
  };
  const database = ini.get("database");
  const envRoot = env.DIM_DATA_DIR ?? env.DIM_DATABASE_ROOT;
  // a data directory from the environment moves the file with it
  if (envRoot !== undefined) database?.delete("path");
  for (const variable of Object.keys(env).sort()) {
    const match = /^DIM_([A-Z]+)_([A-Z0-9_]+)$/.exec(variable);
    if (match === null) continue;
    const section = match[1].toLowerCase();
    if (ENV_SECTIONS.includes(section)) {
      set(section, match[2].toLowerCase(), variable);
    }
  }
  if (env.DIM_DATA_DIR !== undefined) set("database", "root", "DIM_DATA_DIR");
  if (env.DIM_DB !== undefined) set("database", "path", "DIM_DB");
}

/**
 * Builds the config from INI text (`undefined`: no file) and the
 * environment.
 *
 * @throws {ConfigSyntaxError} the text is not INI
 * @throws {ConfigValueError} a value cannot be used
 * @throws {ConfigValuesError} several values cannot be used
 * @example
 * ```ts
 * parseConfig("[station]\nport = 9395\n", { source: "dim.ini" }).station.port; // 9395
 * parseConfig(undefined, { env: { DIM_DB: "/tmp/dim.db" } }).database.path; // "/tmp/dim.db"
 * ```
 */
export function parseConfig(
  ini: string | undefined,
  options: { source?: string; env?: Env } = {},
): DimConfig {
  const source = options.source ?? "<config>";
  const document = ini === undefined ? new Map() : parseIni(ini, source);
  applyEnvironment(document, options.env ?? {});

  const problems: ConfigValueError[] = [];
  const reader = (name: string) => new SectionReader(document, name, problems);
  const database = reader("database");
  const station = reader("station");
  const neighbors = reader("neighbors");
  const log = reader("log");
  const admin = reader("admin");

  const ansReader = reader("ans");
  const ans = new Map<string, ID>();
  for (const [name, entry] of document.get("ans") ?? []) {
    const id = ansReader.id(name, entry);
    if (id !== undefined) ans.set(name, id);
  }
  // read here so that one pass names every bad value; ops_config.ts applies them
  const valid = (parse: (text: string) => unknown) => (text: string) => {
    parse(text);
    return true;
  };
  log.value("level", true, valid(parseLogLevel), "a log level");
  log.value("format", true, valid(parseLogFormat), "a log format");
  admin.value("listen", true, valid(parseAdminAddress), "an address");

  const config: DimConfig = {
    source: options.source,
    database: { root: database.text("root"), path: database.text("path") },
    station: {
      id: station.id("id"),
      host: station.text("host") ?? DEFAULT_STATION_HOST,
      port: station.value(
        "port",
        DEFAULT_STATION_PORT,
        parsePort,
        "a number 1..65535",
      ),
      ...stationSettings(station),
    },
    neighbors: {
      stations: neighbourStations(neighbors),
      source: neighbors.text("source"),
      output: neighbors.text("output"),
    },
    ans,
    warnings: unknownKeys(document),
    ini: document,
  };
  // in the order of the file, then the environment
  const line = (e: ConfigValueError) =>
    Number(/:(\d+)$/.exec(e.origin)?.[1] ?? Infinity);
  problems.sort((a, b) => line(a) - line(b));
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigValuesError(problems);
  return config;
}

/**
 * Reads the config file (`undefined`: none, defaults and environment only).
 *
 * @throws {ConfigError} the file cannot be read (missing, no permission)
 * @throws {ConfigSyntaxError} the file is not INI
 * @throws {ConfigValueError} a value cannot be used
 */
export function loadConfig(path: string | undefined, env: Env): DimConfig {
  if (path === undefined) return parseConfig(undefined, { env });
  let ini: string;
  try {
    ini = Deno.readTextFileSync(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound
      ? "does not exist"
      : (e as Error).message;
    throw new ConfigError(`cannot read the config file ${path}: ${reason}`, {
      cause: e,
    });
  }
  return parseConfig(ini, { source: path, env });
}

/** Where the data directory and the SQLite file are. */
export interface StoreLocation {
  /** The data directory. */
  readonly dataDir: string;
  /** The SQLite file. */
  readonly path: string;
}

/**
 * Resolves the data directory and the store file: command-line options
 * first (`--db`, then `--data-dir`), then the config with its environment
 * (`[database] path`, then `root`), then `$STATE_DIRECTORY` or
 * `~/.local/share/dim`; the file defaults to `dim.db` in the directory.
 *
 * @throws {UsageError} no directory can be found (no HOME)
 */
export function resolveStoreLocation(
  options: { readonly dataDir?: string; readonly db?: string },
  env: Env,
  config: DimConfig,
): StoreLocation {
  const dataDir = resolveDataDir(options.dataDir ?? config.database.root, env);
  const path = options.db ??
    (options.dataDir === undefined ? config.database.path : undefined) ??
    join(dataDir, DEFAULT_FILE_NAME);
  return { dataDir, path };
}
