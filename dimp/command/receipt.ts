/**
 * The receipt command (spec messages.md §8.6, station.md §4.10): refers to
 * the original message by `origin` = its purified envelope (every top-level
 * member except `data`, `key`, `keys`, `meta`, `visa`), plus the original
 * content's `sn` when known.
 *
 * @module
 */
import {
  type ContentOptions,
  messageDictionary,
  type MessageLike,
} from "../content/content.ts";
import {
  firstString,
  isRecord,
  readId,
  readNumber,
} from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/** Members `purify` leaves out: the body, keys and attachments. */
const BODY_MEMBERS = ["data", "key", "keys", "meta", "visa"];

/**
 * The envelope of a message as a receipt carries it: a shallow copy of its
 * top-level members without `data`, `key`, `keys`, `meta`, `visa` (so
 * `sender`, `receiver`, `time`, `type`, `group`, `IV`, `signature`,
 * `traces`, ... are kept as received).
 */
export function purifyEnvelope(message: MessageLike): Record<string, unknown> {
  const origin: Record<string, unknown> = {};
  const dict = messageDictionary(message);
  for (const name in dict) {
    if (Object.hasOwn(dict, name) && !BODY_MEMBERS.includes(name)) {
      origin[name] = dict[name];
    }
  }
  return origin;
}

/**
 * Options of a receipt: the original content's `sn` and `group` (when the
 * original content is known), and extra members such as `recipient`,
 * `template`, `replacements`.
 */
export interface ReceiptOptions extends ContentOptions {
  /** The original content's serial number, written as `origin.sn`. */
  readonly originSn?: number;
  /** Extra members (`recipient`, `template`, `replacements`, ...). */
  readonly extra?: Record<string, unknown>;
  /**
   * The original's envelope as {@link purifyEnvelope} made it earlier (a
   * receipt made later than its message was seen): taken as `origin`
   * instead of the original's, not copied.
   */
  readonly origin?: Record<string, unknown>;
}

/** The last 8 characters, what clients compare signatures by. */
function signatureTail(signature: string): string {
  return signature.length > 8 ? signature.slice(-8) : signature;
}

/**
 * `{"command": "receipt", "text", "origin": {...}}`. The outgoing
 * compatibility adds `envelope` (= `origin`) and top-level copies of
 * `sender`, `receiver`, `sn`, `signature`. Readers accept `text` or the
 * 2021 `message`, and `origin`, `envelope` or top-level envelope members.
 */
export class ReceiptCommand extends Command {
  /**
   * A receipt for `original` (a reliable message or its dictionary, or
   * `undefined` for a receipt without origin — or with `options.origin`).
   */
  static create(
    text: string,
    original: MessageLike | undefined,
    options: ReceiptOptions = {},
  ): ReceiptCommand {
    let origin = options.origin;
    if (origin === undefined && original !== undefined) {
      origin = purifyEnvelope(original);
    }
    if (origin !== undefined && options.originSn !== undefined) {
      origin.sn = options.originSn;
    }
    const members: Record<string, unknown> = { text, origin };
    const extra = options.extra;
    for (const name in extra) {
      if (Object.hasOwn(extra, name)) members[name] = extra[name];
    }
    return new ReceiptCommand(
      Command.buildCommand(CommandName.RECEIPT, members, options),
    );
  }

  /** The text: `text`, else the 2021 `message` ("" when neither). */
  get text(): string {
    return firstString(this.dictionary.text, this.dictionary.message) ?? "";
  }

  /**
   * The original envelope: `origin`, else `envelope`, else (oldest form)
   * the top-level `sender`, `receiver`, `time`, `sn`, `signature`.
   */
  get origin(): Record<string, unknown> | undefined {
    const { origin, envelope } = this.dictionary;
    if (isRecord(origin)) return origin;
    if (isRecord(envelope)) return envelope;
    if (this.dictionary.sender === undefined) return undefined;
    const legacy: Record<string, unknown> = {};
    for (const name of ["sender", "receiver", "time", "sn", "signature"]) {
      const value = this.dictionary[name];
      if (value !== undefined) legacy[name] = value;
    }
    return legacy;
  }

  /** The original sender. */
  get originalSender(): ID | undefined {
    return readId(this.origin?.sender);
  }

  /** The original receiver. */
  get originalReceiver(): ID | undefined {
    return readId(this.origin?.receiver);
  }

  /** The original message signature (base64), if any. */
  get originalSignature(): string | undefined {
    const signature = this.origin?.signature;
    return typeof signature === "string" && signature !== ""
      ? signature
      : undefined;
  }

  /** The original content's serial number, if known. */
  get originalSn(): number | undefined {
    return readNumber(this.origin?.sn);
  }

  /**
   * Whether this receipt refers to `message` the way clients match them:
   * by the last 8 characters of the signatures when both have one; else by
   * sender and group-or-receiver, then by `contentSn` = the original
   * content's `sn`.
   */
  matches(message: MessageLike, contentSn?: number): boolean {
    const origin = this.origin;
    if (origin === undefined) return false;
    const dict = messageDictionary(message);
    const mine = this.originalSignature;
    const theirs = dict.signature;
    if (mine !== undefined && typeof theirs === "string" && theirs !== "") {
      return signatureTail(mine) === signatureTail(theirs);
    }
    if (origin.sender !== undefined) {
      if (origin.sender !== dict.sender) return false;
      if ((origin.group ?? origin.receiver) !== (dict.group ?? dict.receiver)) {
        return false;
      }
    }
    return this.originalSn !== undefined && this.originalSn === contentSn;
  }
}
