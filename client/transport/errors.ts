/**
 * Errors of station-port connections.
 *
 * @module
 */
import type { CloseInfo } from "./connection.ts";

/**
 * How a connection ended when its socket failed with `error`: `peer` when
 * the error only says the peer went away (reset, broken pipe, aborted, not
 * connected), else an `io-error` carrying it.
 *
 * @example
 * ```ts
 * import { closeInfoOf } from "./errors.ts";
 * console.assert(closeInfoOf(new Deno.errors.BrokenPipe("gone")).reason === "peer");
 * console.assert(closeInfoOf(new Error("disk full")).reason === "io-error");
 * ```
 */
export function closeInfoOf(error: unknown): CloseInfo {
  const peerGone = error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected;
  return peerGone
    ? { reason: "peer" }
    : { reason: "io-error", error: error as Error };
}

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
