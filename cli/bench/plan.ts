/**
 * Everything the bench sends, packed before the clock starts: each text
 * end-to-end encrypted for its receiver's visa key and signed by its
 * sender, serialised to the bytes written on the connection; with
 * end-to-end receipts, each receiver's "Message received." for it too. The
 * timed phase then only writes bytes and matches signatures, so it measures
 * the station, not the generator's crypto.
 *
 * @module
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  type CipherKeyCache,
  type EntityDirectory,
  type LocalUser,
  MemoryCipherKeyCache,
  MessagePacker,
} from "../../dimp/message/mod.ts";

/** One planned message. */
export interface PlannedMessage {
  /** The sending user's index. */
  readonly sender: number;
  /** The receiving user's index (in the receivers' list). */
  readonly receiver: number;
  /** The reliable message as written (UTF-8 JSON). */
  readonly bytes: Uint8Array;
  /** Its signature (base64), how it is recognised on arrival. */
  readonly signature: string;
  /** The receiver's end-to-end receipt for it, when planned. */
  readonly receipt?: { readonly bytes: Uint8Array; readonly signature: string };
}

/** What to pack. */
export interface PlanOptions {
  /** The senders. */
  readonly senders: readonly LocalUser[];
  /** The receivers (may be the senders themselves). */
  readonly receivers: readonly LocalUser[];
  /** The receiver index of sender `i`. */
  readonly receiverOf: (sender: number) => number;
  /** Texts per sender. */
  readonly perSender: number;
  /** Characters per text (ASCII, so bytes too). */
  readonly size: number;
  /** Also pack each receiver's "Message received." receipt. */
  readonly receipts: boolean;
  /** Metas and visas of every user (the senders encrypt for the receivers' visas). */
  readonly directory: EntityDirectory;
  /** Called after each sender's messages are packed. */
  readonly onProgress?: (packed: number, total: number) => void;
}

const encoder = new TextEncoder();

/** A text of exactly `size` characters naming its route. */
function textOf(sender: number, receiver: number, n: number, size: number) {
  const label = `dim bench ${sender}>${receiver} #${n} `;
  return size <= label.length
    ? label.slice(0, size)
    : label + "x".repeat(size - label.length);
}

/**
 * Packs every message: sender `s` sends `perSender` texts to
 * `receiverOf(s)`; message `m` of sender `s` is at index `s * perSender + m`.
 * Every message has its own signature (fresh `sn`, `time`, IV).
 *
 * @example
 * ```ts ignore
 * const plan = await planMessages({
 *   senders: users, receivers: users, receiverOf: (i) => (i + 1) % users.length,
 *   perSender: 100, size: 100, receipts: false, directory,
 * });
 * plan[0].bytes; // what sender 0 writes first
 * ```
 */
export async function planMessages(
  options: PlanOptions,
): Promise<PlannedMessage[]> {
  const { senders, receivers, perSender, size, directory } = options;
  const cipherKeys: CipherKeyCache = new MemoryCipherKeyCache();
  const packers = new Map<LocalUser, MessagePacker>();
  const packerOf = (user: LocalUser): MessagePacker => {
    let packer = packers.get(user);
    if (packer === undefined) {
      packer = new MessagePacker({ user, directory, cipherKeys });
      packers.set(user, packer);
    }
    return packer;
  };
  const total = senders.length * perSender;
  const plan: PlannedMessage[] = [];
  for (let s = 0; s < senders.length; s++) {
    const r = options.receiverOf(s);
    const from = packerOf(senders[s]);
    const to = receivers[r];
    for (let m = 0; m < perSender; m++) {
      const content = TextContent.create(textOf(s, r, m, size));
      const msg = await from.packContent(to.id, content);
      let receipt: PlannedMessage["receipt"];
      if (options.receipts) {
        const answer = await packerOf(to).packContent(
          senders[s].id,
          ReceiptCommand.create("Message received.", msg, {
            originSn: content.sn,
          }),
        );
        receipt = {
          bytes: encoder.encode(answer.serialize()),
          signature: answer.signature,
        };
      }
      plan.push({
        sender: s,
        receiver: r,
        bytes: encoder.encode(msg.serialize()),
        signature: msg.signature,
        receipt,
      });
    }
    options.onProgress?.(plan.length, total);
  }
  return plan;
}
