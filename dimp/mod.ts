/**
 * The DIMP protocol core: crypto, identity (Ming-Ke-Ming), messages
 * (Dao-Ke-Dao), contents and commands, and the framing codecs. Pure: no
 * sockets, no disk, no terminal.
 *
 * @module
 */
export * from "./transport/mod.ts";
