/**
 * Errors of station-port connections.
 *
 * @module
 */

/**
 * Lines of a payload were dropped because they were not UTF-8 (reported to
 * `onError`; the connection goes on, transport.md §8).
 *
 * @example
 * ```ts
 * import { DiscardedLinesError } from "./errors.ts";
 * console.assert(new DiscardedLinesError(2, "line is not UTF-8").count === 2);
 * ```
 */
export class DiscardedLinesError extends Error {
  /** How many lines were dropped. */
  readonly count: number;

  /** `count` lines dropped for `why`. */
  constructor(count: number, why: string) {
    super(`${count} line(s) dropped: ${why}`);
    this.name = "DiscardedLinesError";
    this.count = count;
  }
}

/**
 * A client connection could not be established: the TCP connect, the
 * WebSocket upgrade or the handshake timeout failed.
 *
 * @example
 * ```ts
 * import { DialError } from "./errors.ts";
 * console.assert(new DialError("refused").name === "DialError");
 * ```
 */
export class DialError extends Error {
  /** A dial failure described by `message`, caused by `cause`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DialError";
  }
}
