/**
 * The framings of the DIM station port, as pure codecs and endpoint state
 * machines (no sockets): MTP, Mars, WebSocket, plain JSON lines, the sniffer
 * that tells them apart, and the payload rules they share.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./payload.ts";
export * from "./byte_slab.ts";
export * from "./mtp.ts";
export * from "./mars.ts";
export * from "./http.ts";
export * from "./websocket.ts";
export * from "./json_lines.ts";
export * from "./sniff.ts";
export * from "./endpoint.ts";
export * from "./create_endpoint.ts";
