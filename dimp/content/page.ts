/**
 * Web page content, type 0x20 (spec messages.md §7.3).
 *
 * @module
 */
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { readString } from "./_values.ts";

/**
 * Optional members of a page.
 *
 * @example
 * ```ts
 * const extra: PageOptions = { desc: "site", icon: "https://dim.chat/icon.png" };
 * ```
 */
export interface PageOptions extends ContentOptions {
  /** Description. */
  readonly desc?: string;
  /** Icon (PNF). */
  readonly icon?: unknown;
  /** The page itself, when it is not loaded from `URL`. */
  readonly HTML?: string;
}

/**
 * `{"type": 32, "URL", "title", "desc", "icon", "HTML"}`.
 *
 * @example
 * ```ts
 * PageContent.create("https://dim.chat/", "DIM", { desc: "site" }).title; // "DIM"
 * ```
 */
export class PageContent extends Content {
  /** A new page. */
  static create(
    url: string,
    title: string,
    options: PageOptions = {},
  ): PageContent {
    const { desc, icon, HTML } = options;
    return new PageContent(
      Content.build(
        ContentType.PAGE,
        { URL: url, title, desc, icon, HTML },
        options,
      ),
    );
  }

  /** The page URL, if any. */
  get url(): string | undefined {
    return readString(this.dictionary.URL);
  }

  /** The title ("" when missing). */
  get title(): string {
    return readString(this.dictionary.title) ?? "";
  }

  /** The description, if any. */
  get desc(): string | undefined {
    return readString(this.dictionary.desc);
  }

  /** The HTML, if any. */
  get html(): string | undefined {
    return readString(this.dictionary.HTML);
  }
}
