/**
 * Group commit for the station's hot path. Each routed message is stored
 * before it is pushed and deleted once sent; committing each on its own
 * costs one transaction per message (and one fsync per durable store). The
 * queue collects the stores and deletes issued while the current task runs
 * and commits them together in one transaction on the next microtask — one
 * fsync for the whole batch when any store in it is durable. Under load the
 * batches grow by themselves: what arrives during one commit goes into the
 * next.
 *
 * The queue holds at most `maxBatch` steps: reaching it commits at once, so
 * memory stays bounded whatever the load.
 *
 * A store may also be held back ({@link MessageWriteQueue.storeLater}) for a
 * message pushed to its receiver live: when the receiver acknowledges it
 * within `holdMs`, the delete cancels the held store and neither touches
 * the file; otherwise it is written then, fsynced. Either way the returned
 * promise settles then: the station answers the sender only once the
 * message was taken or is durable.
 *
 * @module
 */
import type { WriteOptions } from "./database.ts";
import { StoreError } from "./errors.ts";
import type {
  MessageKey,
  MessageOp,
  OfflineMessage,
  OfflineMessages,
} from "./messages.ts";

/** Limits of a {@link MessageWriteQueue}. */
export interface MessageWriteQueueOptions {
  /** Steps per transaction at most (default 1024). */
  readonly maxBatch?: number;
  /** How long {@link MessageWriteQueue.storeLater} holds a store back (ms, default 20). */
  readonly holdMs?: number;
  /** Stores held back at most; beyond, they are written at once (default 16384). */
  readonly maxHeld?: number;
  /** Told how long each commit took (seconds) and how many steps it held. */
  readonly onCommit?: (seconds: number, steps: number) => void;
}

/**
 * Told how a held store ended (see {@link MessageWriteQueue.hold}): one
 * object per message instead of a promise and its callbacks.
 *
 * @example
 * ```ts ignore
 * const listener: HeldStoreListener = {
 *   stored: (written) => console.log(written ? "committed" : "cancelled"),
 *   failed: (error) => console.error(error),
 * };
 * ```
 */
export interface HeldStoreListener {
  /** Committed (`true`: it was new), or cancelled before (`false`). */
  stored(written: boolean): void;
  /** Its commit failed. */
  failed(error: unknown): void;
}

/**
 * A store held back ({@link MessageWriteQueue.hold}): the listener, and the
 * message it stores — asked for only when it is written after all, so a
 * held store may keep less than the message (its text as bytes, say) while
 * it waits for the delete that usually cancels it.
 *
 * @example
 * ```ts ignore
 * queue.hold(key, {
 *   message: () => ({ receiver, signature, time, msg }),
 *   stored: (written) => console.log(written ? "committed" : "cancelled"),
 *   failed: (error) => console.error(error),
 * });
 * ```
 */
export interface HeldStore extends HeldStoreListener {
  /** The message to store (asked for at most once, only to write it). */
  message(): OfflineMessage;
}

/**
 * A store held back, waiting for a delete that cancels it. It lets go of
 * its store when it leaves the held map ({@link _empty}): in Deno 2.9.6 a
 * value set in a `Map` that has grown old and then deleted was seen to
 * survive the scavenges until the next full collection (measured with weak
 * references; why, inside V8, is not established), so without this every
 * pushed text's held store was copied and promoted at each scavenge — the
 * station's latency tail (docs/performance/hot-path.md, round seven).
 */
interface Held {
  store: HeldStore | undefined;
  readonly due: number;
}

/** Lets go of what `held` holds (it left the held map). */
function _empty(held: Held): void {
  held.store = undefined;
}

/** A held store of a message given whole, settling a promise. */
class _PromisedStore implements HeldStore {
  readonly #message: OfflineMessage;
  readonly #resolve: (written: boolean) => void;
  readonly #reject: (error: unknown) => void;

  constructor(
    message: OfflineMessage,
    resolve: (written: boolean) => void,
    reject: (error: unknown) => void,
  ) {
    this.#message = message;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  message(): OfflineMessage {
    return this.#message;
  }

  stored(written: boolean): void {
    this.#resolve(written);
  }

  failed(error: unknown): void {
    this.#reject(error);
  }
}

/** The characters of a signature a {@link messageKeyOf} keeps. */
const KEY_SIGNATURE_CHARS = 16;

/**
 * The key of a message for one receiver (a held store's, and the station's
 * for its queues and its taken messages): the last 16 characters of its
 * signature (96 bits of the sender's random signature: two messages for one
 * receiver never share them by chance), a newline, the receiver (naked ID).
 * Short because it is hashed for every routed text and the last 65,536 are
 * remembered; flat once hashed, so it keeps no part of the message alive.
 *
 * @example
 * ```ts
 * import { messageKeyOf } from "./message_queue.ts";
 * const signature = "MEUCIQDx5ViYVFZ9kN0tJ6rEq5L3WbzP1s2yQm8HcU4oTgIgA1b2c3d4e5f6g7h8";
 * console.assert(messageKeyOf("bob@x", signature) === "A1b2c3d4e5f6g7h8\nbob@x");
 * ```
 */
export function messageKeyOf(receiver: string, signature: string): string {
  const tail = signature.length > KEY_SIGNATURE_CHARS
    ? signature.slice(-KEY_SIGNATURE_CHARS)
    : signature;
  return `${tail}\n${receiver}`;
}

/** The key of a held message ({@link messageKeyOf}). */
function heldKey(key: MessageKey | string): string {
  return typeof key === "string"
    ? key
    : messageKeyOf(key.receiver, key.signature);
}

interface Pending {
  readonly op: MessageOp;
  readonly durable: boolean;
  readonly resolve: (changed: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces offline-message writes into one transaction per tick.
 *
 * @example
 * ```ts ignore
 * const queue = new MessageWriteQueue(store.messages);
 * await queue.store({ receiver, signature, time, msg }, { durable: true });
 * // now it is safe to answer "Message cached."
 * queue.delete({ receiver, signature }); // after the transport sent it
 * queue.close();
 * ```
 */
export class MessageWriteQueue {
  readonly #messages: OfflineMessages;
  readonly #maxBatch: number;
  readonly #holdMs: number;
  readonly #maxHeld: number;
  /** In due order (all are held equally long). */
  readonly #held = new Map<string, Held>();
  #heldTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onCommit: ((seconds: number, steps: number) => void) | undefined;
  #pending: Pending[] = [];
  #scheduled = false;
  #closed = false;

  /**
   * Creates a queue writing through `messages`.
   */
  constructor(
    messages: OfflineMessages,
    options: MessageWriteQueueOptions = {},
  ) {
    this.#messages = messages;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 1024);
    this.#holdMs = Math.max(0, options.holdMs ?? 20);
    this.#maxHeld = Math.max(0, options.maxHeld ?? 16384);
    this.#onCommit = options.onCommit;
  }

  /**
   * Stores a message in the next batch; resolves `true` if it was new, once
   * committed (fsynced when `durable`). Rejects with the batch's
   * {@link StoreError} if the commit failed, or an `InvalidRecordError` for
   * a malformed message. A store of it held back ends with this commit
   * (fsynced, then told `false`: not its own write), or is stored on its own
   * if the commit fails.
   */
  store(message: OfflineMessage, options: WriteOptions = {}): Promise<boolean> {
    // a held store of the same message ends when this one is committed
    // (its receipt may leave then, not before): fsynced as it would have been
    const superseded = this.#take(heldKey(message));
    const written = this.#enqueue(
      { store: message },
      options.durable === true || superseded !== undefined,
    );
    if (superseded !== undefined) this.#supersede(written, superseded);
    return written;
  }

  /**
   * Holds a store back for `holdMs`: a {@link MessageWriteQueue.delete} of
   * the message before then cancels it (resolves `false`, nothing is
   * written); else it goes into the next batch, fsynced (resolves `true`
   * if it was new, once durable). For a message pushed live, whose
   * acknowledgement usually comes first. When `maxHeld` stores are held, or
   * one is held for the same message (it ends with this write), it is
   * queued at once. `key`: the message's {@link messageKeyOf} when
   * the caller has it already.
   */
  storeLater(
    message: OfflineMessage,
    key: string = heldKey(message),
  ): Promise<boolean> {
    const { promise, resolve, reject } = Promise.withResolvers<boolean>();
    this.hold(key, new _PromisedStore(message, resolve, reject));
    return promise;
  }

  /**
   * {@link MessageWriteQueue.storeLater} telling the held store itself
   * instead of settling a promise (the station's routed path: no promise
   * per message, and the message made only if it is written). `key`: the
   * message's {@link messageKeyOf}.
   */
  hold(key: string, store: HeldStore): void {
    if (
      this.#closed || this.#held.size >= this.#maxHeld || this.#held.has(key)
    ) {
      // stored now; one held already for the key ends with this write
      this.#storeHeld(store, this.#take(key));
      return;
    }
    this.#held.set(key, { store, due: performance.now() + this.#holdMs });
    this.#heldTimer ??= setTimeout(() => this.#releaseDue(), this.#holdMs);
  }

  /**
   * Deletes a message in the next batch; resolves `true` if it was stored.
   * A held store of it is cancelled instead (resolves `true` at once).
   */
  delete(key: MessageKey): Promise<boolean> {
    if (this.cancel(key)) return Promise.resolve(true);
    return this.#enqueue({ delete: key }, false);
  }

  /**
   * Queues the held store of `key` for the next batch now (its push
   * failed: no acknowledgement will cancel it). `key` as a message key or
   * its string (see {@link MessageWriteQueue.storeLater}).
   */
  release(key: MessageKey | string): void {
    const k = heldKey(key);
    const held = this.#held.get(k);
    if (held !== undefined) this.#unhold(k, held);
  }

  /** Stores held back now. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Steps waiting for the next commit.
   */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Commits what is waiting now.
   */
  flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let results: (boolean | StoreError)[];
    const start = performance.now();
    try {
      results = this.#messages.apply(
        batch.map((pending) => pending.op),
        { durable: batch.some((pending) => pending.durable) },
      );
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    } finally {
      this.#reportCommit((performance.now() - start) / 1000, batch.length);
    }
    results.forEach((result, index) => {
      if (result instanceof StoreError) batch[index].reject(result);
      else batch[index].resolve(result);
    });
  }

  /**
   * Commits what is waiting and refuses further steps.
   */
  close(): void {
    this.#release(Infinity); // nothing held is lost on an orderly stop
    this.flush();
    this.#closed = true;
  }

  /**
   * Cancels the held store of `key` (its receiver took it in time): it is
   * never written. `false` when none is held (it may be stored already).
   * `key` as for {@link MessageWriteQueue.release}.
   */
  cancel(key: MessageKey | string): boolean {
    const store = this.#take(key);
    if (store === undefined) return false;
    store.stored(false);
    return true;
  }

  /** Takes the held store of `key` out of the held map, if any. */
  #take(key: MessageKey | string): HeldStore | undefined {
    if (this.#held.size === 0) return undefined;
    const k = heldKey(key);
    const held = this.#held.get(k);
    if (held === undefined) return undefined;
    this.#held.delete(k);
    const store = held.store!;
    _empty(held);
    return store;
  }

  /** Queues the held stores due by `until`. */
  #release(until: number): void {
    for (const [key, held] of this.#held) {
      if (held.due > until) break;
      this.#unhold(key, held);
    }
    clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    const next = this.#held.values().next().value;
    if (next !== undefined) {
      this.#heldTimer = setTimeout(
        () => this.#releaseDue(),
        Math.max(1, next.due - performance.now()),
      );
    }
  }

  /** A held store goes into the next batch after all. */
  #unhold(key: string, held: Held): void {
    this.#held.delete(key);
    const store = held.store!;
    _empty(held);
    this.#storeHeld(store);
  }

  /**
   * A held store's message into the next batch, fsynced; it is told how
   * that ended, and so is `superseded` (held before for the same key: this
   * write stores its message too).
   */
  #storeHeld(store: HeldStore, superseded?: HeldStore): void {
    let message: OfflineMessage;
    try {
      message = store.message();
    } catch (error) {
      store.failed(error);
      if (superseded !== undefined) this.#storeHeld(superseded);
      return;
    }
    const written = this.#enqueue({ store: message }, true);
    written.then(
      (result) => store.stored(result),
      (error) => store.failed(error),
    );
    if (superseded !== undefined) this.#supersede(written, superseded);
  }

  /**
   * `superseded`, held for the message `written` stores, ends with that
   * write: told once it is committed (`false`: not its own write), or
   * stored on its own if the write fails.
   */
  #supersede(written: Promise<boolean>, superseded: HeldStore): void {
    written.then(
      () => superseded.stored(false),
      () => this.#storeHeld(superseded),
    );
  }

  #releaseDue(): void {
    this.#heldTimer = undefined;
    this.#release(performance.now());
  }

  #reportCommit(seconds: number, steps: number): void {
    try {
      this.#onCommit?.(seconds, steps);
    } catch {
      // an observer must not fail a commit
    }
  }

  #enqueue(op: MessageOp, durable: boolean): Promise<boolean> {
    if (this.#closed) {
      return Promise.reject(new StoreError("the message queue is closed"));
    }
    const { promise, resolve, reject } = Promise.withResolvers<boolean>();
    this.#pending.push({ op, durable, resolve, reject });
    if (this.#pending.length >= this.#maxBatch) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
    return promise;
  }
}
