/**
 * Forward ("top-secret") content, type 0xFF (spec messages.md §7.7): carries
 * complete reliable messages — `forward` for one, `secrets` for several.
 *
 * @module
 */
import {
  Content,
  type ContentOptions,
  messageDictionary,
  type MessageLike,
} from "./content.ts";
import { ContentType } from "./content_type.ts";
import { isRecord, readRecordList } from "./_values.ts";

/**
 * `{"type": 255, "forward": {...}}` or `{"type": 255, "secrets": [...]}`.
 * Parse the inner messages with `ReliableMessage.parse`.
 */
export class ForwardContent extends Content {
  /** Wraps one message (`forward`) or several (`secrets`). */
  static create(
    messages: readonly MessageLike[],
    options: ContentOptions = {},
  ): ForwardContent {
    const dicts = messages.map((m) => ({ ...messageDictionary(m) }));
    const members = dicts.length === 1
      ? { forward: dicts[0] }
      : { secrets: dicts };
    return new ForwardContent(
      Content.build(ContentType.FORWARD, members, options),
    );
  }

  /** The carried message dictionaries: `secrets`, else `[forward]`. */
  get messages(): Record<string, unknown>[] {
    const { forward, secrets } = this.dictionary;
    if (Array.isArray(secrets)) return readRecordList(secrets);
    return isRecord(forward) ? [forward] : [];
  }
}
