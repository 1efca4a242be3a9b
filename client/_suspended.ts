/**
 * Messages of senders whose meta is not known yet, kept while it is
 * queried (messages.md §10): bounded per sender and in all, the oldest
 * message of the oldest sender dropped first.
 *
 * @module
 */
import type { ReliableMessage } from "../dimp/message/mod.ts";

/** Suspended messages by sender (the ID without terminal, as text). */
export class SuspendedMessages {
  readonly #bySender = new Map<string, ReliableMessage[]>();
  readonly #max: number;
  readonly #perSender: number;
  #count = 0;

  /** Keeps at most `max` messages in all and `perSender` of one sender. */
  constructor(max: number, perSender: number) {
    this.#max = max;
    this.#perSender = perSender;
  }

  /** Keeps `msg` of `sender`, dropping the oldest beyond the bounds. */
  add(sender: string, msg: ReliableMessage): void {
    const list = this.#bySender.get(sender) ?? [];
    list.push(msg);
    this.#bySender.set(sender, list);
    this.#count++;
    if (list.length > this.#perSender) {
      list.shift();
      this.#count--;
    }
    while (this.#count > this.#max) {
      const [oldest, messages] = this.#bySender.entries().next()
        .value as [string, ReliableMessage[]];
      messages.shift();
      this.#count--;
      if (messages.length === 0) this.#bySender.delete(oldest);
    }
  }

  /** Whether messages of `sender` are kept. */
  has(sender: string): boolean {
    return this.#bySender.has(sender);
  }

  /** Takes (and forgets) the messages of `sender`, oldest first. */
  take(sender: string): ReliableMessage[] | undefined {
    const list = this.#bySender.get(sender);
    if (list === undefined) return undefined;
    this.#bySender.delete(sender);
    this.#count -= list.length;
    return list;
  }

  /** Forgets every message. */
  clear(): void {
    this.#bySender.clear();
    this.#count = 0;
  }
}
