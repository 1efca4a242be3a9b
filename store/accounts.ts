/**
 * The validating account facade over the store: metas, documents and
 * private keys go in only after the identity checks (station.md §5.3,
 * identity.md §7.3, §9.5), and come out as parsed objects.
 *
 * - A meta must be valid and match its ID; the first one stored stays
 *   (another valid one is ignored, and the result says so).
 * - A document needs its ID's meta (stored, or given with it), a signature
 *   that verifies with the meta key, a `time` at most 30 minutes ahead and
 *   not older than the newest stored document of its type.
 * - Whatever is refused throws a typed error and writes nothing; see
 *   {@link metaRefusalText} / {@link documentRefusalText} for the station
 *   replies.
 *
 * Parsed metas and the newest visas are cached (the station reads them on
 * every handshake and reply), and so is an ID's missing meta (a new user's
 * first handshake looks for it three times before storing it; such an ID
 * has no visa either, which is not looked for); saving
 * through the facade drops the entries it changes, and a change committed
 * by another connection (another process on the same file) clears the
 * document cache and the missing metas within a second (`recheckMs`).
 *
 * Private keys never leave except as key objects ({@link Accounts.identityKey},
 * {@link Accounts.decryptionKeys}) or in an export that asks for them.
 *
 * @module
 */
import {
  parsePrivateKey,
  type PrivateKey,
  type PublicKey,
} from "../dimp/crypto/mod.ts";
import {
  checkDocumentAcceptance,
  Document,
  DocumentRejectedError,
  DocumentType,
  type GeneratedAccount,
  type ID,
  Meta,
  newestDocument,
  parseId,
} from "../dimp/identity/mod.ts";
import {
  AccountFormatError,
  MetaNotFoundError,
  PrivateKeyMismatchError,
} from "./account_errors.ts";
import type { DocumentSaveResult as DocumentChange } from "./documents.ts";
import type { MetaWithDocument } from "./metas.ts";
import type { Store } from "./store.ts";
import type { JsonObject } from "./_values.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";

export type { DocumentChange };

/** Options of the facade. */
export interface AccountsOptions {
  /** The clock in seconds (default `Date.now() / 1000`): the 30-minute rule. */
  readonly now?: () => number;
  /** How many parsed metas and visas are cached each (default 10,000). */
  readonly cacheSize?: number;
  /**
   * How often, in ms, the visa cache and the missing metas look for commits
   * of other connections (other processes on the same file); default 1000.
   * Writes through this facade show at once.
   */
  readonly recheckMs?: number;
}

/** What {@link Accounts.saveMeta} did. */
export interface SavedMeta {
  /** The ID (naked). */
  readonly id: ID;
  /** The meta now stored for the ID (the earlier one when `stored` is false). */
  readonly meta: Meta;
  /** `true` when this meta was written, `false` when the ID had one already. */
  readonly stored: boolean;
}

/** What {@link Accounts.saveDocument} did. */
export interface SavedDocument {
  /** The ID the document is stored under (naked). */
  readonly id: ID;
  /** The document as accepted. */
  readonly document: Document;
  /** `added`, `replaced` (same type and `created_time`) or `unchanged` (identical). */
  readonly change: DocumentChange;
}

/** A result or the error that refused it. */
export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** What {@link Accounts.receiveDocuments} did with each part of an upload. */
export interface DocumentsReceipt {
  /** The meta's outcome, when one came with the documents. */
  readonly meta?: Settled<SavedMeta>;
  /** Each document's outcome, in the order given. */
  readonly documents: readonly Settled<SavedDocument>[];
}

/**
 * An account as `dim register export` writes it and `import` reads it: the
 * meta and documents exactly as they travel on the wire, and — only when
 * asked for — the private keys.
 */
export interface AccountRecord {
  /** The ID (naked). */
  id: string;
  /** The meta dictionary. */
  meta: JsonObject;
  /** Every stored document, in the order received. */
  documents: JsonObject[];
  /** The ID (meta) private key. */
  id_private_key?: JsonObject;
  /** The message (visa) private keys, newest first. */
  msg_private_keys?: JsonObject[];
}

/**
 * A generated account as the record `saveAccount` stores (and `export`
 * prints): meta, first document and private keys.
 *
 * @example
 * ```ts ignore
 * await accounts.saveAccount(accountRecord(await generateAccount({ type: EntityType.USER })));
 * ```
 */
export function accountRecord(account: GeneratedAccount): AccountRecord {
  const record: AccountRecord = {
    id: account.id.value,
    meta: account.meta.toDictionary(),
    documents: [account.document.toDictionary()],
  };
  if (account.identityKey !== undefined) {
    record.id_private_key = account.identityKey.toDictionary();
  }
  if (account.messageKeys.length > 0) {
    record.msg_private_keys = account.messageKeys.map((key) =>
      key.toDictionary()
    );
  }
  return record;
}

/** What {@link Accounts.saveAccount} did. */
export interface SavedAccount {
  /** The account's ID. */
  readonly id: ID;
  /** The meta part. */
  readonly meta: SavedMeta;
  /** The documents, in the order given. */
  readonly documents: readonly SavedDocument[];
  /** How many private keys were written. */
  readonly privateKeys: number;
}

const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_RECHECK_MS = 1000;

/** A document that passed every check but the "older" rule. */
interface CheckedDocument {
  readonly id: ID;
  readonly document: Document;
  /** The newest stored document of its type already is this one. */
  readonly stored?: true;
}

/** The newest visa of an ID and its encryption key (`null` document: none stored). */
interface VisaEntry {
  readonly visa: Document | null;
  readonly key: PublicKey | undefined;
}

/** What an ID without a stored visa has (not cached: nothing to hold per ID). */
const NO_VISA: VisaEntry = Object.freeze({ visa: null, key: undefined });

function nakedId(id: ID | string): ID {
  return (typeof id === "string" ? parseId(id) : id).withoutTerminal();
}

/** Whether `value` serialises as `known` does (`false` when it cannot). */
function _sameJson(known: Record<string, unknown>, value: unknown): boolean {
  try {
    return JSON.stringify(known) === JSON.stringify(value);
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function settleSync<T>(fn: () => T): Settled<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The validating account facade: what the station, the client, the bots
 * and `dim register` use to keep identities.
 *
 * @example
 * ```ts
 * import { EntityType, generateAccount } from "../dimp/identity/mod.ts";
 * import { Store } from "./store.ts";
 * const accounts = new Accounts(Store.open({ path: ":memory:" }));
 * const bob = await generateAccount({ type: EntityType.USER });
 * await accounts.saveMeta(bob.id, bob.meta.toJSON()); // checked, insert-only
 * await accounts.saveDocument(bob.document.toJSON(), { id: bob.id }); // checked against the meta
 * accounts.visa(bob.id)?.type; // "visa": parsed, cached
 * ```
 */
export class Accounts {
  /** The store underneath (raw repositories; they do not validate). */
  readonly store: Store;
  readonly #now: () => number;
  readonly #metas: BoundedMap<string, Meta>;
  /** IDs found without a meta (as of the last check of other connections). */
  readonly #noMeta: BoundedMap<string, true>;
  readonly #visas: BoundedMap<string, VisaEntry>;
  readonly #recheckMs: number;
  readonly #cacheSize: number;
  #dataVersion: number | undefined;
  #checkedAt = -Infinity;
  readonly #visaListeners = new Set<(id: ID) => void>();

  /**
   * Wraps an open store.
   */
  constructor(store: Store, options: AccountsOptions = {}) {
    this.store = store;
    this.#now = options.now ?? (() => Date.now() / 1000);
    const size = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.#cacheSize = size;
    this.#metas = new BoundedMap(size);
    this.#noMeta = new BoundedMap(size);
    this.#visas = new BoundedMap(size);
    this.#recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
  }

  // ---------------------------------------------------------------- reading

  /**
   * The stored meta of an ID (terminal ignored), parsed and cached.
   */
  meta(id: ID | string): Meta | undefined {
    const key = nakedId(id).value;
    const cached = this.#metas.touch(key);
    if (cached !== undefined) return cached;
    this.#recheck();
    if (this.#noMeta.touch(key) !== undefined) return undefined;
    return this.#read(key);
  }

  /**
   * Reads the stored metas and newest visas of `ids` (terminals ignored;
   * at most `limit`, default the cache size; the first ones given are
   * kept longest) into the caches, as {@link Accounts.meta} and
   * {@link Accounts.visa} would read them on demand: a restarted station's
   * returning users then find theirs without a query or a parse. IDs
   * cached already, without a meta, or whose rows do not parse (read again,
   * and refused, on demand) are skipped. Returns how many were read.
   *
   * @example
   * ```ts ignore
   * const recent = store.messageKeys.recent(station.id.value, 10_000);
   * accounts.preload(recent.map((row) => row.sender)); // 1,000
   * ```
   */
  preload(ids: Iterable<ID | string>, limit: number = this.#cacheSize): number {
    const wanted: string[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (wanted.length >= Math.min(limit, this.#cacheSize)) break;
      let key: string;
      try {
        key = nakedId(id).value;
      } catch {
        continue; // not an ID: nothing of it is stored
      }
      if (seen.has(key)) continue;
      seen.add(key);
      wanted.push(key);
    }
    // a commit of another connection clears the caches now, not afterwards
    this.#recheck();
    let read = 0;
    // the last one read is the newest entry of each cache
    for (const key of wanted.toReversed()) {
      if (this.#metas.has(key) && this.#visas.has(key)) continue;
      try {
        if (this.#read(key) !== undefined) read++;
      } catch {
        // a row that does not parse: read (and refused) on demand
      }
    }
    return read;
  }

  /**
   * Every stored document of an ID, parsed, in the order received.
   */
  documents(id: ID | string): Document[] {
    return this.store.documents.list(nakedId(id).value).map((row) =>
      Document.parse(row.doc)
    );
  }

  /**
   * The newest stored document of a type (default: `visa` for users,
   * stations and bots, `bulletin` for groups).
   */
  document(id: ID | string, type?: string): Document | undefined {
    const owner = nakedId(id);
    const wanted = type ??
      (owner.isGroup ? DocumentType.BULLETIN : DocumentType.VISA);
    const row = this.store.documents.newest(owner.value, wanted);
    return row === undefined ? undefined : Document.parse(row.doc);
  }

  /**
   * The newest visa of a user, station or bot (else its newest 2021
   * `profile`), cached. The object is shared: edit a copy
   * (`Document.parse(visa.toDictionary())`), never the one returned.
   */
  visa(id: ID | string): Document | undefined {
    return this.#visaEntry(nakedId(id).value).visa ?? undefined;
  }

  /**
   * The key to encrypt messages for an ID with: its visa `key`, else its
   * meta key when that can encrypt (RSA); `undefined` when neither.
   */
  encryptionKey(id: ID | string): PublicKey | undefined {
    const owner = nakedId(id);
    const fromVisa = this.#visaEntry(owner.value).key;
    if (fromVisa !== undefined) return fromVisa;
    const metaKey = this.meta(owner)?.key;
    return metaKey?.encrypt === undefined ? undefined : metaKey;
  }

  /**
   * The ID (meta) private key of a local account: it signs messages and
   * documents.
   */
  identityKey(id: ID | string): PrivateKey | undefined {
    const record = this.store.privateKeys.identityKey(nakedId(id).value);
    return record === undefined ? undefined : parsePrivateKey(record.reveal());
  }

  /**
   * The message (visa) private keys of a local account, newest first.
   */
  messageKeys(id: ID | string): PrivateKey[] {
    return this.store.privateKeys.load(nakedId(id).value, "V").map((record) =>
      parsePrivateKey(record.reveal())
    );
  }

  /**
   * The keys that may decrypt messages for a local account: its message
   * keys (newest first), then its ID key when that is RSA.
   */
  decryptionKeys(id: ID | string): PrivateKey[] {
    const keys = this.messageKeys(id);
    const idKey = this.identityKey(id);
    if (idKey?.decrypt !== undefined) keys.push(idKey);
    return keys;
  }

  /**
   * Every ID with a stored meta, in the order stored; with `localOnly`, only
   * the accounts whose ID key is stored here.
   */
  ids(options: { localOnly?: boolean } = {}): ID[] {
    const local = new Set(this.store.privateKeys.ids());
    return this.store.metas.ids()
      .filter((id) => !options.localOnly || local.has(id))
      .map((id) => parseId(id));
  }

  /**
   * The account as one record (meta and documents as stored; private keys
   * only with `privateKeys: true`); `undefined` when no meta is stored.
   */
  exportAccount(
    id: ID | string,
    options: { privateKeys?: boolean } = {},
  ): AccountRecord | undefined {
    const owner = nakedId(id).value;
    const meta = this.store.metas.get(owner);
    if (meta === undefined) return undefined;
    const record: AccountRecord = {
      id: owner,
      meta,
      documents: this.store.documents.list(owner).map((row) => row.doc),
    };
    if (options.privateKeys) {
      const idKey = this.store.privateKeys.identityKey(owner);
      if (idKey !== undefined) record.id_private_key = idKey.reveal();
      const msgKeys = this.store.privateKeys.load(owner, "V");
      if (msgKeys.length > 0) {
        record.msg_private_keys = msgKeys.map((key) => key.reveal());
      }
    }
    return record;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Checks and stores the meta of an ID (its JSON, or a {@link Meta} parsed
   * already: checked the same way): it must parse, be valid and match
   * the ID. When the ID has a meta already, nothing is written and
   * `stored` is `false` (the stored meta itself, sent again, is not checked
   * again: it was when it was stored).
   *
   * @throws {MetaFormatError} (also `KeyFormatError`, `UnsupportedAlgorithmError`) it does not parse
   * @throws {MetaSignatureError} its fingerprint does not verify
   * @throws {MetaMismatchError} it is another ID's meta
   */
  async saveMeta(id: ID | string, meta: unknown): Promise<SavedMeta> {
    const owner = nakedId(id);
    const known = this.#knownMeta(owner, meta);
    if (known !== undefined) return { id: owner, meta: known, stored: false };
    const parsed = await this.#checkMeta(owner, meta);
    return this.store.db.write(() => this.#writeMeta(owner, parsed));
  }

  /**
   * Checks and stores a document (station.md §5.3; its JSON, or a
   * {@link Document} parsed already: checked the same way). `id` is the ID it was
   * sent for (a command's `did`); without it, the document's own ID. The
   * newest stored visa sent again (every handshake attaches it) is
   * `unchanged` without a signature check or a write.
   *
   * @throws {MetaNotFoundError} no meta is stored for the ID
   * @throws {DocumentRejectedError} `reason` "address" (another entity's
   *   document), "future" (more than 30 minutes ahead), "older" (older than
   *   the stored one of its type), "broadcast"
   * @throws {DocumentSignatureError} the signature does not verify
   * @throws {DocumentFormatError} (also `IdFormatError`, `KeyFormatError` for a visa key) it does not parse
   */
  async saveDocument(
    document: unknown,
    options: { id?: ID | string } = {},
  ): Promise<SavedDocument> {
    const checked = await this.#checkDocument(
      document,
      options.id === undefined ? undefined : nakedId(options.id),
    );
    if (checked.stored) {
      return {
        id: checked.id,
        document: checked.document,
        change: "unchanged",
      };
    }
    const saved = this.store.db.write(() => this.#writeDocument(checked));
    this.#committed(saved);
    return saved;
  }

  /**
   * A station's `documents` upload: the meta (if given) and each document
   * (JSON, or a {@link Meta} / {@link Document} parsed already: checked the
   * same way, not parsed again) are judged on their own, and those accepted are written in one
   * transaction. Documents may rely on the meta that comes with them.
   *
   * @throws {StoreError} the transaction itself failed (nothing written)
   */
  async receiveDocuments(
    id: ID | string,
    upload: { readonly meta?: unknown; readonly documents: readonly unknown[] },
  ): Promise<DocumentsReceipt> {
    const owner = nakedId(id);
    const knownMeta = this.#knownMeta(owner, upload.meta);
    const meta = upload.meta === undefined || upload.meta === null
      ? undefined
      : await settle(
        knownMeta === undefined
          ? this.#checkMeta(owner, upload.meta)
          : Promise.resolve(knownMeta),
      );
    const given = meta?.ok ? meta.value : undefined;
    const checked = await Promise.all(
      upload.documents.map((doc) =>
        settle(this.#checkDocument(doc, owner, given))
      ),
    );
    if (
      (meta === undefined || !meta.ok || knownMeta !== undefined) &&
      checked.every((result) => !result.ok || result.value.stored)
    ) {
      // all known already (or refused): nothing to write
      const documents = checked.map((result): Settled<SavedDocument> =>
        result.ok
          ? {
            ok: true,
            value: {
              id: owner,
              document: result.value.document,
              change: "unchanged",
            },
          }
          : result
      );
      if (meta === undefined) return { documents };
      if (!meta.ok) return { meta, documents };
      const value = { id: owner, meta: meta.value, stored: false };
      return { meta: { ok: true, value }, documents };
    }
    // each save is a savepoint of its own (`Metas.save`, `Documents.save`):
    // one that fails leaves the others in the transaction
    const receipt = this.store.db.write((): DocumentsReceipt => {
      const savedMeta: Settled<SavedMeta> | undefined =
        meta === undefined || !meta.ok
          ? meta
          : settleSync(() => this.#writeMeta(owner, meta.value));
      const documents = checked.map((result) =>
        result.ok ? settleSync(() => this.#writeDocument(result.value)) : result
      );
      return savedMeta === undefined
        ? { documents }
        : { meta: savedMeta, documents };
    });
    for (const result of receipt.documents) {
      if (result.ok) this.#committed(result.value);
    }
    return receipt;
  }

  /**
   * Stores a whole account ({@link AccountRecord}: what `export` writes) —
   * all of it or nothing: the meta must match the ID, every document must
   * be accepted, an ID key must pair with the meta key, message keys must
   * be RSA and (when the newest visa has a `key`) one of them its pair.
   *
   * @throws {AccountFormatError} not an account record
   * @throws {PrivateKeyMismatchError} a private key does not belong to it
   * @throws any error of {@link Accounts.saveMeta} and {@link Accounts.saveDocument}
   */
  async saveAccount(record: unknown): Promise<SavedAccount> {
    if (!isRecord(record)) {
      throw new AccountFormatError("an account must be a JSON object");
    }
    if (typeof record.id !== "string") {
      throw new AccountFormatError('an account needs an "id" string');
    }
    const documents = record.documents ?? [];
    if (!Array.isArray(documents)) {
      throw new AccountFormatError('"documents" must be an array');
    }
    const msgKeys = record.msg_private_keys ?? [];
    if (!Array.isArray(msgKeys)) {
      throw new AccountFormatError('"msg_private_keys" must be an array');
    }
    const owner = nakedId(record.id);
    const meta = await this.#checkMeta(owner, record.meta);
    const checked: CheckedDocument[] = [];
    for (const doc of documents) {
      checked.push(await this.#checkDocument(doc, owner, meta));
    }
    const keys: [kind: "M" | "V", key: PrivateKey][] = [];
    if (record.id_private_key !== undefined) {
      const idKey = parsePrivateKey(record.id_private_key);
      if (!await meta.matchPublicKey(idKey.publicKey)) {
        throw new PrivateKeyMismatchError(
          `the ID private key is not the meta key of ${owner.value}`,
        );
      }
      keys.push(["M", idKey]);
    }
    const messageKeys = msgKeys.map((key) => parsePrivateKey(key));
    checkMessageKeys(owner, messageKeys, checked.map((c) => c.document));
    // oldest first, so that the first one listed ends up the newest
    for (const key of messageKeys.toReversed()) keys.push(["V", key]);

    return this.store.db.write(() => {
      const savedMeta = this.#writeMeta(owner, meta);
      const savedDocuments = checked.map((c) => this.#writeDocument(c));
      for (const [kind, key] of keys) {
        this.store.privateKeys.save(owner.value, kind, key.toDictionary());
      }
      return {
        id: owner,
        meta: savedMeta,
        documents: savedDocuments,
        privateKeys: keys.length,
      };
    });
  }

  /**
   * Calls `listener` with the ID whenever a new visa of it is stored through
   * this facade (after the write, on a later microtask): sends that waited
   * for the visa can go. Returns the function that stops it.
   */
  onVisa(listener: (id: ID) => void): () => void {
    this.#visaListeners.add(listener);
    return () => this.#visaListeners.delete(listener);
  }

  // ---------------------------------------------------------------- private

  /**
   * At most once per `recheckMs`: when another connection committed since,
   * any document may have changed and any missing meta may be there now.
   */
  #recheck(): void {
    const now = performance.now();
    if (now - this.#checkedAt < this.#recheckMs) return;
    this.#checkedAt = now;
    const version = this.store.db.dataVersion;
    if (version !== this.#dataVersion) {
      this.#visas.clear();
      this.#noMeta.clear();
      this.#dataVersion = version;
    }
  }

  /**
   * The stored meta of `id` (naked), parsed into the cache; a user's,
   * station's or bot's newest visa comes with it in the same query when
   * it is not cached (every reader of a meta here reads the visa next: to
   * verify with it, to encrypt for it). An ID without a meta is noted.
   */
  #read(id: string): Meta | undefined {
    const withVisa = !this.#visas.has(id) && !parseId(id).isGroup;
    const row = withVisa
      ? this.store.metas.withNewest(id, DocumentType.VISA, DocumentType.PROFILE)
      : this.#storedMeta(id);
    if (row === undefined) {
      this.#noMeta.set(id, true);
      return undefined;
    }
    const meta = Meta.parse(row.meta);
    this.#metas.set(id, meta);
    if (withVisa) {
      let entry: VisaEntry | undefined;
      try {
        const visa = row.document === undefined
          ? null
          : Document.parse(row.document);
        entry = { visa, key: visa?.visaKey() };
      } catch {
        // not cached: read again, and its error thrown, when asked for
      }
      if (entry !== undefined) this.#visas.set(id, entry);
    }
    return meta;
  }

  #storedMeta(id: string): MetaWithDocument | undefined {
    const meta = this.store.metas.get(id);
    return meta === undefined ? undefined : { meta };
  }

  #visaEntry(id: string): VisaEntry {
    this.#recheck();
    const cached = this.#visas.touch(id);
    if (cached !== undefined) return cached;
    // only documents checked against a stored meta are written: an ID
    // found without one (a new user's first handshake, which looks for its
    // visa before it stores both) has none to read
    if (this.#noMeta.has(id)) return NO_VISA;
    const row = this.store.documents.newest(
      id,
      DocumentType.VISA,
      DocumentType.PROFILE,
    );
    const visa = row === undefined ? null : Document.parse(row.doc);
    const entry = { visa, key: visa?.visaKey() };
    this.#visas.set(id, entry);
    return entry;
  }

  /** The stored meta of `id` when `value` is that meta again. */
  #knownMeta(id: ID, value: unknown): Meta | undefined {
    const dict = value instanceof Meta ? value.dictionary : value;
    if (!isRecord(dict)) return undefined;
    const known = this.meta(id);
    if (known === undefined) return undefined;
    return value === known || _sameJson(known.toDictionary(), dict)
      ? known
      : undefined;
  }

  /** A meta (its JSON, or one parsed already) checked against `id`. */
  async #checkMeta(id: ID, value: unknown): Promise<Meta> {
    const meta = value instanceof Meta ? value : Meta.parse(value);
    await meta.checkId(id);
    return meta;
  }

  /** Everything but the "older" rule, which runs inside the write. */
  async #checkDocument(
    value: unknown,
    id: ID | undefined,
    given?: Meta,
  ): Promise<CheckedDocument> {
    const document = value instanceof Document ? value : Document.parse(value);
    const owner = id ?? document.id.withoutTerminal();
    if (!document.id.withoutTerminal().equals(owner)) {
      throw new DocumentRejectedError(
        "address",
        `document of ${document.id.value} sent for ${owner.value}`,
      );
    }
    const newest = this.#visaEntry(owner.value).visa;
    if (
      newest !== null && newest.type === document.type &&
      _sameJson(newest.toDictionary(), document.toDictionary())
    ) {
      // the newest stored visa again: checked when it was stored
      return { id: owner, document: newest, stored: true };
    }
    const meta = given ?? this.meta(owner);
    if (meta === undefined) throw new MetaNotFoundError(owner.value);
    await checkDocumentAcceptance(document, {
      id: owner,
      meta,
      now: this.#now(),
    });
    // a visa key that does not parse would make the document useless
    document.visaKey();
    return { id: owner, document };
  }

  /**
   * A visa just written is the newest of its ID (an older one is refused,
   * and it has the greatest `seq` on ties): it becomes the cached one, so the next read (the handshake's
   * reply is encrypted with its key) needs no query and no parse.
   */
  #committed(saved: SavedDocument): void {
    const { id, document, change } = saved;
    if (document.type !== DocumentType.VISA || change === "unchanged") return;
    this.#visas.set(id.value, { visa: document, key: document.visaKey() });
  }

  #writeMeta(id: ID, meta: Meta): SavedMeta {
    this.#noMeta.delete(id.value);
    const stored = this.store.metas.save(id.value, meta.toDictionary());
    if (stored) {
      this.#metas.set(id.value, meta);
      return { id, meta, stored };
    }
    return { id, meta: this.meta(id) ?? meta, stored };
  }

  #writeDocument(checked: CheckedDocument): SavedDocument {
    const { id, document } = checked;
    const time = document.time;
    const newest = this.store.documents.newest(id.value, document.type)?.time;
    if (newest !== undefined && (time === undefined || time < newest)) {
      throw new DocumentRejectedError(
        "older",
        `${document.type} of ${id.value} at ${time} is older than the stored one at ${newest}`,
      );
    }
    const change = this.store.documents.save({
      id: id.value,
      type: document.type,
      createdTime: document.createdTime,
      time,
      name: document.name,
      doc: document.toDictionary(),
    });
    this.#visas.delete(id.value);
    if (change !== "unchanged" && document.visaKey() !== undefined) {
      for (const listener of this.#visaListeners) {
        queueMicrotask(() => listener(id));
      }
    }
    return { id, document, change };
  }
}

function checkMessageKeys(
  id: ID,
  keys: readonly PrivateKey[],
  documents: readonly Document[],
): void {
  for (const key of keys) {
    if (key.decrypt === undefined) {
      throw new PrivateKeyMismatchError(
        `a message key of ${id.value} is ${key.algorithm}: message keys must be RSA (they decrypt)`,
      );
    }
  }
  if (keys.length === 0) return;
  const newest = newestDocument(documents, DocumentType.VISA);
  const visaKey = newest?.visaKey();
  if (
    visaKey !== undefined &&
    !keys.some((key) => key.publicKey.equals(visaKey))
  ) {
    throw new PrivateKeyMismatchError(
      `none of the message keys of ${id.value} pairs with its visa key`,
    );
  }
}
