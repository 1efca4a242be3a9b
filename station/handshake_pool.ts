/**
 * A handshake's pure crypto off the main thread during a reconnect storm.
 * A new user's first messages cost the station's main thread three ECDSA
 * verifications (its meta, its visa, the message) and the RSA decryption of
 * the message key it sealed for the station, ~1.2 ms in all: while a storm
 * keeps the handshake lane busy, a routed text that arrives waits behind
 * those stretches. A {@link HandshakePool} hands a handshake's payload to a
 * worker thread in one round trip ({@link HandshakePool.prepare}); the worker
 * does that crypto with the same code and answers which signatures verified
 * and which sealed keys opened. The main thread then processes the payload
 * as always — every check made, in the same order, with the same errors —
 * and finds those results: a signature the worker verified costs no second
 * ECDSA check (`addVerified`, as one verified before on this thread), a key
 * it opened is taken instead of decrypted again ({@link DecryptPool}).
 * Whatever the worker did not confirm (a bad signature, a key that does not
 * open, a line it could not read) is checked here and refused here.
 *
 * One round trip costs the main thread a message out and one back: worth it
 * only when handshakes queue; an idle station (a single login) does the
 * crypto inline (`session_handler.ts` asks for it only while the lane is
 * busy).
 *
 * @module
 */
import { BoundedMap } from "../dimp/bounded_map.ts";
import { addVerified, type PrivateKey } from "../dimp/crypto/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import { startHandshakeWorker, stopWorkers } from "./_key_workers.ts";

/** Opened keys kept per station key until the main thread takes them. */
const MAX_OPENED = 1024;

/** What a worker sends back. */
interface WorkerReply {
  readonly id: number;
  readonly verified: readonly string[];
  readonly opened: readonly {
    readonly key: number;
    readonly sealed: Uint8Array;
    readonly plaintext: Uint8Array;
  }[];
}

/**
 * Handshake payloads checked ahead on worker threads, their results kept
 * for the main thread's own checks.
 *
 * @example
 * ```ts ignore
 * const pool = new HandshakePool(identity.id, identity.decryptKeys, 1);
 * await pool.prepare(conn.id, lines); // then pipeline.receive(session, lines)
 * pool.close();
 * ```
 */
export class HandshakePool {
  readonly #station: ID;
  readonly #keys: readonly PrivateKey[];
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, () => void>();
  readonly #opened = new Map<PrivateKey, BoundedMap<string, Uint8Array>>();
  #threads: number;
  #next = 0;
  #prepared = 0;

  /**
   * A pool of `threads` workers (started with the first payload; 0: none,
   * {@link HandshakePool.prepare} then resolves at once) holding copies of
   * the station's decryption `keys`.
   */
  constructor(station: ID, keys: readonly PrivateKey[], threads: number) {
    this.#station = station;
    this.#keys = keys;
    this.#threads = Math.max(0, threads);
  }

  /** Worker threads running. */
  get threads(): number {
    return this.#workers.length;
  }

  /** Payloads checked ahead so far. */
  get prepared(): number {
    return this.#prepared;
  }

  /**
   * Checks the crypto of a payload's `lines` on a worker (the one for
   * `route`: a connection's payloads go to the same worker, which keeps the
   * meta of a first offer for the next); resolves once its results are
   * here. Never rejects: a worker that failed leaves the work to the
   * caller's thread.
   */
  prepare(route: number, lines: readonly string[]): Promise<void> {
    if (this.#threads === 0) return Promise.resolve();
    if (this.#workers.length === 0) this.#start();
    const id = this.#next++;
    const worker = this.#workers[Math.abs(route) % this.#workers.length];
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      worker.postMessage({ id, lines });
    });
  }

  /**
   * The plaintext a worker opened from `sealed` with `key` (taken: asked
   * once), if it did.
   */
  opened(key: PrivateKey, sealed: Uint8Array): Uint8Array | undefined {
    const kept = this.#opened.get(key);
    if (kept === undefined || kept.size === 0) return undefined;
    const id = sealed.toBase64();
    const plaintext = kept.get(id);
    if (plaintext !== undefined) kept.delete(id);
    return plaintext;
  }

  /** Stops the workers; what is pending resolves (checked by the caller). */
  close(): void {
    this.#threads = 0;
    for (const resolve of stopWorkers(this.#workers, this.#pending)) resolve();
  }

  #start(): void {
    const init = {
      keys: this.#keys.map((key) => key.toDictionary()),
      station: this.#station.value,
    };
    for (let i = 0; i < this.#threads; i++) {
      this.#workers.push(startHandshakeWorker(
        init,
        (reply) => this.#settle(reply as WorkerReply),
        () => this.close(),
      ));
    }
  }

  #settle(reply: WorkerReply): void {
    const resolve = this.#pending.get(reply.id);
    if (resolve === undefined) return;
    this.#pending.delete(reply.id);
    this.#prepared++;
    addVerified(reply.verified);
    for (const { key, sealed, plaintext } of reply.opened) {
      const privateKey = this.#keys[key];
      if (privateKey === undefined) continue;
      let kept = this.#opened.get(privateKey);
      if (kept === undefined) {
        kept = new BoundedMap(MAX_OPENED);
        this.#opened.set(privateKey, kept);
      }
      kept.set(sealed.toBase64(), plaintext);
    }
    resolve();
  }
}
