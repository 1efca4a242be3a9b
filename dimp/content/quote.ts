/**
 * Quote content, type 0x37 (spec messages.md §7.5): a reply that refers to
 * an earlier message by `origin` = {sender, receiver, type, sn}.
 *
 * @module
 */
import type { ID } from "../identity/mod.ts";
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { isRecord, readId, readNumber, readString } from "./_values.ts";

/**
 * The quoted message: its sender, its receiver (the group when it had one,
 * with `group`), its content type and serial number.
 */
export interface QuoteOrigin {
  /** The quoted message's sender. */
  readonly sender: string;
  /** Its receiver, or its group. */
  readonly receiver: string;
  /** Its content type. */
  readonly type: number | string;
  /** Its content serial number. */
  readonly sn: number;
  /** Its group, if any. */
  readonly group?: string;
}

/**
 * `{"type": 55, "text", "origin": {sender, receiver, type, sn}}`.
 */
export class QuoteContent extends Content {
  /** A new quote with the given origin. */
  static create(
    text: string,
    origin: QuoteOrigin,
    options: ContentOptions = {},
  ): QuoteContent {
    return new QuoteContent(
      Content.build(
        ContentType.QUOTE,
        { text, origin: { ...origin } },
        options,
      ),
    );
  }

  /**
   * A quote of a message given by its envelope and content: the receiver is
   * the content's group when it has one.
   */
  static quote(
    text: string,
    sender: ID,
    receiver: ID,
    quoted: Content,
    options: ContentOptions = {},
  ): QuoteContent {
    const group = quoted.group;
    const origin: QuoteOrigin = {
      sender: sender.value,
      receiver: group?.value ?? receiver.value,
      type: quoted.type,
      sn: quoted.sn ?? 0,
      ...(group === undefined ? {} : { group: group.value }),
    };
    return QuoteContent.create(text, origin, options);
  }

  /** The reply text ("" when missing). */
  get text(): string {
    return readString(this.dictionary.text) ?? "";
  }

  /** The origin dictionary, if any. */
  get origin(): Record<string, unknown> | undefined {
    const origin = this.dictionary.origin;
    return isRecord(origin) ? origin : undefined;
  }

  /** The quoted message's sender. */
  get originSender(): ID | undefined {
    return readId(this.origin?.sender);
  }

  /** The quoted content's serial number. */
  get originSn(): number | undefined {
    return readNumber(this.origin?.sn);
  }
}
