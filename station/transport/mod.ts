/**
 * The station port and client connections to it: one listener for MTP, Mars,
 * WebSocket and plain JSON lines, and one {@linkcode Connection} interface
 * for the session layer whatever the framing and side.
 *
 * @module
 */
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./status_page.ts";
export * from "./listener.ts";
export * from "./dial.ts";
