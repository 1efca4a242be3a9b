/**
 * The shape block and mute share: `list` present = upload, absent = query.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { readIdList } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command } from "./command.ts";

/** A command whose `list` of IDs is uploaded, or asked for when absent. */
export class ListCommand extends Command {
  /** The dictionary of an upload (`list` given) or a query (`undefined`). */
  protected static buildList(
    name: string,
    list: readonly (ID | string)[] | undefined,
    options: ContentOptions,
  ): Record<string, unknown> {
    return Command.buildCommand(
      name,
      { list: list?.map((id) => String(id)) },
      options,
    );
  }

  /** The IDs of `list` (invalid entries skipped); empty for a query. */
  get list(): ID[] {
    return readIdList(this.dictionary.list);
  }

  /** Whether `list` is present (an upload, possibly empty). */
  get isUpload(): boolean {
    return Array.isArray(this.dictionary.list);
  }
}
