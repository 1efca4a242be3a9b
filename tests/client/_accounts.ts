/**
 * Accounts for the client-runtime tests: new users, bots and stations made
 * by the real generator, stored in a real SQLite file in a temp directory.
 *
 * @module
 */
import {
  EntityType,
  generateAccount,
  type GeneratedAccount,
  MetaType,
} from "../../dimp/identity/mod.ts";
import type { ReceivedMessage } from "../../client/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import { type LocalUser, MessagePacker } from "../../dimp/message/mod.ts";
import { accountRecord, Accounts, Store } from "../../store/mod.ts";

/** A temp directory with a store, closed and removed on dispose. */
export interface TempAccounts extends AsyncDisposable {
  readonly dir: string;
  readonly accounts: Accounts;
}

/** Opens a store in a new temp directory. */
export function tempAccounts(): TempAccounts {
  const dir = Deno.makeTempDirSync({ prefix: "dim-runtime-test-" });
  const accounts = new Accounts(Store.open({ dataDir: dir }));
  return {
    dir,
    accounts,
    [Symbol.asyncDispose]() {
      accounts.store.close();
      Deno.removeSync(dir, { recursive: true });
      return Promise.resolve();
    },
  };
}

/** A new account of `type` (user: ETH meta; others MKM with `name` as seed). */
export async function newAccount(
  name: string,
  type: number = EntityType.USER,
): Promise<GeneratedAccount> {
  return await generateAccount({
    type,
    metaType: type === EntityType.USER ? MetaType.ETH : MetaType.MKM,
    seed: type === EntityType.USER ? undefined : name,
    properties: { name },
  });
}

/** Stores a generated account with its private keys. */
export async function storeAccount(
  accounts: Accounts,
  account: GeneratedAccount,
): Promise<void> {
  await accounts.saveAccount(accountRecord(account));
}

/** Stores only the public part (meta and visa) of an account. */
export async function storePublic(
  accounts: Accounts,
  account: GeneratedAccount,
): Promise<void> {
  await accounts.saveMeta(account.id, account.meta.toDictionary());
  await accounts.saveDocument(account.document.toDictionary());
}

/** The packer's local user of a generated account. */
export function localUser(account: GeneratedAccount): LocalUser {
  return {
    id: account.id,
    signKey: account.identityKey!,
    decryptKeys: [...account.messageKeys],
    meta: account.meta,
    visa: account.document,
  };
}

/**
 * A message from `from` to `to` as `to`'s session hands it over (packed by
 * one, verified and opened by the other).
 */
export async function receivedBy(
  to: GeneratedAccount,
  from: GeneratedAccount,
  content: Content,
): Promise<ReceivedMessage> {
  const packer = (me: GeneratedAccount, peer: GeneratedAccount) =>
    new MessagePacker({
      user: localUser(me),
      directory: {
        meta: () => Promise.resolve(peer.meta),
        visa: () => Promise.resolve(peer.document),
        members: () => Promise.resolve([]),
      },
    });
  const reliable = await packer(from, to).packContent(to.id, content);
  const instant = await packer(to, from).unpack(reliable);
  return {
    sender: from.id,
    receiver: to.id,
    content: instant.content,
    time: instant.time,
    group: undefined,
    fromStation: false,
    instant,
    reliable,
  };
}
