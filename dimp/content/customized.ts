/**
 * Customized content, type 0xCC (and application 0xA0): `app`, `mod`, `act`
 * plus free members (spec messages.md §7.9), with the group helpers the
 * group assistant speaks (station.md §6.3).
 *
 * @module
 */
import type { ID } from "../identity/mod.ts";
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { isRecord, readId, readIdList, readString } from "./_values.ts";

/**
 * The `app` of the group helpers.
 */
export const GROUP_APP = "chat.dim.group";

/**
 * The `act` values of group key contents.
 *
 * @example
 * ```ts
 * const act: GroupKeysAction = "request";
 * ```
 */
export type GroupKeysAction = "query" | "update" | "request" | "respond";

/**
 * `{"type": 204, "app", "mod", "act", ...}`.
 *
 * @example
 * ```ts
 * CustomizedContent.create("chat.dim.sechat", "drift_bottle", "throw").mod; // "drift_bottle"
 * ```
 */
export class CustomizedContent extends Content {
  /** A new customized content; `members` are the free parameters. */
  static create(
    app: string,
    mod: string,
    act: string,
    members: Record<string, unknown> = {},
    options: ContentOptions & { readonly application?: boolean } = {},
  ): CustomizedContent {
    const type = options.application
      ? ContentType.APPLICATION
      : ContentType.CUSTOMIZED;
    return new CustomizedContent(
      Content.build(type, { app, mod, act, ...members }, options),
    );
  }

  /**
   * The group history query (the reference writes `mod: "keys"`; readers
   * should accept `"history"` too).
   */
  static groupHistoryQuery(
    group: ID,
    lastTime?: number,
    options: ContentOptions = {},
  ): CustomizedContent {
    return CustomizedContent.create(
      GROUP_APP,
      "keys",
      "query",
      { last_time: lastTime },
      { ...options, group },
    );
  }

  /** A group key content (query / update / request / respond). */
  static groupKeys(
    act: GroupKeysAction,
    group: ID,
    members: {
      readonly from?: ID;
      readonly to?: readonly ID[];
      readonly digest?: string;
      readonly keys?: Readonly<Record<string, string>>;
    },
    options: ContentOptions = {},
  ): CustomizedContent {
    return CustomizedContent.create(
      GROUP_APP,
      "keys",
      act,
      {
        from: members.from?.value,
        to: members.to?.map((id) => id.value),
        digest: members.digest,
        keys: members.keys === undefined ? undefined : { ...members.keys },
      },
      { ...options, group },
    );
  }

  /** The application ("" when missing). */
  get app(): string {
    return readString(this.dictionary.app) ?? "";
  }

  /** The module ("" when missing). */
  get mod(): string {
    return readString(this.dictionary.mod) ?? "";
  }

  /** The action ("" when missing). */
  get act(): string {
    return readString(this.dictionary.act) ?? "";
  }

  /** Group keys content: the sender whose key is meant. */
  get from(): ID | undefined {
    return readId(this.dictionary.from);
  }

  /** Group keys content: the members meant. */
  get to(): ID[] {
    return readIdList(this.dictionary.to);
  }

  /** Group keys content: `{member: base64, digest}`. */
  get keys(): Record<string, unknown> | undefined {
    const keys = this.dictionary.keys;
    return isRecord(keys) ? keys : undefined;
  }
}
