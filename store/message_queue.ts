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
  /** Told how long each commit took (seconds) and how many steps it held. */
  readonly onCommit?: (seconds: number, steps: number) => void;
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
 * ```ts
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
  readonly #onCommit: ((seconds: number, steps: number) => void) | undefined;
  #pending: Pending[] = [];
  #scheduled = false;
  #closed = false;

  /**
   * Creates a queue writing through `messages`.
   *
   * @example
   * ```ts
   * const queue = new MessageWriteQueue(store.messages, { maxBatch: 256 });
   * ```
   */
  constructor(
    messages: OfflineMessages,
    options: MessageWriteQueueOptions = {},
  ) {
    this.#messages = messages;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 1024);
    this.#onCommit = options.onCommit;
  }

  /**
   * Stores a message in the next batch; resolves `true` if it was new, once
   * committed (fsynced when `durable`). Rejects with the batch's
   * {@link StoreError} if the commit failed, or an `InvalidRecordError` for
   * a malformed message.
   *
   * @example
   * ```ts
   * await queue.store(message, { durable: true });
   * ```
   */
  store(message: OfflineMessage, options: WriteOptions = {}): Promise<boolean> {
    return this.#enqueue({ store: message }, options.durable === true);
  }

  /**
   * Deletes a message in the next batch; resolves `true` if it was stored.
   *
   * @example
   * ```ts
   * await queue.delete({ receiver: "bob@x", signature: "c2ln" });
   * ```
   */
  delete(key: MessageKey): Promise<boolean> {
    return this.#enqueue({ delete: key }, false);
  }

  /**
   * Steps waiting for the next commit.
   *
   * @example
   * ```ts
   * queue.pending; // 0 after flush()
   * ```
   */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Commits what is waiting now.
   *
   * @example
   * ```ts
   * queue.flush();
   * ```
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
   *
   * @example
   * ```ts
   * queue.close();
   * ```
   */
  close(): void {
    this.flush();
    this.#closed = true;
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
