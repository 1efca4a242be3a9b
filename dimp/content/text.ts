/**
 * Text content, type 0x01 (spec messages.md §7.1).
 *
 * @module
 */
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { isRecord, readString } from "./_values.ts";

/**
 * Extra members of a text: `format` (`"markdown"`), and a localisable
 * `template` with its `replacements`.
 *
 * @example
 * ```ts
 * const extra: TextOptions = { format: "markdown" };
 * ```
 */
export interface TextOptions extends ContentOptions {
  /** Text format, e.g. `"markdown"`. */
  readonly format?: string;
  /** Localisable text with `${name}` placeholders. */
  readonly template?: string;
  /** Values for the template placeholders. */
  readonly replacements?: Record<string, unknown>;
}

/**
 * `{"type": 1, "sn", "time", "text"}`.
 *
 * @example
 * ```ts
 * TextContent.create("Hello").text; // "Hello"
 * ```
 */
export class TextContent extends Content {
  /** A new text. */
  static create(text: string, options: TextOptions = {}): TextContent {
    const { format, template, replacements } = options;
    return new TextContent(
      Content.build(
        ContentType.TEXT,
        { text, format, template, replacements },
        options,
      ),
    );
  }

  /** The text ("" when missing). */
  get text(): string {
    return readString(this.dictionary.text) ?? "";
  }

  /** The format, if any. */
  get format(): string | undefined {
    return readString(this.dictionary.format);
  }

  /** The template, if any. */
  get template(): string | undefined {
    return readString(this.dictionary.template);
  }

  /** The template replacements, if any. */
  get replacements(): Record<string, unknown> | undefined {
    const value = this.dictionary.replacements;
    return isRecord(value) ? value : undefined;
  }
}
