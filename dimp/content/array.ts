/**
 * Array content, type 0xCA (spec messages.md §7.8): a list of contents.
 *
 * @module
 */
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { readRecordList } from "./_values.ts";

/**
 * `{"type": 202, "contents": [...]}`. The inner contents are not
 * compatibility-normalised by the reference (their `type` may be a string);
 * parse each with `parseContent`.
 *
 * @example
 * ```ts
 * import { TextContent } from "./text.ts";
 * ArrayContent.create([TextContent.create("a"), TextContent.create("b")]).contents.length; // 2
 * ```
 */
export class ArrayContent extends Content {
  /** A new list of contents. */
  static create(
    contents: readonly Content[],
    options: ContentOptions = {},
  ): ArrayContent {
    return new ArrayContent(
      Content.build(
        ContentType.ARRAY,
        { contents: contents.map((c) => c.dictionary) },
        options,
      ),
    );
  }

  /** The inner content dictionaries (non-objects skipped). */
  get contents(): Record<string, unknown>[] {
    return readRecordList(this.dictionary.contents);
  }
}
