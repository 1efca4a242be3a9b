/**
 * Signing off the main thread. Every reply the station sends — one receipt
 * per routed message — carries a signature by the station's ID key, the
 * largest single cost of routing a message. A {@link SignerPool} is a
 * `PrivateKey` that hands that cost to worker threads and keeps everything
 * else of the key it wraps; the packer uses it like any key.
 *
 * - An ECC (secp256k1) key stays on the main thread; the workers make
 *   one-time ECDSA nonces ahead (the point multiplication, ~90 % of a
 *   signature) and send them over in batches, so that finishing a signature
 *   here costs a few big-integer products. Each nonce is used once; when
 *   none is ready the signature is made here the usual way.
 * - An RSA key is copied to the workers, which sign.
 *
 * With no workers everything is signed on the calling thread.
 *
 * @module
 */
import {
  EccPrivateKey,
  type EcdsaNonce,
  type PrivateKey,
  type PublicKey,
} from "../dimp/crypto/mod.ts";
import { bindKeyWorker, startKeyWorker } from "./_key_workers.ts";

interface Pending {
  readonly data: Uint8Array;
  readonly resolve: (signature: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** What a worker sends back. */
interface WorkerReply {
  readonly id?: number;
  readonly signature?: Uint8Array;
  readonly nonces?: EcdsaNonce[];
  readonly error?: string;
}

/** Nonces a worker makes per request. */
const NONCE_BATCH = 128;
/** Nonces kept ready (made or asked for) at most. */
const NONCE_STOCK = 2048;

/**
 * Signing failed in a worker.
 */
export class SignerError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SignerError";
  }
}

/**
 * The worker threads of a {@link SignerPool} taken from it
 * ({@link SignerPool.release}) for a pool of another key in the same
 * process — `dim station`'s self warm-up hands the threads its stand-in
 * warmed to the real station —, with the ECDSA nonces they made and were
 * asked for (a nonce does not depend on the key; each is still used once).
 * Replies that come while no pool holds the threads are kept here.
 *
 * @example
 * ```ts ignore
 * const threads = warmedPool.release();
 * const pool = new SignerPool(identity.signKey, threads);
 * ```
 */
export class SignerThreads {
  #workers: Worker[];
  #nonces: EcdsaNonce[];
  #asked: number;

  /** Holds `workers` with the `nonces` they made and `asked` on the way. */
  constructor(workers: Worker[], nonces: EcdsaNonce[], asked: number) {
    this.#workers = workers;
    this.#nonces = nonces;
    this.#asked = asked;
    for (const worker of workers) {
      bindKeyWorker(worker, (reply) => {
        const { nonces } = reply as WorkerReply;
        if (nonces === undefined) return; // an RSA signature no one waits for
        this.#asked -= NONCE_BATCH;
        this.#nonces.push(...nonces);
      }, () => this.close());
    }
  }

  /** Worker threads held. */
  get count(): number {
    return this.#workers.length;
  }

  /** Takes the threads, their nonces and the nonces asked for (empty after). */
  take(): { workers: Worker[]; nonces: EcdsaNonce[]; asked: number } {
    const taken = {
      workers: this.#workers,
      nonces: this.#nonces,
      asked: this.#asked,
    };
    this.#workers = [];
    this.#nonces = [];
    this.#asked = 0;
    return taken;
  }

  /** Stops the threads (when no pool takes them). */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
    this.#nonces = [];
  }
}

/**
 * A private key whose signing work is done by worker threads.
 *
 * @example
 * ```ts ignore
 * const signer = new SignerPool(identity.signKey, 1);
 * const signature = await signer.sign(data); // verifies like identity.signKey's
 * signer.close();
 * ```
 */
export class SignerPool implements PrivateKey {
  readonly #key: PrivateKey;
  readonly #ecc: EccPrivateKey | undefined;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #nonces: EcdsaNonce[] = [];
  #nonceHead = 0;
  #noncesAsked = 0;
  #next = 0;
  #turn = 0;
  #broken = false;

  /**
   * Wraps `key` with `threads` new workers (0: everything here), or with
   * the workers (and nonces) another pool released.
   */
  constructor(key: PrivateKey, threads: number | SignerThreads) {
    this.#key = key;
    this.#ecc = key instanceof EccPrivateKey ? key : undefined;
    // an ECC key never leaves this thread: its workers only make nonces
    const copy = this.#ecc === undefined ? key.toDictionary() : undefined;
    const onReply = (reply: unknown) => this.#settle(reply as WorkerReply);
    const onFailed = () => {
      for (const other of this.#workers) other.terminate();
      this.#workers.length = 0;
      this.#fallBack();
    };
    if (typeof threads === "number") {
      for (let i = 0; i < threads; i++) {
        this.#workers.push(startKeyWorker(copy, onReply, onFailed));
      }
    } else {
      const taken = threads.take();
      for (const worker of taken.workers) {
        bindKeyWorker(worker, onReply, onFailed);
        if (copy !== undefined) worker.postMessage({ key: copy });
        this.#workers.push(worker);
      }
      if (this.#ecc !== undefined) this.#nonces = taken.nonces;
      this.#noncesAsked = taken.asked;
    }
    this.#askNonces();
  }

  /** The wrapped key's algorithm. */
  get algorithm(): "RSA" | "ECC" {
    return this.#key.algorithm;
  }

  /** The wrapped key's public key. */
  get publicKey(): PublicKey {
    return this.#key.publicKey;
  }

  /** Worker threads in use. */
  get threads(): number {
    return this.#broken ? 0 : this.#workers.length;
  }

  /** Nonces ready for ECC signatures. */
  get noncesReady(): number {
    return this.#nonces.length - this.#nonceHead;
  }

  /**
   * ECC: signs here with a nonce a worker made (the usual way when none is
   * ready). RSA: signs on a worker (round robin). Without workers: here.
   */
  sign(data: Uint8Array): Promise<Uint8Array> {
    if (this.#ecc !== undefined) return Promise.resolve(this.#signEcc(data));
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

  /**
   * Hands the workers over, with the nonces ready and asked for (for
   * another key's pool: {@link SignerThreads}); from now on (and what is
   * pending) signed here.
   */
  release(): SignerThreads {
    const threads = new SignerThreads(
      this.#workers.splice(0),
      this.#nonces.slice(this.#nonceHead),
      this.#noncesAsked,
    );
    this.#noncesAsked = 0;
    this.#fallBack();
    return threads;
  }

  /** Stops the workers; from now on (and what is pending) signed here. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers.length = 0;
    this.#fallBack();
  }

  #signEcc(data: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const nonce = this.#takeNonce();
    if (nonce === undefined) return this.#ecc!.sign(data);
    try {
      return this.#ecc!.signWithNonce(data, nonce);
    } catch {
      return this.#ecc!.sign(data); // s = 0: astronomically rare
    }
  }

  /** The next unused nonce (each handed out once), asking for more. */
  #takeNonce(): EcdsaNonce | undefined {
    if (this.#nonceHead >= this.#nonces.length) {
      this.#askNonces();
      return undefined;
    }
    const nonce = this.#nonces[this.#nonceHead];
    this.#nonces[this.#nonceHead++] = undefined as unknown as EcdsaNonce;
    if (
      this.#nonceHead >= NONCE_BATCH &&
      this.#nonceHead * 2 >= this.#nonces.length
    ) {
      this.#nonces = this.#nonces.slice(this.#nonceHead);
      this.#nonceHead = 0;
    }
    this.#askNonces();
    return nonce;
  }

  /** Keeps the stock of nonces (ready + asked for) full. */
  #askNonces(): void {
    if (this.#ecc === undefined || this.threads === 0) return;
    while (this.noncesReady + this.#noncesAsked + NONCE_BATCH <= NONCE_STOCK) {
      const worker = this.#workers[this.#turn++ % this.#workers.length];
      worker.postMessage({ nonces: NONCE_BATCH });
      this.#noncesAsked += NONCE_BATCH;
    }
  }

  #settle(message: WorkerReply): void {
    if (message.nonces !== undefined) {
      this.#noncesAsked -= NONCE_BATCH;
      if (!this.#broken) this.#nonces.push(...message.nonces);
      return;
    }
    const pending = this.#pending.get(message.id!);
    if (pending === undefined) return;
    this.#pending.delete(message.id!);
    if (message.signature !== undefined) pending.resolve(message.signature);
    else pending.reject(new SignerError(message.error ?? "no signature"));
  }

  /** A broken or closed pool: from now on (and what is pending) signed here. */
  #fallBack(): void {
    this.#broken = true;
    this.#nonces = [];
    this.#nonceHead = 0;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const item of pending) {
      this.#key.sign(item.data).then(item.resolve, item.reject);
    }
  }
}
