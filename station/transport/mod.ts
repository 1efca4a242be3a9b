/**
 * The station port: one listener for MTP, Mars, WebSocket and plain JSON
 * lines, the HTTP status page beside it, and the connections of
 * `client/transport/` it hands to the session layer.
 *
 * @module
 */
export * from "../../client/transport/mod.ts";
export * from "./status_page.ts";
export * from "./listener.ts";
