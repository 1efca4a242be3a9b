/**
 * RSA decryption off the main thread. A client's first message to the
 * station after it made a new message key carries that key encrypted for the
 * station's visa key (RSA-2048): ~2 ms of CPU to decrypt, the largest cost of
 * a handshake. A reconnect storm would queue thousands of them on the main
 * thread and stall routing for everyone else; a {@link DecryptPool} is a
 * `PrivateKey` that hands each decryption to one of a few worker threads
 * (round robin) and keeps everything else of the key it wraps.
 *
 * The workers start with the first decryption (a station nobody brings a
 * new key to never pays for them). With no workers (or once they failed)
 * everything is decrypted on the calling thread.
 *
 * `"auto"` starts one worker per CPU only for a key whose decryption is slow
 * (a modulus above {@link FAST_RSA_BITS} bits): a 1024-bit key — what every
 * DIM station and client generates — decrypts in ~0.3 ms here, less than a
 * round trip to a worker costs the main thread under load (measured in
 * `dim bench --sessions 1000` on 2 CPUs: 4.2 ms of station CPU per handshake
 * without workers, 5.0 ms with two; handshakes/s 200 against 180).
 *
 * @module
 */
import type { PrivateKey, PublicKey } from "../dimp/crypto/mod.ts";
import { startKeyWorker, stopWorkers } from "./_key_workers.ts";

/**
 * The largest RSA modulus (bits) that `"auto"` decrypts on the calling
 * thread.
 *
 * @example
 * ```ts
 * FAST_RSA_BITS; // 1024
 * ```
 */
export const FAST_RSA_BITS = 1024;

/** Where plaintexts opened ahead are taken from (a `HandshakePool`). */
export interface OpenedAhead {
  /** The plaintext of `sealed` opened with `key` elsewhere (taken), if any. */
  opened(key: PrivateKey, sealed: Uint8Array): Uint8Array | undefined;
}

interface Pending {
  readonly ciphertext: Uint8Array;
  readonly resolve: (plaintext: Uint8Array | undefined) => void;
  readonly reject: (error: Error) => void;
}

/** What a worker sends back. */
interface WorkerReply {
  readonly id: number;
  readonly plaintext?: Uint8Array | null;
  readonly error?: string;
}

/**
 * Decryption failed in a worker (not a wrong key: that resolves `undefined`).
 *
 * @example
 * ```ts
 * new DecryptPoolError("key not loaded");
 * ```
 */
export class DecryptPoolError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DecryptPoolError";
  }
}

/**
 * An RSA private key whose decryptions run on worker threads.
 *
 * @example
 * ```ts ignore
 * const key = new DecryptPool(identity.decryptKeys[0], navigator.hardwareConcurrency);
 * const plaintext = await key.decrypt(ciphertext); // on a worker
 * key.close();
 * ```
 */
export class DecryptPool implements PrivateKey {
  readonly #key: PrivateKey;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #onDecrypt: () => void;
  readonly #ahead: OpenedAhead | undefined;
  #threads: number;
  #next = 0;
  #turn = 0;

  /**
   * Wraps `key` (RSA) with `threads` workers, started on first use (0, or a
   * key that cannot decrypt: here); `"auto"`: one per CPU for a key larger
   * than {@link FAST_RSA_BITS}, else none. `onDecrypt` is told of each
   * decryption asked for (a counter). A ciphertext `ahead` opened already
   * (a worker of the `HandshakePool`, with this same key) is not
   * decrypted again.
   */
  constructor(
    key: PrivateKey,
    threads: number | "auto",
    onDecrypt: () => void = () => {},
    ahead?: OpenedAhead,
  ) {
    this.#key = key;
    this.#onDecrypt = onDecrypt;
    this.#ahead = ahead;
    const count = threads === "auto" ? _autoThreads(key) : threads;
    this.#threads = key.decrypt === undefined ? 0 : Math.max(0, count);
  }

  /** The wrapped key's algorithm. */
  get algorithm(): "RSA" | "ECC" {
    return this.#key.algorithm;
  }

  /** The wrapped key's public key. */
  get publicKey(): PublicKey {
    return this.#key.publicKey;
  }

  /** Worker threads running. */
  get threads(): number {
    return this.#workers.length;
  }

  /** Signs with the wrapped key (on this thread). */
  sign(data: Uint8Array): Promise<Uint8Array> {
    return this.#key.sign(data);
  }

  /**
   * Decrypts on a worker (round robin); `undefined` when the ciphertext
   * does not decrypt with this key. One opened ahead is taken as it is.
   */
  decrypt(ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
    this.#onDecrypt();
    const ready = this.#ahead?.opened(this.#key, ciphertext);
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#threads === 0) return this.#here(ciphertext);
    if (this.#workers.length === 0) this.#start();
    const id = this.#next++;
    const worker = this.#workers[this.#turn++ % this.#workers.length];
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { ciphertext, resolve, reject });
      worker.postMessage({ id, decrypt: ciphertext });
    });
  }

  /** The wrapped key's dictionary. */
  toDictionary(): Record<string, unknown> {
    return this.#key.toDictionary();
  }

  /** Same as {@link DecryptPool.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }

  /** Stops the workers; from now on (and what is pending) decrypted here. */
  close(): void {
    this.#threads = 0;
    for (const item of stopWorkers(this.#workers, this.#pending)) {
      this.#here(item.ciphertext).then(item.resolve, item.reject);
    }
  }

  #start(): void {
    const dictionary = this.#key.toDictionary();
    for (let i = 0; i < this.#threads; i++) {
      this.#workers.push(startKeyWorker(
        dictionary,
        (reply) => this.#settle(reply as WorkerReply),
        () => this.close(),
      ));
    }
  }

  #here(ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#key.decrypt?.(ciphertext) ?? Promise.resolve(undefined);
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.error !== undefined) {
      pending.reject(new DecryptPoolError(reply.error));
    } else pending.resolve(reply.plaintext ?? undefined);
  }
}

/** One per CPU when `key` is RSA with a modulus above {@link FAST_RSA_BITS}, else 0. */
function _autoThreads(key: PrivateKey): number {
  const bytes = (key.publicKey as { modulusBytes?: unknown }).modulusBytes;
  if (typeof bytes !== "number" || bytes * 8 <= FAST_RSA_BITS) return 0;
  return navigator.hardwareConcurrency ?? 2;
}
