/**
 * DIM commands (spec messages.md §8): the command base class and every
 * command a station or client exchanges — handshake, login, report, meta,
 * documents, receipt, block, mute, ans, search, storage, and the group
 * commands — with typed constructors and lenient accessors. Unknown command
 * names stay plain `Command` objects.
 *
 * @example
 * ```ts
 * import { HandshakeCommand, parseCommand } from "./mod.ts";
 *
 * const offer = HandshakeCommand.offer();
 * parseCommand(offer.dictionary) instanceof HandshakeCommand; // true
 * ```
 *
 * @module
 */
export * from "./command.ts";
export * from "./handshake.ts";
export * from "./login.ts";
export * from "./report.ts";
export * from "./meta.ts";
export * from "./documents.ts";
export * from "./receipt.ts";
export { ListCommand } from "./_list_command.ts";
export * from "./block.ts";
export * from "./mute.ts";
export * from "./ans.ts";
export * from "./search.ts";
export * from "./storage.ts";
export * from "./group.ts";
export * from "./factory.ts";
