/**
 * The block command (spec messages.md §8.7).
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import type { ID } from "../identity/mod.ts";
import { CommandName } from "./command.ts";
import { ListCommand } from "./_list_command.ts";

/**
 * `{"command": "block", "list": [IDs]}` uploads the block list; without
 * `list` it asks for the stored one.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const carol = parseId("carol@1DyyT4LeY77hfqJUZ5F1wLJi2NStsaBkSa");
 * BlockCommand.upload([carol]).list[0].value === carol.value; // true
 * BlockCommand.query().isUpload; // false
 * ```
 */
export class BlockCommand extends ListCommand {
  /** Uploads the whole block list. */
  static upload(
    list: readonly (ID | string)[],
    options: ContentOptions = {},
  ): BlockCommand {
    return new BlockCommand(
      ListCommand.buildList(CommandName.BLOCK, list, options),
    );
  }

  /** Asks for the stored block list. */
  static query(options: ContentOptions = {}): BlockCommand {
    return new BlockCommand(
      ListCommand.buildList(CommandName.BLOCK, undefined, options),
    );
  }
}
