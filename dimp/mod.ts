/**
 * The DIMP protocol core: crypto, identity (Ming-Ke-Ming), messages
 * (Dao-Ke-Dao), contents and commands, and the framing codecs. Pure: no
 * sockets, no disk, no terminal.
 *
 * @module
 */
export * from "./crypto/mod.ts";
export * from "./identity/mod.ts";
export * from "./content/mod.ts";
export * from "./command/mod.ts";
export * from "./message/mod.ts";
export * from "./transport/mod.ts";
