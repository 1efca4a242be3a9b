/**
 * DIM identity (Ming-Ke-Ming): entity types, IDs, addresses, metas and
 * documents with the exact rules of the DIM references (spec identity.md
 * §4–§7, §9). Pure: no sockets, no disk.
 *
 * @example
 * ```ts
 * import { EntityType, generateAccount } from "./mod.ts";
 *
 * const bot = await generateAccount({ type: EntityType.BOT, seed: "assistant" });
 * await bot.meta.checkId(bot.id); // the ID is derived from the meta
 * await bot.document.checkSignature(bot.meta.key); // the visa is signed
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./entity_type.ts";
export * from "./address.ts";
export * from "./id.ts";
export * from "./meta.ts";
export * from "./document.ts";
export * from "./document_policy.ts";
export * from "./account.ts";
