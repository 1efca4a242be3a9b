/**
 * Typed errors of the station.
 *
 * @module
 */

/**
 * Base class of the station's own errors.
 */
export class StationError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StationError";
  }
}

/**
 * The station cannot run as the configured identity: its ID is not in the
 * store, its signing or decryption keys are missing, or several station
 * accounts are stored and none is chosen (station.md §2.1).
 */
export class StationIdentityError extends StationError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StationIdentityError";
  }
}

/**
 * The station cannot listen on its address (in use, not on this host, a
 * port below 1024 without the capability); `cause` is the system's error.
 *
 * @example
 * ```ts
 * import { StationListenError } from "./errors.ts";
 * new StationListenError("0.0.0.0", 9394, new Deno.errors.AddrInUse("os error 98")).message;
 * // "cannot listen on 0.0.0.0:9394: os error 98"
 * ```
 */
export class StationListenError extends StationError {
  /** The address it tried. */
  readonly hostname: string;
  /** The port it tried. */
  readonly port: number;

  /** Creates the error for `hostname:port` from the system's `cause`. */
  constructor(hostname: string, port: number, cause: unknown) {
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    super(`cannot listen on ${host}:${port}: ${(cause as Error).message}`, {
      cause,
    });
    this.name = "StationListenError";
    this.hostname = hostname;
    this.port = port;
  }
}
