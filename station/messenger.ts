/**
 * The station's own end of the message layer: verifies and decrypts what it
 * processes itself, and packs its replies (station → requester: encrypted
 * for the requester's visa key, signed with the station's ID key; the
 * station's meta and visa attached on request).
 *
 * Replies reuse the symmetric key of each direction and its encrypted form
 * while the receiver's visa key is unchanged, so a receipt costs one AES
 * encryption and one signature. Attached metas and visas of verified
 * messages are validated and stored. A reply to a requester whose visa is
 * unknown is kept (bounded, one minute) and sent when the visa arrives.
 *
 * @module
 */
import type { Content } from "../dimp/content/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import {
  type Attachments,
  type InstantMessage,
  KeyNotFoundError,
  MessagePacker,
  type ReliableMessage,
} from "../dimp/message/mod.ts";
import {
  type Accounts,
  type DocumentsReceipt,
  StoredCipherKeyCache,
} from "../store/mod.ts";
import type { StationIdentity } from "./identity.ts";
import type { StationLog } from "../client/log.ts";
import type { StationStats } from "./stats.ts";

/** Replies kept per requester while its visa is unknown. */
const MAX_PENDING_PER_ID = 8;
/** Requesters with kept replies. */
const MAX_PENDING_IDS = 1024;
/** How long a kept reply waits (ms). */
const PENDING_MS = 60_000;

interface Pending {
  readonly content: Content;
  readonly attach: boolean;
  readonly deliver: (msg: ReliableMessage) => void;
  readonly until: number;
}

/** How a reply is packed. */
export interface ReplyOptions {
  /** Attach the station's meta and visa (first reply to `station@anywhere`). */
  readonly attach?: boolean;
  /**
   * Where to send the reply if it must wait for the requester's visa; without
   * it such a reply is dropped.
   */
  readonly later?: (msg: ReliableMessage) => void;
}

/**
 * The station's packer with its bookkeeping.
 *
 * @example
 * ```ts ignore
 * const messenger = new StationMessenger(identity, accounts, stats, log);
 * await messenger.verify(msg);
 * const request = await messenger.decrypt(msg);
 * const reply = await messenger.pack(msg.sender, receipt);
 * ```
 */
export class StationMessenger {
  readonly #identity: StationIdentity;
  readonly #accounts: Accounts;
  readonly #stats: StationStats;
  readonly #log: StationLog;
  readonly #packer: MessagePacker;
  readonly #pending = new BoundedMap<string, Pending[]>(MAX_PENDING_IDS);
  readonly #cipherKeys: StoredCipherKeyCache;

  /** A messenger for the station identity. */
  constructor(
    identity: StationIdentity,
    accounts: Accounts,
    stats: StationStats,
    log: StationLog,
  ) {
    this.#identity = identity;
    this.#accounts = accounts;
    this.#stats = stats;
    this.#log = log;
    this.#cipherKeys = new StoredCipherKeyCache(
      accounts.store.messageKeys,
      identity.id,
    );
    this.#packer = new MessagePacker({
      user: {
        id: identity.id,
        signKey: identity.signKey,
        decryptKeys: identity.decryptKeys,
        meta: identity.meta,
        visa: identity.visa,
      },
      directory: {
        meta: (id) => Promise.resolve(accounts.meta(id)),
        visa: (id) => Promise.resolve(accounts.visa(id)),
        members: () => Promise.resolve([]),
      },
      // the keys clients sent the station survive a restart (no RSA again)
      cipherKeys: this.#cipherKeys,
      onAttachments: (sender, found) => this.#save(sender, found),
    });
  }

  /** The station ID. */
  get id(): ID {
    return this.#identity.id;
  }

  /**
   * Reads the message keys most recently stored into the station (at most
   * `limit`) into memory and returns their senders, the most recent first
   * (see `StoredCipherKeyCache.preload`).
   */
  preloadKeys(limit: number): string[] {
    return this.#cipherKeys.preload(limit);
  }

  /**
   * Verifies a message's signature (attached meta / visa validated and
   * stored first), counting it.
   *
   * @throws {KeyNotFoundError} the sender's meta is unknown and none attached
   * @throws {MessageSignatureError} the signature does not verify
   * @throws {MessageFormatError} an attached visa of another ID
   */
  async verify(msg: ReliableMessage): Promise<void> {
    this.#stats.verified++;
    await this.#packer.verify(msg);
  }

  /**
   * Decrypts a message for the station (a broadcast: reads its plain
   * content); the content comes out compatibility-normalised.
   *
   * @throws {DecryptionError} not for the station, or it does not decrypt
   */
  decrypt(msg: ReliableMessage): Promise<InstantMessage> {
    return this.#packer.decrypt(msg);
  }

  /**
   * Packs a reply from the station to `receiver`. Resolves `undefined` when
   * the receiver's encryption key is unknown (the reply then waits for the
   * visa when `options.later` is given).
   */
  async pack(
    receiver: ID,
    content: Content,
    options: ReplyOptions = {},
  ): Promise<ReliableMessage | undefined> {
    try {
      const msg = await this.#packer.packContent(receiver, content, {
        attach: options.attach,
      });
      this.#stats.replies++;
      return msg;
    } catch (error) {
      if (!(error instanceof KeyNotFoundError)) throw error;
      if (options.later !== undefined) {
        this.#keep(receiver, {
          content,
          attach: options.attach === true,
          deliver: options.later,
          until: Date.now() + PENDING_MS,
        });
      } else {
        this.#log.warn(
          `reply to ${receiver.value} dropped: its visa is unknown`,
        );
      }
      return undefined;
    }
  }

  /** Sends the replies that waited for the visa of `id` (just stored). */
  async visaStored(id: ID): Promise<void> {
    const waiting = this.#pending.get(id.value);
    if (waiting === undefined) return;
    this.#pending.delete(id.value);
    const now = Date.now();
    for (const item of waiting) {
      if (item.until < now) continue;
      const msg = await this.pack(id, item.content, { attach: item.attach });
      if (msg !== undefined) item.deliver(msg);
    }
  }

  #keep(receiver: ID, item: Pending): void {
    const list = this.#pending.get(receiver.value) ?? [];
    const now = Date.now();
    const fresh = list.filter((old) => old.until >= now);
    fresh.push(item);
    if (fresh.length > MAX_PENDING_PER_ID) fresh.shift();
    this.#pending.set(receiver.value, fresh);
    this.#log.info(
      `reply to ${receiver.value} waits for its visa (${fresh.length} waiting)`,
    );
  }

  /**
   * Stores valid attachments the store does not have yet: a new user's
   * meta and visa in one transaction.
   */
  async #save(sender: ID, found: Attachments): Promise<void> {
    const accounts = this.#accounts;
    // the packer's parsed objects: the store checks them all the same, but
    // parses no key and derives no address a second time
    const meta = found.meta !== undefined && accounts.meta(sender) === undefined
      ? found.meta
      : undefined;
    const visa = found.visa;
    const stored = visa === undefined ? undefined : accounts.visa(sender);
    const newVisa = visa !== undefined &&
      stored?.toDictionary().signature !== visa.toDictionary().signature;
    if (meta === undefined && !newVisa) return;
    let saved: DocumentsReceipt;
    try {
      saved = await accounts.receiveDocuments(sender, {
        meta,
        documents: newVisa ? [visa] : [],
      });
    } catch (error) {
      this.#log.warn(`meta and visa of ${sender.value} not stored: ${error}`);
      return;
    }
    if (saved.meta?.ok === false) {
      this.#log.warn(`meta of ${sender.value} not stored: ${saved.meta.error}`);
    }
    const document = saved.documents[0];
    if (document === undefined) return;
    if (!document.ok) {
      this.#log.debug(`visa of ${sender.value} not stored: ${document.error}`);
      return;
    }
    await this.visaStored(sender);
  }
}
