/**
 * A {@link CipherKeyCache} whose keys into one destination (the station)
 * survive a restart: kept in memory by a {@link MemoryCipherKeyCache}, and
 * in the store's `message_keys` table ({@link MessageKeys}), read the first
 * time a direction is asked for after a start.
 *
 * What the protocol allows (messages.md §3.2, §3.6): a sender uses one key
 * per direction for many messages and the receiver caches the key it
 * opened; the reference clients keep theirs 7 days (in memory) and seal it
 * for the receiver again with every message. A client that stays up while
 * the station restarts therefore comes back with the key the station
 * opened before: with it stored, its handshake and texts cost an AES
 * decryption (the packer tries the direction's key on `data` first), not
 * an RSA one.
 *
 * @module
 */
import { parseSymmetricKey, type SymmetricKey } from "../dimp/crypto/mod.ts";
import { type ID, parseId } from "../dimp/identity/mod.ts";
import {
  type CipherKeyCache,
  MemoryCipherKeyCache,
} from "../dimp/message/mod.ts";
import { MESSAGE_KEY_TTL_SECONDS, type MessageKeys } from "./message_keys.ts";

/**
 * Message keys in memory, those into `owner` also in the store.
 *
 * @example
 * ```ts ignore
 * const cache = new StoredCipherKeyCache(store.messageKeys, station.id);
 * const packer = new MessagePacker({ user, directory, cipherKeys: cache });
 * ```
 */
export class StoredCipherKeyCache implements CipherKeyCache {
  readonly #keys: MessageKeys;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #memory: MemoryCipherKeyCache;

  /**
   * Keeps the keys of directions into `owner` in `keys`; `now` is the
   * clock in milliseconds (default `Date.now`).
   */
  constructor(keys: MessageKeys, owner: ID, now: () => number = Date.now) {
    this.#keys = keys;
    this.#owner = owner.value;
    this.#now = now;
    this.#memory = new MemoryCipherKeyCache({
      ttlSeconds: MESSAGE_KEY_TTL_SECONDS,
      now,
    });
  }

  /** The fresh key of a direction: from memory, else from the store. */
  get(sender: ID, destination: ID): SymmetricKey | undefined {
    const kept = this.#memory.get(sender, destination);
    if (kept !== undefined || destination.value !== this.#owner) return kept;
    const stored = this.#keys.get(sender.value, destination.value);
    if (stored === undefined) return undefined;
    const expires = (stored.savedAt + MESSAGE_KEY_TTL_SECONDS) * 1000;
    if (expires <= this.#now()) return undefined;
    let key: SymmetricKey;
    try {
      key = parseSymmetricKey(stored.key);
    } catch {
      return undefined; // not a key this code reads: the sealed one decides
    }
    this.#memory.set(sender, destination, key, expires);
    return key;
  }

  /**
   * Reads the keys most recently stored into the owner (at most `limit`)
   * into memory, as {@link StoredCipherKeyCache.get} would read each on
   * demand, and returns their senders, the most recent first: the users a
   * restarted station will likely see again first. A key that does not
   * parse is left out (its sender is still returned).
   *
   * @example
   * ```ts ignore
   * const senders = cache.preload(10_000);
   * accounts.preload(senders);
   * ```
   */
  preload(limit: number): string[] {
    const rows = this.#keys.recent(this.#owner, limit);
    const owner = parseId(this.#owner);
    const senders: string[] = [];
    // oldest first: the most recent are the newest entries in memory
    for (const row of rows.toReversed()) {
      senders.push(row.sender);
      let sender: ID;
      let key: SymmetricKey;
      try {
        sender = parseId(row.sender);
        key = parseSymmetricKey(row.key);
      } catch {
        continue; // not one this code reads: the sealed one decides
      }
      if (this.#memory.get(sender, owner) !== undefined) continue;
      const expires = (row.savedAt + MESSAGE_KEY_TTL_SECONDS) * 1000;
      this.#memory.set(sender, owner, key, expires);
    }
    return senders.reverse();
  }

  /** Caches a key; a new key into the owner is stored too. */
  set(sender: ID, destination: ID, key: SymmetricKey): void {
    if (this.#memory.get(sender, destination) === key) return;
    this.#memory.set(sender, destination, key);
    if (destination.value === this.#owner) {
      this.#keys.put(sender.value, destination.value, key.toDictionary());
    }
  }
}
