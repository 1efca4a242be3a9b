/**
 * The client's view of identities, backed by the store: the packer's entity
 * directory over {@link Accounts} (shared by every session of a process),
 * the saving of metas and documents that arrive, and the local user's keys.
 *
 * @module
 */
import { type ID, parseId } from "../dimp/identity/mod.ts";
import type {
  Attachments,
  EntityDirectory,
  LocalUser,
} from "../dimp/message/mod.ts";
import type { Accounts } from "../store/mod.ts";
import { LocalUserError } from "./errors.ts";

/**
 * The packer's {@link EntityDirectory} over the validating account facade:
 * metas and newest visas come from the store (cached there), group members
 * from its group tables. One per process; every session shares it.
 *
 * @example
 * ```ts ignore
 * const directory = new AccountsDirectory(accounts);
 * await directory.saveAttachments(sender, { meta, visa });
 * ```
 */
export class AccountsDirectory implements EntityDirectory {
  /** The account facade underneath. */
  readonly accounts: Accounts;

  /** A directory over `accounts`. */
  constructor(accounts: Accounts) {
    this.accounts = accounts;
  }

  /** The stored meta of `id`. */
  meta(id: ID): Promise<ReturnType<Accounts["meta"]>> {
    return Promise.resolve(this.accounts.meta(id));
  }

  /** The newest stored visa of `id`. */
  visa(id: ID): Promise<ReturnType<Accounts["visa"]>> {
    return Promise.resolve(this.accounts.visa(id));
  }

  /**
   * The members of a group as the store knows them (what the group's
   * history said; empty when unknown): a message to the group carries the
   * message key for each of them.
   */
  members(group: ID): Promise<readonly ID[]> {
    return Promise.resolve(
      this.accounts.store.groupMembers.get(group.value).map((id) =>
        parseId(id)
      ),
    );
  }

  /** Whether a key to encrypt for `id` is known (visa key, else RSA meta key). */
  canEncryptFor(id: ID): boolean {
    return this.accounts.encryptionKey(id) !== undefined;
  }

  /**
   * Saves the attachments the packer validated (meta first, then visa);
   * refusals (an older visa, a meta already stored) are not errors here.
   */
  async saveAttachments(sender: ID, found: Attachments): Promise<boolean> {
    // the packer's parsed objects: the store checks them all the same, but
    // parses nothing again (the station's meta and visa come with every
    // handshake)
    let saved = false;
    if (found.meta !== undefined) {
      saved = await this.saveMeta(sender, found.meta);
    }
    if (found.visa !== undefined) {
      saved = await this.saveDocuments(sender, undefined, [found.visa]) ||
        saved;
    }
    return saved;
  }

  /** Saves a meta received for `id`; `false` when refused or known. */
  async saveMeta(id: ID, meta: unknown): Promise<boolean> {
    try {
      return (await this.accounts.saveMeta(id, meta)).stored;
    } catch {
      return false; // invalid or another ID's: not stored (messages.md §10)
    }
  }

  /**
   * Saves documents (and the meta they came with) received for `id`;
   * `true` when anything new was stored.
   */
  async saveDocuments(
    id: ID,
    meta: unknown,
    documents: readonly unknown[],
  ): Promise<boolean> {
    const receipt = await this.accounts.receiveDocuments(id, {
      meta,
      documents,
    });
    let saved = receipt.meta?.ok === true && receipt.meta.value.stored;
    for (const result of receipt.documents) {
      if (result.ok && result.value.change !== "unchanged") saved = true;
    }
    return saved;
  }
}

/**
 * The local user as the packer needs it, read from the store: its ID key
 * signs, its message keys (then an RSA ID key) decrypt; its meta and
 * newest visa ride on the first handshake.
 *
 * @throws {LocalUserError} no meta, no ID key or no key that decrypts
 * @example
 * ```ts ignore
 * const user = loadLocalUser(accounts, parseId("alice@…"));
 * ```
 */
export function loadLocalUser(accounts: Accounts, id: ID): LocalUser {
  const me = id.withoutTerminal();
  const meta = accounts.meta(me);
  if (meta === undefined) {
    throw new LocalUserError(me.value, "no meta in the store");
  }
  const signKey = accounts.identityKey(me);
  if (signKey === undefined) {
    throw new LocalUserError(me.value, "its ID private key is not here");
  }
  const decryptKeys = accounts.decryptionKeys(me);
  if (decryptKeys.length === 0) {
    throw new LocalUserError(me.value, "no private key here decrypts for it");
  }
  return { id: me, signKey, decryptKeys, meta, visa: accounts.visa(me) };
}
