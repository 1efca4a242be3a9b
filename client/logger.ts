/**
 * The structured logger of `dim` (station, bots, command line): four levels,
 * one line per event as JSON (`{"time":…,"level":…,"msg":…,…fields}`) or as
 * readable text (`2026-01-02T03:04:05.678Z INFO  msg key=value`), written to
 * stderr unless told otherwise.
 *
 * Nothing secret reaches a line: fields named like secrets (`privateKey`,
 * `secret`, `password`, `sessionKey`, `key`, `keys`, `token`, `credential`,
 * `authorization`, `cookie`, `seed`, …) are replaced by `"[redacted]"`, so
 * are hex session keys under a name containing `session`, key objects
 * (`{"algorithm": …, "data": …}`) and PEM private keys anywhere in a string
 * (the message included).
 *
 * A logger and all its children share one level: `setLevel` on any of them
 * (e.g. on SIGHUP) changes what all of them write.
 *
 * `Logger` satisfies the station's `StationLog` interface (`debug`, `info`,
 * `warn`, `error` taking a message).
 *
 * @module
 */

/** The levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A level, or `quiet` for nothing at all. */
export type LogThreshold = LogLevel | "quiet";

/** `json`: one JSON object per line; `text`: readable `key=value` lines. */
export type LogFormat = "json" | "text";

/** Fields of one line (or bound to a child logger). */
export type LogFields = Readonly<Record<string, unknown>>;

/** Every threshold, most verbose first. */
export const LOG_THRESHOLDS: readonly LogThreshold[] = [
  "debug",
  "info",
  "warn",
  "error",
  "quiet",
];

/** Every format. */
export const LOG_FORMATS: readonly LogFormat[] = ["json", "text"];

/** The replacement of a secret value. */
export const REDACTED = "[redacted]";

/**
 * A log level or format that does not exist.
 *
 * @example
 * ```ts
 * try { parseLogLevel("loud"); } catch (e) { e instanceof LogOptionError; }
 * ```
 */
export class LogOptionError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "LogOptionError";
  }
}

/**
 * Reads a threshold (`debug`, `info`, `warn`, `error`, `quiet`; any case;
 * `warning` is `warn`).
 *
 * @throws {LogOptionError} another word
 * @example
 * ```ts
 * parseLogLevel("WARNING"); // "warn"
 * ```
 */
export function parseLogLevel(text: string): LogThreshold {
  const word = text.trim().toLowerCase();
  const level = word === "warning" ? "warn" : word;
  if (!(LOG_THRESHOLDS as readonly string[]).includes(level)) {
    throw new LogOptionError(
      `log level must be one of ${LOG_THRESHOLDS.join(", ")}, not "${text}"`,
    );
  }
  return level as LogThreshold;
}

/**
 * Reads a format (`json` or `text`, any case).
 *
 * @throws {LogOptionError} another word
 * @example
 * ```ts
 * parseLogFormat("JSON"); // "json"
 * ```
 */
export function parseLogFormat(text: string): LogFormat {
  const format = text.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new LogOptionError(
      `log format must be one of ${LOG_FORMATS.join(", ")}, not "${text}"`,
    );
  }
  return format as LogFormat;
}

/** How a root logger writes. */
export interface LoggerOptions {
  /** The lowest level written (default `info`). */
  readonly level?: LogThreshold;
  /** The line format (default `text`). */
  readonly format?: LogFormat;
  /** Where each line goes, without its newline (default: stderr). */
  readonly sink?: (line: string) => void;
  /** The clock (default `new Date()`). */
  readonly now?: () => Date;
  /** Fields on every line. */
  readonly fields?: LogFields;
}

const RANK: Readonly<Record<LogThreshold, number>> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  quiet: 4,
};

// field names whose values are secrets, compared without case, '_' and '-'
const SECRET_NAMES = new Set([
  "privatekey",
  "private",
  "secret",
  "secretkey",
  "secrets",
  "password",
  "passwd",
  "passphrase",
  "sessionkey",
  "key",
  "keys",
  "token",
  "devicetoken",
  "accesstoken",
  "credential",
  "credentials",
  "authorization",
  "cookie",
  "seed",
  "mnemonic",
]);

const PEM_PRIVATE =
  /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

const MAX_DEPTH = 6;

function isSecretName(name: string): boolean {
  const plain = name.toLowerCase().replace(/[_-]/g, "");
  return SECRET_NAMES.has(plain) || plain.endsWith("privatekey") ||
    plain.endsWith("secret") || plain.endsWith("password");
}

// a DIM session key (64 hex digits) under a name like `session`
function isSessionKey(name: string, value: unknown): boolean {
  return typeof value === "string" && /session/i.test(name) &&
    /^[0-9a-f]{32,}$/i.test(value);
}

function isSecret(name: string, value: unknown): boolean {
  return isSecretName(name) || isSessionKey(name, value);
}

function isKeyObject(value: Record<string, unknown>): boolean {
  return typeof value.algorithm === "string" && "data" in value;
}

function redactString(text: string): string {
  return text.includes("PRIVATE KEY-----")
    ? text.replace(PEM_PRIVATE, REDACTED)
    : text;
}

/**
 * A copy of `value` safe to log: secret-named fields, key objects and PEM
 * private keys replaced by `"[redacted]"`; errors as `{name, message}`;
 * bigints, dates and byte arrays as strings; cycles and depth cut.
 *
 * @example
 * ```ts
 * redact({ user: "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk", privateKey: { algorithm: "ECC", data: "…" } });
 * // { user: "moki@…", privateKey: "[redacted]" }
 * ```
 */
export function redact(value: unknown): unknown {
  return clean(value, 0, new Set());
}

function clean(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
      return redactString(value);
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "function":
    case "symbol":
      return String(value);
    case "undefined":
      return null;
    case "boolean":
      return value;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) return object.toISOString();
  if (object instanceof Error) {
    return {
      name: object.name,
      message: redactString(object.message),
    };
  }
  if (object instanceof Uint8Array) return `<${object.length} bytes>`;
  if (seen.has(object)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[…]";
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item) => clean(item, depth + 1, seen));
    }
    if (object instanceof Map) {
      return clean(Object.fromEntries(object), depth, seen);
    }
    if (object instanceof Set) return clean([...object], depth, seen);
    const record = object as Record<string, unknown>;
    if (isKeyObject(record)) return REDACTED;
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(record)) {
      out[name] = isSecret(name, item)
        ? REDACTED
        : clean(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

function cleanFields(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fields === undefined) return out;
  for (const [name, value] of Object.entries(fields)) {
    out[name] = isSecret(name, value) ? REDACTED : clean(value, 1, new Set());
  }
  return out;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  let bytes = encoder.encode(line + "\n");
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
}

function textValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text !== "" && /^[!#-<>-[\]-~\u00a0-\uffff]+$/.test(text)
    ? text
    : JSON.stringify(text);
}

/** The settings every logger of one tree shares. */
interface Shared {
  rank: number;
  level: LogThreshold;
  readonly format: LogFormat;
  readonly sink: (line: string) => void;
  readonly now: () => Date;
}

/**
 * A structured logger. `Logger.create()` makes a root; `child(fields)` a
 * logger that adds `fields` to every line and shares the root's level.
 *
 * @example
 * ```ts
 * const log = Logger.create({ level: "info", format: "json" });
 * const conn = log.child({ conn: 7, remote: "127.0.0.1:50122", framing: "mtp" });
 * conn.info("connection open");
 * conn.warn("handshake failed", { reason: "unknown title" });
 * log.setLevel("debug"); // SIGHUP: every child writes debug lines now
 * ```
 */
export class Logger {
  readonly #shared: Shared;
  readonly #fields: Record<string, unknown>;

  private constructor(shared: Shared, fields: Record<string, unknown>) {
    this.#shared = shared;
    this.#fields = fields;
  }

  /**
   * A root logger.
   *
   * @example
   * ```ts
   * const lines: string[] = [];
   * const log = Logger.create({ format: "json", sink: (line) => lines.push(line) });
   * ```
   */
  static create(options: LoggerOptions = {}): Logger {
    const level = options.level ?? "info";
    return new Logger({
      level,
      rank: RANK[level],
      format: options.format ?? "text",
      sink: options.sink ?? writeStderr,
      now: options.now ?? (() => new Date()),
    }, cleanFields(options.fields));
  }

  /**
   * The current level (shared by the whole tree).
   */
  get level(): LogThreshold {
    return this.#shared.level;
  }

  /**
   * The line format.
   */
  get format(): LogFormat {
    return this.#shared.format;
  }

  /**
   * Changes the level of this logger, its root and every child.
   */
  setLevel(level: LogThreshold): void {
    if (!(level in RANK)) throw new LogOptionError(`no log level "${level}"`);
    this.#shared.level = level;
    this.#shared.rank = RANK[level];
  }

  /**
   * Whether lines of `level` are written now (to skip building costly fields).
   */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#shared.rank;
  }

  /**
   * A logger adding `fields` to every line (after this logger's own).
   */
  child(fields: LogFields): Logger {
    return new Logger(this.#shared, {
      ...this.#fields,
      ...cleanFields(fields),
    });
  }

  /**
   * Per-message detail.
   */
  debug(msg: string, fields?: LogFields): void {
    if (this.#shared.rank <= 0) this.#write("debug", msg, fields);
  }

  /**
   * Connections, handshakes, start and stop.
   */
  info(msg: string, fields?: LogFields): void {
    if (this.#shared.rank <= 1) this.#write("info", msg, fields);
  }

  /**
   * Refused input, dropped messages.
   */
  warn(msg: string, fields?: LogFields): void {
    if (this.#shared.rank <= 2) this.#write("warn", msg, fields);
  }

  /**
   * Failures of the program itself.
   */
  error(msg: string, fields?: LogFields): void {
    if (this.#shared.rank <= 3) this.#write("error", msg, fields);
  }

  #write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    const shared = this.#shared;
    const time = shared.now().toISOString();
    const all = fields === undefined
      ? this.#fields
      : { ...this.#fields, ...cleanFields(fields) };
    const text = redactString(msg);
    let line: string;
    if (shared.format === "json") {
      line = `{"time":"${time}","level":"${level}","msg":${
        JSON.stringify(text)
      }`;
      for (const [name, value] of Object.entries(all)) {
        // a field never overwrites the fixed keys
        const key = name === "time" || name === "level" || name === "msg"
          ? `field.${name}`
          : name;
        line += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
      }
      line += "}";
    } else {
      line = `${time} ${level.toUpperCase().padEnd(5)} ${
        text.replace(/[\r\n]+/g, " ")
      }`;
      for (const [name, value] of Object.entries(all)) {
        line += ` ${name}=${textValue(value)}`;
      }
    }
    try {
      shared.sink(line);
    } catch {
      // a log line that cannot be written is lost, never thrown at the caller
    }
  }
}
