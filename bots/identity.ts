/**
 * A bot's own identity (station.md §6.1, §2.5): an account of type BOT
 * whose private keys are in the store. Which one: the ID `[ans] <name>`
 * names; else the ID the store's ANS record `<name>` names, when its keys
 * are here (an earlier first run made it); else a new one — ECC ID key, RSA
 * visa key, MKM meta with the seed `<name>`, visa named `<name>` — made and
 * stored on this run, like the station's own. The store's ANS record is
 * then set to it, so that a station on the same store resolves
 * `<name>@anywhere` to the bot (the config's `[ans]` wins there).
 *
 * @module
 */
import {
  EntityType,
  generateAccount,
  type ID,
  tryParseId,
} from "../dimp/identity/mod.ts";
import { accountRecord, type Accounts } from "../store/mod.ts";
import { BotIdentityError } from "./errors.ts";

/** A bot's ID, and whether this run made it. */
export interface BotIdentity {
  /** The bot's ID (naked). */
  readonly id: ID;
  /** Whether this run made (and stored) it. */
  readonly created: boolean;
}

/**
 * Finds (or makes) the identity of the bot `name` (see the module notes).
 *
 * @throws {BotIdentityError} the configured ID is not a bot or its keys are not here
 * @example
 * ```ts ignore
 * const { id, created } = await findBotIdentity(accounts, "archivist", config.ans.get("archivist"));
 * ```
 */
export async function findBotIdentity(
  accounts: Accounts,
  name: string,
  configured?: ID,
): Promise<BotIdentity> {
  if (configured !== undefined) {
    const id = configured.withoutTerminal();
    checkKeys(accounts, name, id, `[ans] ${name}`);
    return { id, created: false };
  }
  const recorded = tryParseId(accounts.store.ans.get(name) ?? "");
  if (
    recorded !== undefined && recorded.type === EntityType.BOT &&
    accounts.identityKey(recorded) !== undefined
  ) {
    checkKeys(accounts, name, recorded, `the store's ANS record ${name}`);
    return { id: recorded, created: false };
  }
  const account = await generateAccount({
    type: EntityType.BOT,
    seed: name,
    properties: { name },
  });
  await accounts.saveAccount(accountRecord(account));
  accounts.store.ans.set(name, account.id.value);
  return { id: account.id, created: true };
}

function checkKeys(accounts: Accounts, name: string, id: ID, from: string) {
  if (id.type !== EntityType.BOT) {
    throw new BotIdentityError(name, `${from} = ${id.value} is not a bot ID`);
  }
  const meta = accounts.meta(id);
  const signKey = accounts.identityKey(id);
  if (
    meta === undefined || signKey === undefined ||
    !signKey.publicKey.equals(meta.key)
  ) {
    throw new BotIdentityError(
      name,
      `${from} = ${id.value}, but its meta and private key are not in the store ${accounts.store.db.path} (dim register import, or leave it out to make one)`,
    );
  }
  if (accounts.decryptionKeys(id).length === 0) {
    throw new BotIdentityError(
      name,
      `the store has no decryption key of ${id.value} (an RSA message key)`,
    );
  }
}
