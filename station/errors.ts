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
