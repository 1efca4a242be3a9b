/**
 * The error of a bench that could not run.
 *
 * @module
 */

/**
 * The bench could not run: a user could not connect or handshake.
 *
 * @example
 * ```ts
 * import { BenchError } from "./bench_error.ts";
 * const error = new BenchError("127.0.0.1:9394: connection refused");
 * error.name; // "BenchError"
 * ```
 */
export class BenchError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BenchError";
  }
}
