/**
 * The texts of the bench's self warm-up (private to `cli/bench`): one text
 * per user packed as the run packs its own (the run's size, encrypted for
 * the next user's visa key), signed by a key made for the warm-up — no
 * bench user's one-time nonce is spent —, then copies of it that differ in
 * their signature alone (random bytes of the same length, base64): the
 * same JSON shape for every text, each found by a signature of its own.
 * Nothing verifies them: they never leave the bench process.
 *
 * @module
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import { base64Encode, type PrivateKey } from "../../dimp/crypto/mod.ts";
import type { Document, ID, Meta } from "../../dimp/identity/mod.ts";
import {
  type EntityDirectory,
  type LocalUser,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import { ByteSlab } from "../../dimp/transport/mod.ts";
import { planMessages, type PlannedMessage } from "./plan.ts";

/** What the self warm-up sends. */
export interface SelfWarmupPlanOptions {
  /** Its users: user `i` sends to user `i + 1` (a ring). */
  readonly users: readonly LocalUser[];
  /** The stand-in station, if any (its meta is in the directory made here). */
  readonly station?: LocalUser;
  /**
   * Signs the texts and end-to-end receipts instead of their senders
   * (default: each sender its own).
   */
  readonly signKey?: PrivateKey;
  /** Texts per user. */
  readonly perSender: number;
  /** Characters per text. */
  readonly size: number;
  /** End-to-end receipts too. */
  readonly receipts: boolean;
}

/** The self warm-up's texts, their station receipts, and who is who. */
export interface SelfWarmupPlan {
  /** Message `m` of user `s` at `s * perSender + m`, as {@link planMessages} has it. */
  readonly plan: PlannedMessage[];
  /** The station's receipt for each text ("Message delivered."). */
  readonly receipts: Content[];
  /** The users' and the stand-in's metas and visas. */
  readonly directory: EntityDirectory;
}

const encoder = new TextEncoder();

/** An {@link EntityDirectory} of a few local users. */
class _LocalDirectory implements EntityDirectory {
  readonly #metas = new Map<string, Meta>();
  readonly #visas = new Map<string, Document>();

  constructor(users: readonly LocalUser[]) {
    for (const user of users) {
      if (user.meta !== undefined) this.#metas.set(user.id.value, user.meta);
      if (user.visa !== undefined) this.#visas.set(user.id.value, user.visa);
    }
  }

  meta(id: ID): Promise<Meta | undefined> {
    return Promise.resolve(this.#metas.get(id.value));
  }

  visa(id: ID): Promise<Document | undefined> {
    return Promise.resolve(this.#visas.get(id.value));
  }

  members(): Promise<readonly ID[]> {
    return Promise.resolve([]);
  }
}

/**
 * Copies of one packed message (`bytes`, signed `signature`) with random
 * bytes of the same length in place of the signature: distinct messages of
 * the same shape, pieces of one slab.
 */
class _Resigner {
  readonly #bytes: Uint8Array;
  /** Where the signature's characters are in the bytes. */
  readonly #at: number;
  /** How many bytes a signature of the same length decodes to. */
  readonly #decoded: number;
  readonly #slab: ByteSlab;

  constructor(bytes: Uint8Array, signature: string, slab: ByteSlab) {
    const text = new TextDecoder().decode(bytes);
    const member = `"signature":"${signature}"`;
    this.#bytes = bytes;
    this.#at = encoder.encode(text.slice(0, text.indexOf(member))).length +
      member.length - signature.length - 1;
    this.#decoded = Math.floor((signature.replace(/=+$/, "").length * 3) / 4);
    this.#slab = slab;
  }

  /** A copy with a signature of its own. */
  next(): { bytes: Uint8Array; signature: string } {
    const signature = base64Encode(
      crypto.getRandomValues(new Uint8Array(this.#decoded)),
    );
    const bytes = this.#slab.alloc(this.#bytes.length);
    bytes.set(this.#bytes);
    const at = this.#at;
    for (let i = 0; i < signature.length; i++) {
      bytes[at + i] = signature.charCodeAt(i);
    }
    return { bytes, signature };
  }
}

/**
 * The self warm-up's plan: `perSender` texts per user, each with its
 * station receipt as the station words it.
 *
 * @example
 * ```ts ignore
 * const { plan, receipts, directory } = await selfWarmupPlan({
 *   users, station, signKey, perSender: 300, size: 256, receipts: false,
 * });
 * ```
 */
export async function selfWarmupPlan(
  options: SelfWarmupPlanOptions,
): Promise<SelfWarmupPlan> {
  const { users, perSender } = options;
  const directory = new _LocalDirectory(
    options.station === undefined ? users : [options.station, ...users],
  );
  const signKey = options.signKey;
  const signing = signKey === undefined
    ? users
    : users.map((user) => ({ ...user, signKey }));
  const bases = await planMessages({
    senders: signing,
    receivers: signing,
    receiverOf: (s) => (s + 1) % users.length,
    perSender: 1,
    size: options.size,
    receipts: options.receipts,
    directory,
  });
  const slab = new ByteSlab();
  const plan: PlannedMessage[] = [];
  const receipts: Content[] = [];
  for (const base of bases) {
    const envelope = ReliableMessage.parse(base.bytes).dictionary;
    const texts = new _Resigner(base.bytes, base.signature, slab);
    const answers = base.receipt &&
      new _Resigner(base.receipt.bytes, base.receipt.signature, slab);
    const extra = { recipient: users[base.receiver].id.value };
    for (let m = 0; m < perSender; m++) {
      const { bytes, signature } = texts.next();
      plan.push({
        sender: base.sender,
        receiver: base.receiver,
        bytes,
        signature,
        receipt: answers?.next(),
      });
      const original = { dictionary: { ...envelope, signature } };
      receipts.push(
        ReceiptCommand.create("Message delivered.", original, { extra }),
      );
    }
  }
  return { plan, receipts, directory };
}
