/**
 * Combine-forward content, type 0xCF (spec messages.md §7.8): a chat history
 * of instant messages under a title.
 *
 * @module
 */
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { readRecordList, readString } from "./_values.ts";

/**
 * `{"type": 207, "title", "messages": [<InstantMessage>, ...]}`.
 */
export class CombineForwardContent extends Content {
  /** A new combined history. */
  static create(
    title: string,
    messages: readonly Record<string, unknown>[],
    options: ContentOptions = {},
  ): CombineForwardContent {
    return new CombineForwardContent(
      Content.build(
        ContentType.COMBINE_FORWARD,
        { title, messages: [...messages] },
        options,
      ),
    );
  }

  /** The title ("" when missing). */
  get title(): string {
    return readString(this.dictionary.title) ?? "";
  }

  /** The instant message dictionaries (non-objects skipped). */
  get messages(): Record<string, unknown>[] {
    return readRecordList(this.dictionary.messages);
  }
}
