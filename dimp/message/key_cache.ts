/**
 * Symmetric keys reused per direction (sender, destination) (spec
 * messages.md §3.2, §3.6): the sender encrypts every message of a direction
 * with one key, the receiver caches the key it decrypted so that a message
 * without `key` can still be read.
 *
 * @module
 */
import type { SymmetricKey } from "../crypto/mod.ts";
import type { ID } from "../identity/mod.ts";
import { BoundedMap } from "../bounded_map.ts";

/**
 * Where the packer keeps message keys. Synchronous or asynchronous, so a
 * station can back it with its store.
 *
 * @example
 * ```ts
 * import { AesKey } from "../crypto/mod.ts";
 * import { parseId } from "../identity/mod.ts";
 * const alice = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const cache: CipherKeyCache = new MemoryCipherKeyCache();
 * cache.set(alice, bob, AesKey.generate());
 * ```
 */
export interface CipherKeyCache {
  /** The key of the direction `sender` → `destination`, if cached and fresh. */
  get(
    sender: ID,
    destination: ID,
  ): SymmetricKey | undefined | Promise<SymmetricKey | undefined>;
  /** Caches the key of a direction (replacing any older one). */
  set(sender: ID, destination: ID, key: SymmetricKey): void | Promise<void>;
}

/**
 * Options of {@link MemoryCipherKeyCache}.
 */
export interface MemoryCipherKeyCacheOptions {
  /** How long a key is used after it was cached (default 7 days, as dimples). */
  readonly ttlSeconds?: number;
  /** Most directions kept; the least recently set goes first (default 65,536). */
  readonly maxEntries?: number;
  /** Clock in milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * An in-memory {@link CipherKeyCache} with a time to live and a bound.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const alice = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const cache = new MemoryCipherKeyCache({ ttlSeconds: 7 * 24 * 3600 });
 * cache.get(alice, bob); // undefined until a key is set
 * ```
 */
export class MemoryCipherKeyCache implements CipherKeyCache {
  readonly #entries: BoundedMap<
    string,
    { key: SymmetricKey; expires: number }
  >;
  readonly #ttl: number;
  readonly #now: () => number;

  /** Creates an empty cache. */
  constructor(options: MemoryCipherKeyCacheOptions = {}) {
    this.#ttl = (options.ttlSeconds ?? 7 * 24 * 3600) * 1000;
    this.#entries = new BoundedMap(options.maxEntries ?? 65536);
    this.#now = options.now ?? Date.now;
  }

  /** Number of directions held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** The fresh key of a direction, if any (an expired one is dropped). */
  get(sender: ID, destination: ID): SymmetricKey | undefined {
    const name = `${sender.value}>${destination.value}`;
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(name);
      return undefined;
    }
    return entry.key;
  }

  /**
   * Caches a key until `expires` (ms on the cache's clock; default: the
   * time to live from now); the oldest direction goes when the bound is
   * reached.
   */
  set(
    sender: ID,
    destination: ID,
    key: SymmetricKey,
    expires: number = this.#now() + this.#ttl,
  ): void {
    const name = `${sender.value}>${destination.value}`;
    const old = this.#entries.get(name);
    if (old !== undefined && old.key === key) return;
    this.#entries.set(name, { key, expires });
  }
}
