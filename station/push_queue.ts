/**
 * A session's outgoing queue (station.md §4.11): three priorities — `-1`
 * urgent (a forced `DIM?`), `0` live traffic and replies, `1` stored
 * messages loaded after a login — first in, first out within a priority.
 *
 * A message (key: signature + receiver) that is waiting or being sent is
 * not queued again, at any priority: a stored message that is also being
 * pushed live reaches the session once. Bounded: a push beyond the bound is
 * refused and the owner decides (the session then cuts the connection off as
 * a slow consumer; stored messages wait for the next login).
 *
 * @module
 */
import type { TextParts } from "../dimp/transport/mod.ts";
import type { SendResult } from "./transport/mod.ts";

/**
 * Urgent: handshake requests.
 *
 * @example
 * ```ts
 * PRIORITY_URGENT < PRIORITY_NORMAL; // true
 * ```
 */
export const PRIORITY_URGENT: number = -1;
/**
 * Live messages and replies.
 *
 * @example
 * ```ts
 * PRIORITY_NORMAL; // 0
 * ```
 */
export const PRIORITY_NORMAL: number = 0;
/**
 * Stored messages delivered after a login.
 *
 * @example
 * ```ts
 * PRIORITY_STORED > PRIORITY_NORMAL; // true
 * ```
 */
export const PRIORITY_STORED: number = 1;

/** One message to push. */
export interface PushItem {
  /** {@link PRIORITY_URGENT}, {@link PRIORITY_NORMAL} or {@link PRIORITY_STORED}. */
  readonly priority: number;
  /** The serialized reliable message (in parts: written one after the other). */
  readonly payload: string | TextParts;
  /** `signature` + receiver: the same message is never queued twice (absent: no check). */
  readonly key?: string;
  /** Told how the send ended (a stored message is deleted when `sent`). */
  readonly onResult?: (result: SendResult) => void;
}

/** Why {@link PushQueue.push} refused an item. */
export type PushRefusal = "duplicate" | "full";

/** A queue that takes items from the head by a moving index. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  drain(): T[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

/**
 * The priority queue of one session.
 *
 * @example
 * ```ts
 * const queue = new PushQueue(1000);
 * queue.push({ priority: PRIORITY_NORMAL, payload: "{…}", key: "c2ln…\nbob@…" });
 * const next = queue.shift(); // the oldest item of the smallest priority
 * queue.settle(next!.key!); // after the transport reported it
 * ```
 */
export class PushQueue {
  /** One FIFO per priority, made with the first item (an idle session has none). */
  #levels: Fifo<PushItem>[] | undefined;
  /** Keys waiting or being sent, made with the first keyed item. */
  #keys: Set<string> | undefined;
  readonly #max: number;

  /** A queue of at most `maxItems` waiting items. */
  constructor(maxItems: number) {
    this.#max = Math.max(1, maxItems);
  }

  /** Items waiting. */
  get size(): number {
    const levels = this.#levels;
    if (levels === undefined) return 0;
    return levels[0].size + levels[1].size + levels[2].size;
  }

  /** Items waiting at one priority. */
  sizeAt(priority: number): number {
    return this.#levels?.[level(priority)].size ?? 0;
  }

  /** Whether a message with this key is waiting or being sent. */
  has(key: string): boolean {
    return this.#keys?.has(key) === true;
  }

  /** Queues an item; `undefined` when queued, else why not. */
  push(item: PushItem): PushRefusal | undefined {
    if (item.key !== undefined && this.#keys?.has(item.key)) {
      return "duplicate";
    }
    if (this.size >= this.#max) return "full";
    if (item.key !== undefined) (this.#keys ??= new Set()).add(item.key);
    this.#levels ??= [new Fifo(), new Fifo(), new Fifo()];
    this.#levels[level(item.priority)].push(item);
    return undefined;
  }

  /**
   * The next item (its key stays taken until {@link PushQueue.settle}).
   */
  shift(): PushItem | undefined {
    for (const fifo of this.#levels ?? []) {
      const item = fifo.shift();
      if (item !== undefined) return item;
    }
    return undefined;
  }

  /** Frees the key of an item whose send ended. */
  settle(key: string): void {
    this.#keys?.delete(key);
  }

  /** Empties the queue and returns what was waiting (keys freed). */
  clear(): PushItem[] {
    const rest = this.#levels?.flatMap((fifo) => fifo.drain()) ?? [];
    this.#keys?.clear();
    return rest;
  }
}

function level(priority: number): number {
  return priority < 0 ? 0 : priority === 0 ? 1 : 2;
}
