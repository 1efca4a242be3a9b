/**
 * The page's own account: made in the browser (ECC ID key, RSA message key,
 * visa with the name, as `dim register` makes a user), read from and written
 * as the JSON of `dim register export --private`.
 *
 * @module
 */
import { parsePrivateKey, type PrivateKey } from "../../dimp/crypto/mod.ts";
import {
  checkDocumentAcceptance,
  Document,
  EntityType,
  generateAccount,
  Meta,
  parseId,
} from "../../dimp/identity/mod.ts";
import type { LocalUser } from "../../dimp/message/mod.ts";

/**
 * The account as `dim register export --private` prints it.
 *
 * @example
 * ```ts ignore
 * const record: AccountRecord = JSON.parse(await file.text());
 * ```
 */
export interface AccountRecord {
  /** The ID. */
  readonly id: string;
  /** The meta dictionary. */
  readonly meta: Record<string, unknown>;
  /** The documents (the visa). */
  readonly documents: readonly Record<string, unknown>[];
  /** The ID (meta) private key. */
  readonly id_private_key: Record<string, unknown>;
  /** The message (visa) private keys, newest first. */
  readonly msg_private_keys: readonly Record<string, unknown>[];
}

/**
 * An import that is not a usable account, with what is wrong.
 *
 * @example
 * ```ts
 * import { AccountImportError } from "./account.ts";
 * new AccountImportError("the account has no visa").name; // "AccountImportError"
 * ```
 */
export class AccountImportError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "AccountImportError";
  }
}

/**
 * A new user account named `name`, keys made here.
 *
 * @example
 * ```ts ignore
 * const record = await createAccount("alice");
 * record.id; // a bare ETH address, e.g. "0x…"
 * ```
 */
export async function createAccount(name: string): Promise<AccountRecord> {
  const account = await generateAccount({
    type: EntityType.USER,
    properties: { name },
  });
  return {
    id: account.id.value,
    meta: account.meta.toDictionary(),
    documents: [account.document.toDictionary()],
    id_private_key: account.identityKey!.toDictionary(),
    msg_private_keys: account.messageKeys.map((key) => key.toDictionary()),
  };
}

function _object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AccountImportError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks an account record (from an import file or the page's storage) and
 * makes the local user of it: the meta matches the ID, the ID key is the
 * meta's, a visa verifies and a message key decrypts for it.
 *
 * @throws {AccountImportError} it is not a usable account
 * @example
 * ```ts ignore
 * const user = await openAccount(JSON.parse(text));
 * ```
 */
export async function openAccount(
  value: unknown,
): Promise<{ record: AccountRecord; user: LocalUser; name: string }> {
  const record = _object(value, "the account");
  try {
    if (typeof record.id !== "string") {
      throw new AccountImportError('the account has no "id"');
    }
    const id = parseId(record.id).withoutTerminal();
    if (!id.isUser) throw new AccountImportError(`${id.value} is not a user`);
    const meta = Meta.parse(record.meta);
    await meta.checkId(id);
    const signKey = parsePrivateKey(record.id_private_key);
    if (!signKey.publicKey.equals(meta.key)) {
      throw new AccountImportError("the ID private key is not the meta's");
    }
    if (!Array.isArray(record.msg_private_keys)) {
      throw new AccountImportError('the account has no "msg_private_keys"');
    }
    const decryptKeys: PrivateKey[] = record.msg_private_keys.map((key) =>
      parsePrivateKey(key)
    );
    if (!Array.isArray(record.documents)) {
      throw new AccountImportError('the account has no "documents"');
    }
    let visa: Document | undefined;
    for (const dict of record.documents) {
      const document = Document.parse(dict);
      await checkDocumentAcceptance(document, { id, meta });
      if (
        document.visaKey() !== undefined &&
        (document.time ?? 0) > (visa?.time ?? -1)
      ) visa = document;
    }
    const visaKey = visa?.visaKey();
    if (visa === undefined || visaKey === undefined) {
      throw new AccountImportError("the account has no visa");
    }
    if (!decryptKeys.some((key) => key.publicKey.equals(visaKey))) {
      throw new AccountImportError("no message private key is the visa's");
    }
    return {
      record: {
        id: id.value,
        meta: meta.toDictionary(),
        documents: record.documents as Record<string, unknown>[],
        id_private_key: signKey.toDictionary(),
        msg_private_keys: decryptKeys.map((key) => key.toDictionary()),
      },
      user: { id, signKey, decryptKeys, meta, visa },
      name: visa.name ?? "",
    };
  } catch (error) {
    if (error instanceof AccountImportError) throw error;
    throw new AccountImportError(
      `not a DIM account: ${(error as Error).message}`,
    );
  }
}
