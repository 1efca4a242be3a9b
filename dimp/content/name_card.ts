/**
 * Name card content, type 0x33 (spec messages.md §7.4).
 *
 * @module
 */
import { PortableNetworkFile } from "../crypto/mod.ts";
import type { ID } from "../identity/mod.ts";
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { readId, readString } from "./_values.ts";

/**
 * `{"type": 51, "did", "name", "avatar"}` (the outgoing compatibility adds
 * `ID`; readers accept either).
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * NameCardContent.create(bob, "bob").identifier?.value === bob.value; // true
 * ```
 */
export class NameCardContent extends Content {
  /** A new name card; `avatar` in any PNF form. */
  static create(
    id: ID | string,
    name: string,
    options: ContentOptions & { readonly avatar?: PortableNetworkFile } = {},
  ): NameCardContent {
    return new NameCardContent(
      Content.build(
        ContentType.NAME_CARD,
        { did: String(id), name, avatar: options.avatar?.serialize() },
        options,
      ),
    );
  }

  /** The ID on the card (`did`, else `ID`). */
  get identifier(): ID | undefined {
    return readId(this.dictionary.did ?? this.dictionary.ID);
  }

  /** The name ("" when missing). */
  get name(): string {
    return readString(this.dictionary.name) ?? "";
  }

  /**
   * The avatar, if any.
   *
   * @throws {EncodingError} an avatar `{...}` string that is not JSON
   */
  avatar(): PortableNetworkFile | undefined {
    return PortableNetworkFile.parse(this.dictionary.avatar);
  }
}
