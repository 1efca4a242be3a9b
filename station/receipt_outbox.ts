/**
 * Receipts for routed messages leave when their delivery settled: a
 * "Message delivered." once the receiver took the message or the store
 * committed it, a "Message cached." once it is fsynced (offline.ts). The
 * sender's connection does not wait for that — its next message is read and
 * routed meanwhile — so the receipts are written later, as late responses
 * (`Connection.reply`), in the order their deliveries settled.
 *
 * A session whose client asked for it in its handshake (`"receipts":
 * "array"`) gets the receipts due to it within `delayMs` of each other in
 * one array content: one encryption and one signature for all of them,
 * where each would otherwise cost both. Every other session gets one
 * message per receipt, at once, as the reference station sends them.
 *
 * @module
 */
import { purifyEnvelope, ReceiptCommand } from "../dimp/command/mod.ts";
import { ArrayContent, type Content } from "../dimp/content/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import type { Envelope } from "../dimp/message/mod.ts";
import type { StationLog } from "../client/log.ts";
import {
  type Delivery,
  type ReceiptSays,
  receiptSays,
  receiptsFor,
} from "./dispatcher.ts";
import type { Replies } from "./replies.ts";
import type { Session } from "./session.ts";

/** How receipts are batched. */
export interface ReceiptOutboxOptions {
  /**
   * How long the first receipt due to a batching session waits for others
   * (ms, default 5; 0: only those due in the same task).
   */
  readonly delayMs?: number;
  /** Receipts per array content at most (default 64). */
  readonly maxBatch?: number;
}

/**
 * A delivery's receipt, waiting for its batch: its sender, what it says
 * and the message's envelope (not the message, whose text and body would
 * live until the receipt is signed), the content made at the flush (its
 * dictionary, `sn` and `time` need not outlive scavenges meanwhile).
 */
interface Due {
  readonly sender: ID;
  readonly says: ReceiptSays;
  readonly origin: Record<string, unknown>;
}

/** A batching session's receipts, and the timer that sends them. */
interface Batch {
  readonly due: Due[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Sends the receipts of routed messages, batched for the sessions that
 * asked for it.
 *
 * @example
 * ```ts ignore
 * const outbox = new ReceiptOutbox(replies, log);
 * dispatcher.deliver(msg, msg.receiver).then((delivery) =>
 *   outbox.send(session, msg, delivery)
 * );
 * ```
 */
export class ReceiptOutbox {
  readonly #replies: Replies;
  readonly #log: StationLog;
  readonly #delayMs: number;
  readonly #maxBatch: number;
  readonly #batches = new Map<Session, Batch>();

  /** Wires the reply packer and the log. */
  constructor(
    replies: Replies,
    log: StationLog,
    options: ReceiptOutboxOptions = {},
  ) {
    this.#replies = replies;
    this.#log = log;
    this.#delayMs = Math.max(0, options.delayMs ?? 5);
    this.#maxBatch = Math.max(1, options.maxBatch ?? 64);
  }

  /**
   * Sends the receipt of `delivery` (of `msg`, none when it failed) back on
   * `session`: at once, or — when its client asked for arrays — with the
   * others due within the delay.
   */
  send(session: Session, msg: Envelope, delivery: Delivery): void {
    const says = receiptSays(delivery);
    if (says === undefined || session.conn.closed) return;
    if (!session.receiptArrays) {
      this.#write(session, msg.sender, receiptsFor(delivery, msg));
      return;
    }
    let batch = this.#batches.get(session);
    if (batch === undefined) {
      batch = { due: [], timer: undefined };
      this.#batches.set(session, batch);
    }
    batch.due.push({ sender: msg.sender, says, origin: purifyEnvelope(msg) });
    if (batch.due.length >= this.#maxBatch) {
      this.#flush(session);
    } else {
      batch.timer ??= setTimeout(() => this.#flush(session), this.#delayMs);
    }
  }

  /** Sends every batch now (the station is stopping). */
  flush(): void {
    for (const session of [...this.#batches.keys()]) this.#flush(session);
  }

  #flush(session: Session): void {
    const batch = this.#batches.get(session);
    if (batch === undefined) return;
    this.#batches.delete(session);
    clearTimeout(batch.timer);
    // one array per sender (a session may carry several when the sender
    // check is off)
    const bySender = new Map<string, Due[]>();
    for (const due of batch.due) {
      const sender = due.sender.withoutTerminal().value;
      const list = bySender.get(sender);
      if (list === undefined) bySender.set(sender, [due]);
      else list.push(due);
    }
    for (const list of bySender.values()) {
      const receipts = list.map(_receipt);
      this.#write(
        session,
        list[0].sender,
        receipts.length === 1 ? receipts : [ArrayContent.create(receipts)],
      );
    }
  }

  #write(
    session: Session,
    sender: ID,
    contents: readonly Content[],
  ): void {
    this.#replies.answerTo(session, sender, contents).then(
      (replies) => {
        if (replies.length === 0) return;
        // each reply's JSON written into its frame around its `data`
        session.conn.reply(replies.map((reply) => reply.serializeInParts()));
      },
      (error) =>
        this.#log.error(
          `receipt to ${sender.value} not sent: ${
            (error as Error).stack ?? error
          }`,
        ),
    );
  }
}

/** The receipt content of a due receipt. */
function _receipt(due: Due): ReceiptCommand {
  return ReceiptCommand.create(due.says.text, undefined, {
    origin: due.origin,
    extra: due.says.extra,
  });
}
