/**
 * The service bots (station.md §6): the archivist (search, online users,
 * contacts storage) and the group assistant (membership, splitting group
 * messages), DIM clients of any station on the client runtime
 * (`client/`).
 *
 * ```ts ignore
 * import { findBotIdentity, startBot } from "./mod.ts";
 * const { id } = await findBotIdentity(accounts, "archivist");
 * const bot = await startBot("archivist", { accounts, id, port: 9394 });
 * await bot.close();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./identity.ts";
export * from "./archivist.ts";
export * from "./assistant.ts";
export * from "./bot.ts";
export * from "./group_delivery.ts";
