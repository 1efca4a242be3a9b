/**
 * The station's messages to one bench session opened the short way (private
 * to `cli/bench`): the station seals its message key to a user once and
 * sends the same `key` with every message after it, so once the packer has
 * opened one (RSA, or the key the handshake cached) the bench decrypts the
 * next ones with that key directly — no instant message, no key cache, no
 * content objects; what it cannot open this way goes through the packer.
 *
 * @module
 */
import {
  type SymmetricKey,
  utf8Decode,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import { incomingCompat } from "../../dimp/content/mod.ts";
import {
  expandContentKeys,
  type ReliableMessage,
} from "../../dimp/message/mod.ts";
import {
  scanSealed,
  type SealedDirection,
  type SealedEnvelope,
} from "./_sealed_envelope.ts";

/** Replaces bad bytes with U+FFFD: ~10× faster than the strict decoder. */
const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The strict decoder's text (`utf8Decode`: throws on bad bytes, keeps a
 * byte order mark) the fast way: only a text with a U+FFFD in it is decoded
 * again, strictly (bad bytes always leave one).
 */
function decodeUtf8(bytes: Uint8Array): string {
  const text = LENIENT_UTF8.decode(bytes);
  return text.includes("\uFFFD") ? utf8Decode(bytes) : text;
}

/**
 * The message key of one direction (the station to a bench user), learnt
 * from a message the packer opened.
 *
 * @example
 * ```ts ignore
 * const opener = new ReceiptOpener();
 * let content = await opener.open(msg);
 * if (content === undefined) {
 *   content = (await packer.decrypt(msg)).content.dictionary;
 *   opener.learn(msg, cipherKeys.get(msg.sender, msg.destination));
 * }
 * ```
 */
export class ReceiptOpener {
  #sender: string | undefined;
  #receiver: string | undefined;
  #sealed: string | undefined;
  #password: SymmetricKey | undefined;
  #direction: SealedDirection | undefined;

  /**
   * `msg` was opened by the packer with `password` (the key it cached for
   * the direction): the next messages of that sender to that receiver with
   * the same sealed `key` are opened with it.
   */
  learn(msg: ReliableMessage, password: SymmetricKey | undefined): void {
    const { sender, receiver, key } = msg.dictionary;
    if (
      password === undefined || typeof sender !== "string" ||
      typeof receiver !== "string" || typeof key !== "string"
    ) return;
    this.#sender = sender;
    this.#receiver = receiver;
    this.#sealed = key;
    this.#password = password;
    this.#direction = {
      sender: utf8Encode(sender),
      receiver: utf8Encode(receiver),
      key: utf8Encode(key),
    };
  }

  /**
   * The envelope of the message in `bytes[start..end)` read from its bytes
   * ({@link scanSealed}) when it is the learnt direction's with the learnt
   * sealed key, in the plain form a station writes; else `undefined` (the
   * ordinary way: parse it, {@link ReceiptOpener.open}).
   */
  scan(
    bytes: Uint8Array,
    start: number,
    end: number,
  ): SealedEnvelope | undefined {
    const direction = this.#direction;
    return direction === undefined
      ? undefined
      : scanSealed(bytes, start, end, direction);
  }

  /**
   * The plaintext of a message {@link ReceiptOpener.scan} read, with the
   * learnt key; `undefined` when it does not decrypt.
   */
  async decrypt(sealed: SealedEnvelope): Promise<Uint8Array | undefined> {
    try {
      return await this.#password!.decrypt(sealed.data, { IV: sealed.iv });
    } catch {
      return undefined;
    }
  }

  /**
   * The content of `msg` (short names expanded, the incoming compatibility
   * applied: what the packer's `decrypt` parses), when it comes from the
   * learnt sender to the learnt receiver (no group) with the learnt sealed
   * key and decrypts to a JSON object; else `undefined` (the packer's way).
   */
  async open(
    msg: ReliableMessage,
  ): Promise<Record<string, unknown> | undefined> {
    const dict = msg.dictionary;
    const password = this.#password;
    if (
      password === undefined || dict.key !== this.#sealed ||
      dict.sender !== this.#sender || dict.receiver !== this.#receiver ||
      dict.group !== undefined || dict.keys !== undefined
    ) return undefined;
    try {
      const plaintext = await password.decrypt(msg.dataBytes, {
        IV: dict.IV,
        iv: dict.iv,
      });
      return plaintext === undefined ? undefined : this.contentOf(plaintext);
    } catch {
      return undefined; // the packer decides (and says why)
    }
  }

  /**
   * The content a decrypted `plaintext` stands for, as the packer's
   * `decrypt` parses it (short names expanded, the incoming compatibility
   * applied); `undefined` when it is not a JSON object.
   */
  contentOf(plaintext: Uint8Array): Record<string, unknown> | undefined {
    let content: unknown;
    try {
      content = JSON.parse(decodeUtf8(plaintext));
    } catch {
      return undefined;
    }
    if (
      typeof content !== "object" || content === null || Array.isArray(content)
    ) return undefined;
    const record = content as Record<string, unknown>;
    expandContentKeys(record);
    return incomingCompat(record);
  }
}
