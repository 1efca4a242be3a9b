/**
 * What the station logs to: four levels, one line per event, with optional
 * fields (`{ conn: 7, remote: "10.0.0.5:51234", user: "moki@…" }`). `dim
 * station` gives it the structured logger of `client/logger.ts`; tests and
 * tools may give it anything with these four methods.
 *
 * @module
 */

/** Fields of one line. */
export type StationLogFields = Readonly<Record<string, unknown>>;

/**
 * Where the station reports what happens.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log: StationLog = {
 *   debug: () => {},
 *   info: (m) => lines.push(m),
 *   warn: (m) => lines.push(m),
 *   error: (m) => lines.push(m),
 * };
 * ```
 */
export interface StationLog {
  /** Per-message detail. */
  debug(message: string, fields?: StationLogFields): void;
  /** Sessions, handshakes, start and stop. */
  info(message: string, fields?: StationLogFields): void;
  /** Dropped input, refused messages. */
  warn(message: string, fields?: StationLogFields): void;
  /** Failures of the station itself (store errors, bugs). */
  error(message: string, fields?: StationLogFields): void;
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
  const nothing = () => {};
  return { debug: nothing, info: nothing, warn: nothing, error: nothing };
}
