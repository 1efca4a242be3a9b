/**
 * The client runtime: one local user's session with a DIM station — the
 * code `dim client`, the bots, the station bridge and `dim bench` share.
 *
 * ```ts ignore
 * import { ClientSession } from "./mod.ts";
 * const session = new ClientSession({ accounts, user: alice, port: 9394 });
 * await session.connect();
 * const sent = await session.send(bob, TextContent.create("hi"));
 * (await sent.stationReceipt()).text; // "Message delivered." / "Message cached."
 * await session.close();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./handshake.ts";
export * from "./receipts.ts";
export * from "./directory.ts";
export * from "./groups.ts";
export * from "./group_client.ts";
export * from "./session.ts";
export * from "./session_options.ts";
export * from "./received_message.ts";
