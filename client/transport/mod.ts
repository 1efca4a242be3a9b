/**
 * Connections to a station's port: the {@linkcode Connection} interface the
 * session layer talks through whatever the framing and side, the stream
 * connection under it, its limits, and the dialing side.
 *
 * @module
 */
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./ready_waiters.ts";
export * from "./end_of_turn.ts";
export * from "./limits.ts";
export * from "./dial.ts";
export * from "./sweep.ts";
