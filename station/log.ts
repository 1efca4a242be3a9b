/**
 * What the station logs to: four levels, one line per event. `dim station`
 * gives it the structured logger of `station/logger.ts`; tests and tools
 * may give it anything with these four methods.
 *
 * @module
 */

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
  debug(message: string): void;
  /** Sessions, handshakes, start and stop. */
  info(message: string): void;
  /** Dropped input, refused messages. */
  warn(message: string): void;
  /** Failures of the station itself (store errors, bugs). */
  error(message: string): void;
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
