/**
 * The station's log: four levels, one line per event, written wherever the
 * owner wants (the CLI: stderr).
 *
 * @module
 */

/** Log levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * Where the station reports what happens.
 *
 * @example
 * ```ts
 * const log: StationLog = levelLog("warn", (line) => console.error(line));
 * log.warn("dropped a message: not JSON");
 * ```
 */
export interface StationLog {
  /** Per-message detail. */
  debug(message: string): void;
  /** Sessions, handshakes, start and stop. */
  info(message: string): void;
  /** Dropped input, refused messages. */
  warn(message: string): void;
  /** Failures of the station itself (store errors, bugs). */
  error(message: string): void;
}

/**
 * A log that writes `LEVEL message` lines at `level` and above.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * levelLog("info", (line) => lines.push(line)).debug("not written");
 * ```
 */
export function levelLog(
  level: LogLevel | "quiet",
  write: (line: string) => void,
): StationLog {
  const min = level === "quiet" ? ORDER.length : ORDER.indexOf(level);
  const at = (name: LogLevel) =>
    ORDER.indexOf(name) >= min
      ? (message: string) => write(`${name.toUpperCase()} ${message}`)
      : () => {};
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/**
 * A log that writes nothing.
 *
 * @example
 * ```ts
 * const log = silentLog();
 * ```
 */
export function silentLog(): StationLog {
  return levelLog("quiet", () => {});
}
