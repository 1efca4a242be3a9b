/**
 * Signing off the main thread. Every reply the station sends — one receipt
 * per routed message — carries an ECDSA signature by the station's ID key,
 * the largest single cost of routing a message. A {@link SignerPool} is a
 * `PrivateKey` that hands `sign` to worker threads (each with a copy of the
 * key) and keeps everything else of the key it wraps; the packer uses it
 * like any key. With no workers it signs on the calling thread.
 *
 * @module
 */
import type { PrivateKey, PublicKey } from "../dimp/crypto/mod.ts";

interface Pending {
  readonly data: Uint8Array;
  readonly resolve: (signature: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Signing failed in a worker.
 *
 * @example
 * ```ts
 * new SignerError("no signature");
 * ```
 */
export class SignerError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SignerError";
  }
}

/**
 * A private key whose signatures are made by worker threads.
 *
 * @example
 * ```ts ignore
 * const signer = new SignerPool(identity.signKey, 1);
 * const signature = await signer.sign(data); // same as identity.signKey.sign(data)
 * signer.close();
 * ```
 */
export class SignerPool implements PrivateKey {
  readonly #key: PrivateKey;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #turn = 0;
  #broken = false;

  /** Wraps `key` with `threads` signing workers (0: sign here). */
  constructor(key: PrivateKey, threads: number) {
    this.#key = key;
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(
        new URL("./_sign_worker.ts", import.meta.url).href,
        { type: "module" },
      );
      worker.onmessage = (event) => this.#settle(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        for (const other of this.#workers) other.terminate();
        this.#fallBack();
      };
      worker.postMessage({ key: key.toDictionary() });
      this.#workers.push(worker);
    }
  }

  /** The wrapped key's algorithm. */
  get algorithm(): "RSA" | "ECC" {
    return this.#key.algorithm;
  }

  /** The wrapped key's public key. */
  get publicKey(): PublicKey {
    return this.#key.publicKey;
  }

  /** Signing threads in use. */
  get threads(): number {
    return this.#broken ? 0 : this.#workers.length;
  }

  /** Signs on a worker (round robin), or here when there are none. */
  sign(data: Uint8Array): Promise<Uint8Array> {
    if (this.threads === 0) return this.#key.sign(data);
    const id = this.#next++;
    const worker = this.#workers[this.#turn++ % this.#workers.length];
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { data, resolve, reject });
      worker.postMessage({ id, data });
    });
  }

  /** Decrypts with the wrapped key (RSA keys only). */
  get decrypt(): PrivateKey["decrypt"] {
    return this.#key.decrypt?.bind(this.#key);
  }

  /** The wrapped key's dictionary. */
  toDictionary(): Record<string, unknown> {
    return this.#key.toDictionary();
  }

  /** Same as {@link SignerPool.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }

  /** Stops the workers; pending signatures are made here. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers.length = 0;
    this.#fallBack();
  }

  #settle(message: { id: number; signature?: Uint8Array; error?: string }) {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.signature !== undefined) pending.resolve(message.signature);
    else pending.reject(new SignerError(message.error ?? "no signature"));
  }

  /** A broken or closed pool: from now on (and what is pending) signed here. */
  #fallBack(): void {
    this.#broken = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const item of pending) {
      this.#key.sign(item.data).then(item.resolve, item.reject);
    }
  }
}
