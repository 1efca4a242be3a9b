/**
 * Money 0x40 and transfer 0x41 contents (spec messages.md §7.6).
 *
 * @module
 */
import type { ID } from "../identity/mod.ts";
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { readId, readNumber, readString } from "./_values.ts";

/**
 * `{"type": 64, "currency", "amount"}`.
 *
 * @example
 * ```ts
 * MoneyContent.create("USD", 1.5).amount; // 1.5
 * ```
 */
export class MoneyContent extends Content {
  /** A new money content. */
  static create(
    currency: string,
    amount: number,
    options: ContentOptions = {},
  ): MoneyContent {
    return new MoneyContent(
      Content.build(ContentType.MONEY, { currency, amount }, options),
    );
  }

  /** The currency ("" when missing). */
  get currency(): string {
    return readString(this.dictionary.currency) ?? "";
  }

  /** The amount (0 when missing). */
  get amount(): number {
    return readNumber(this.dictionary.amount) ?? 0;
  }
}

/**
 * `{"type": 65, "currency", "amount", "remitter", "remittee"}`.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * TransferContent.create("USD", 2, { remittee: bob }).remittee?.value === bob.value; // true
 * ```
 */
export class TransferContent extends MoneyContent {
  /** A new transfer. */
  static override create(
    currency: string,
    amount: number,
    options: ContentOptions & {
      readonly remitter?: ID | string;
      readonly remittee?: ID | string;
    } = {},
  ): TransferContent {
    const remitter = options.remitter?.toString();
    const remittee = options.remittee?.toString();
    return new TransferContent(
      Content.build(
        ContentType.TRANSFER,
        { currency, amount, remitter, remittee },
        options,
      ),
    );
  }

  /** Who pays. */
  get remitter(): ID | undefined {
    return readId(this.dictionary.remitter);
  }

  /** Who is paid. */
  get remittee(): ID | undefined {
    return readId(this.dictionary.remittee);
  }
}
