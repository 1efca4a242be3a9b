/**
 * The page's IndexedDB: the account record (keys never leave the browser)
 * and the chat history, so a reload keeps both.
 *
 * @module
 */

const DB_NAME = "dim-web";
const DB_VERSION = 1;
const KV = "kv";

function _request<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * A small key-value store in IndexedDB.
 *
 * @example
 * ```ts ignore
 * const db = await PageStorage.open();
 * await db.put("account", record);
 * ```
 */
export class PageStorage {
  readonly #db: IDBDatabase;

  private constructor(db: IDBDatabase) {
    this.#db = db;
  }

  /** Opens (creating when new) the page's database. */
  static async open(): Promise<PageStorage> {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => request.result.createObjectStore(KV);
    return new PageStorage(await _request(request));
  }

  /** The value under `key`, if any. */
  async get(key: string): Promise<unknown> {
    const store = this.#db.transaction(KV, "readonly").objectStore(KV);
    return await _request(store.get(key));
  }

  /** Stores `value` under `key`. */
  async put(key: string, value: unknown): Promise<void> {
    const store = this.#db.transaction(KV, "readwrite").objectStore(KV);
    await _request(store.put(value, key));
  }
}
