/**
 * Accounts for the facade and CLI tests: new ones made with real keys, as
 * export records, and the row counts that show what was written.
 *
 * @module
 */
import { EntityType, generateAccount } from "../../dimp/identity/mod.ts";
import type { AccountRecord, Store } from "../../store/mod.ts";

/** A new bot account as an export record (with its private keys). */
export async function botRecord(
  options: { seed?: string; now?: number } = {},
): Promise<AccountRecord> {
  const bot = await generateAccount({
    type: EntityType.BOT,
    seed: options.seed ?? "assistant",
    properties: { name: "Service Bot" },
    now: options.now,
  });
  return {
    id: bot.id.value,
    meta: bot.meta.toDictionary(),
    documents: [bot.document.toDictionary()],
    id_private_key: bot.identityKey!.toDictionary(),
    msg_private_keys: bot.messageKeys.map((key) => key.toDictionary()),
  };
}

/** How many metas, documents and private keys the store holds. */
export function accountRowCounts(store: Store): number[] {
  return ["metas", "documents", "private_keys"].map((table) =>
    Number(store.db.statement(`SELECT count(*) AS n FROM ${table}`).get()!.n)
  );
}
