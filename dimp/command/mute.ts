/**
 * The mute command (spec messages.md §8.7).
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import type { ID } from "../identity/mod.ts";
import { CommandName } from "./command.ts";
import { ListCommand } from "./_list_command.ts";

/**
 * `{"command": "mute", "list": [IDs]}` uploads the mute list; without
 * `list` it asks for the stored one.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const carol = parseId("carol@1DyyT4LeY77hfqJUZ5F1wLJi2NStsaBkSa");
 * MuteCommand.upload([carol]).isUpload; // true
 * ```
 */
export class MuteCommand extends ListCommand {
  /** Uploads the whole mute list. */
  static upload(
    list: readonly (ID | string)[],
    options: ContentOptions = {},
  ): MuteCommand {
    return new MuteCommand(
      ListCommand.buildList(CommandName.MUTE, list, options),
    );
  }

  /** Asks for the stored mute list. */
  static query(options: ContentOptions = {}): MuteCommand {
    return new MuteCommand(
      ListCommand.buildList(CommandName.MUTE, undefined, options),
    );
  }
}
