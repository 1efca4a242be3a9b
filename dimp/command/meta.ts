/**
 * The meta command (spec messages.md §8.4): query (no `meta`) or response /
 * upload (with `meta`).
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { isRecord, readId } from "../content/_values.ts";
import { type ID, Meta } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/**
 * `{"command": "meta", "did", "meta"}` (the outgoing compatibility adds `ID`
 * and gives the meta both `type` and `version`).
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * MetaCommand.query(bob).identifier?.value === bob.value; // true
 * ```
 */
export class MetaCommand extends Command {
  /** Asks for the meta of `id`. */
  static query(id: ID, options: ContentOptions = {}): MetaCommand {
    return new MetaCommand(
      Command.buildCommand(CommandName.META, { did: id.value }, options),
    );
  }

  /** Carries the meta of `id`. */
  static response(
    id: ID,
    meta: Meta | Record<string, unknown>,
    options: ContentOptions = {},
  ): MetaCommand {
    return new MetaCommand(
      Command.buildCommand(
        CommandName.META,
        { did: id.value, meta: metaDictionary(meta) },
        options,
      ),
    );
  }

  /** The entity (`did`, else `ID`). */
  get identifier(): ID | undefined {
    return readId(this.dictionary.did ?? this.dictionary.ID);
  }

  /** The meta dictionary, if any (a query has none). */
  get metaDictionary(): Record<string, unknown> | undefined {
    const meta = this.dictionary.meta;
    return isRecord(meta) ? meta : undefined;
  }

  /**
   * The meta, parsed (not verified), if any.
   *
   * @throws {MetaFormatError} a meta of the wrong structure
   * @throws {KeyFormatError} a meta key that does not parse
   */
  meta(): Meta | undefined {
    const dict = this.metaDictionary;
    return dict === undefined ? undefined : Meta.parse(dict);
  }
}

/** A copy of a meta's dictionary. */
export function metaDictionary(
  meta: Meta | Record<string, unknown>,
): Record<string, unknown> {
  return meta instanceof Meta ? { ...meta.dictionary } : { ...meta };
}
