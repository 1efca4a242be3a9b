/**
 * The content base class: a JSON dictionary with `type`, `sn`, `time` and
 * `group` (spec messages.md §6). Every typed content extends it; unknown
 * types stay plain `Content` objects with their dictionary untouched.
 *
 * @module
 */
import type { ID } from "../identity/mod.ts";
import { parseContentType } from "./content_type.ts";
import { nextSerialNumber } from "./serial_number.ts";
import { isRecord, nowSeconds, readId, readNumber } from "./_values.ts";

/**
 * Common options of every content constructor. `sn` and `time` default to
 * the next serial number and now; `group` marks a group conversation.
 *
 * @example
 * ```ts
 * import { TextContent } from "./text.ts";
 * import { parseId } from "../identity/mod.ts";
 * const team = parseId("team@hB3yPLgXFsYHL4QFkDU6syDx6SGL4dmQG");
 * TextContent.create("hi", { group: team }).group?.value === team.value; // true
 * ```
 */
export interface ContentOptions {
  /** Serial number (default: the process counter). */
  readonly sn?: number;
  /** Seconds (default: now). */
  readonly time?: number;
  /** The group conversation the content belongs to. */
  readonly group?: ID | string;
}

/**
 * A content: the dictionary exactly as received or built, with typed
 * accessors. Unknown members are kept; nothing is dropped.
 *
 * @example
 * ```ts
 * const content = new Content({ type: 0x99, sn: 7, custom: true });
 * content.type; // 153
 * JSON.stringify(content); // the same dictionary
 * ```
 */
export class Content {
  /** The content JSON; unknown members included. */
  readonly dictionary: Record<string, unknown>;

  /** Wraps a dictionary (no copy, no checks: accessors are lenient). */
  constructor(dictionary: Record<string, unknown>) {
    this.dictionary = dictionary;
  }

  /**
   * Builds a content dictionary: `type`, `sn`, `time`, `command` when
   * given (a command's name), the given members (`undefined` ones left
   * out), then `group` when given.
   */
  static build(
    type: number,
    members: Record<string, unknown>,
    options: ContentOptions = {},
    command?: string,
  ): Record<string, unknown> {
    const dict: Record<string, unknown> = {
      type,
      sn: options.sn ?? nextSerialNumber(),
      time: options.time ?? nowSeconds(),
    };
    if (command !== undefined) dict.command = command;
    // for-in, not Object.entries: no pair per member (every receipt)
    for (const name in members) {
      const value = members[name];
      if (value !== undefined && Object.hasOwn(members, name)) {
        dict[name] = value;
      }
    }
    if (options.group !== undefined) dict.group = String(options.group);
    return dict;
  }

  /** The type number (numeric strings and aliases read); 0 when unknown. */
  get type(): number {
    return parseContentType(this.dictionary.type) ?? 0;
  }

  /** The serial number, if a number. */
  get sn(): number | undefined {
    return readNumber(this.dictionary.sn);
  }

  /** The content time in seconds, if present. */
  get time(): number | undefined {
    return readNumber(this.dictionary.time);
  }

  /** The group conversation, if `group` is an ID. */
  get group(): ID | undefined {
    return readId(this.dictionary.group);
  }

  /** Sets (or with `undefined` removes) `group`. */
  set group(group: ID | string | undefined) {
    if (group === undefined) delete this.dictionary.group;
    else this.dictionary.group = String(group);
  }

  /** The dictionary, for `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return this.dictionary;
  }
}

/**
 * A message (any stage) or its dictionary: what receipts, quotes and
 * forwards take.
 */
export type MessageLike =
  | Record<string, unknown>
  | { readonly dictionary: Readonly<Record<string, unknown>> };

/**
 * The dictionary of a {@link MessageLike} (not a copy).
 */
export function messageDictionary(
  message: MessageLike,
): Readonly<Record<string, unknown>> {
  const inner = (message as { dictionary?: unknown }).dictionary;
  return isRecord(inner) ? inner : message as Record<string, unknown>;
}
