/**
 * The error every framing codec raises for input it cannot accept.
 *
 * @module
 */

/**
 * Why a byte stream was rejected:
 * - `too-large`: a frame, package, line, upgrade request or fragment set over
 *   the configured cap (checked from the header, before buffering the body);
 * - `junk`: too many bytes that are no frame of the framing (MTP/Mars resync);
 * - `protocol`: a frame the framing forbids (WebSocket reserved bits or opcode,
 *   a fragmented control frame, a bad continuation, a bad upgrade request);
 * - `invalid-utf8`: a WebSocket TEXT message that is not UTF-8;
 * - `too-many-lines`: a payload with more JSON lines than allowed.
 */
export type FramingErrorReason =
  | "too-large"
  | "junk"
  | "protocol"
  | "invalid-utf8"
  | "too-many-lines";

/**
 * A framing violation. The connection that produced it is closed (after the
 * framing's own error signal, where it has one: a WebSocket close frame or an
 * HTTP 400/431).
 *
 * @example
 * ```ts
 * import { FramingError } from "./errors.ts";
 * const error = new FramingError("too-large", "MTP body of 2147483648 bytes");
 * console.assert(error.reason === "too-large");
 * ```
 */
export class FramingError extends Error {
  /** The kind of violation. */
  readonly reason: FramingErrorReason;

  /** An error of kind `reason` with a human-readable `message`. */
  constructor(reason: FramingErrorReason, message: string) {
    super(message);
    this.name = "FramingError";
    this.reason = reason;
  }
}
