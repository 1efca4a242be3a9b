/**
 * Counts the SQL statements `node:sqlite` runs while a function runs: every
 * `run`, `get`, `all` and `iterate` of a prepared statement, by its SQL (the
 * real calls, on the real file: only counted on the way).
 *
 * @module
 */
import { StatementSync } from "node:sqlite";

type Method = "run" | "get" | "all" | "iterate";
const METHODS: readonly Method[] = ["run", "get", "all", "iterate"];

/** What {@link countStatements} saw: the SQL of each statement run, in order. */
export interface StatementLog<T> {
  /** What `fn` returned. */
  readonly result: T;
  /** The SQL of each statement run, whitespace collapsed, in order. */
  readonly sql: readonly string[];
}

/**
 * Runs `fn` and logs every statement it runs.
 *
 * @example
 * ```ts ignore
 * const { sql } = countStatements(() => store.messages.load("bob@x"));
 * sql.length; // 1
 * ```
 */
export function countStatements<T>(fn: () => T): StatementLog<T> {
  const sql: string[] = [];
  const prototype = StatementSync.prototype as unknown as Record<
    Method,
    (this: StatementSync, ...args: unknown[]) => unknown
  >;
  const originals = METHODS.map((method) => prototype[method]);
  METHODS.forEach((method, i) => {
    const original = originals[i];
    prototype[method] = function (this: StatementSync, ...args: unknown[]) {
      sql.push(this.sourceSQL.replace(/\s+/g, " ").trim());
      return original.apply(this, args);
    };
  });
  try {
    return { result: fn(), sql };
  } finally {
    METHODS.forEach((method, i) => {
      prototype[method] = originals[i];
    });
  }
}
