/**
 * A handshake's native crypto off the main thread during a reconnect storm.
 * A new user's first messages cost the station's main thread three ECDSA
 * verifications (its visa, its two offers; a bot's meta fingerprint one
 * more) and the RSA decryption of the message key it sealed for the
 * station, ~0.75 ms in all: while a storm keeps the handshake lane busy,
 * those stretches hold up everything else the main thread does. A
 * {@link HandshakePool} parses a handshake payload's lines once (the
 * pipeline takes them parsed: {@link HandshakePool.prepare}) and hands a
 * worker thread only the raw inputs of that crypto — the signed bytes, the
 * signature, the attached meta and visa as received, the sealed keys'
 * text — in one round trip; the worker does the native crypto alone and
 * answers which signatures verified and which sealed keys opened. The main
 * thread then processes the payload as always — every check made, in the
 * same order, with the same errors — and finds those results: a signature
 * the worker verified costs no second ECDSA check (`addVerified`, as one
 * verified before on this thread), a key it opened is taken instead of
 * decrypted again ({@link DecryptPool}). Whatever the worker did not confirm
 * (a bad signature, a key that does not open, a key it could not read) is
 * checked here and refused here.
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
import { MAX_MESSAGE_BYTES, ReliableMessage } from "../dimp/message/mod.ts";
import type { Item } from "./_handshake_worker.ts";
import { startHandshakeWorker, stopWorkers } from "./_key_workers.ts";

/** Opened keys kept per station key until the main thread takes them. */
const MAX_OPENED = 1024;

/** A payload's lines parsed ahead (`undefined`: not a message). */
export type ParsedLines = readonly (ReliableMessage | undefined)[];

/** What a worker sends back. */
interface WorkerReply {
  readonly id: number;
  readonly verified: readonly string[];
  readonly opened: readonly {
    readonly key: number;
    readonly sealed: string;
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
 * const parsed = await pool.prepare(conn.id, lines);
 * await pipeline.receive(session, lines, parsed);
 * pool.close();
 * ```
 */
export class HandshakePool {
  readonly #station: ID;
  readonly #keys: readonly PrivateKey[];
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, () => void>();
  readonly #opened = new Map<PrivateKey, BoundedMap<string, Uint8Array>>();
  readonly #maxBytes: number;
  #threads: number;
  #next = 0;
  #prepared = 0;

  /**
   * A pool of `threads` workers (started with the first payload; 0: none,
   * {@link HandshakePool.prepare} then does nothing) holding copies of
   * the station's decryption `keys`; a line longer than `maxMessageBytes`
   * (the pipeline's limit, default 1 MiB) is left to the pipeline.
   */
  constructor(
    station: ID,
    keys: readonly PrivateKey[],
    threads: number,
    maxMessageBytes: number = MAX_MESSAGE_BYTES,
  ) {
    this.#station = station;
    this.#keys = keys;
    this.#threads = Math.max(0, threads);
    this.#maxBytes = maxMessageBytes;
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
   * Parses a payload's `lines` (each `undefined` when it is not a message:
   * the pipeline then parses and drops it as it always does) and checks
   * their crypto on a worker (the one for `route`: a connection's payloads
   * go to the same worker, which keeps the meta key of a first offer for
   * the next); resolves with the parsed lines, for `Pipeline.receive`, once
   * the worker's results are here. `undefined` (nothing done) with no
   * threads. Never rejects: a worker that failed leaves the work to the
   * caller's thread.
   */
  prepare(
    route: number,
    lines: readonly string[],
  ): Promise<ParsedLines> | undefined {
    if (this.#threads === 0) return undefined;
    if (this.#workers.length === 0) this.#start();
    const parsed: (ReliableMessage | undefined)[] = [];
    const items: Item[] = [];
    for (const line of lines) {
      const msg = this.#parse(line);
      parsed.push(msg);
      const item = msg === undefined ? undefined : this.#item(msg);
      if (item !== undefined) items.push(item);
    }
    const id = this.#next++;
    const worker = this.#workers[Math.abs(route) % this.#workers.length];
    return new Promise((resolve) => {
      this.#pending.set(id, () => resolve(parsed));
      worker.postMessage({ id, items });
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

  #parse(line: string): ReliableMessage | undefined {
    try {
      return ReliableMessage.parse(line, { maxBytes: this.#maxBytes });
    } catch {
      return undefined;
    }
  }

  /** A message's raw inputs for the worker; `undefined` when unreadable. */
  #item(msg: ReliableMessage): Item | undefined {
    try {
      return {
        sender: msg.sender.withoutTerminal().value,
        meta: msg.meta,
        visa: msg.visa,
        data: msg.dataBytes,
        signature: msg.signatureBytes,
        sealed: msg.isBroadcast ? [] : msg.encryptedKeys(this.#station),
      };
    } catch {
      return undefined;
    }
  }

  #start(): void {
    const init = { keys: this.#keys.map((key) => key.toDictionary()) };
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
      kept.set(sealed, plaintext);
    }
    resolve();
  }
}
