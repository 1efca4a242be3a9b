/**
 * The block and mute lists (station.md §4.9): an upload (`list` present)
 * replaces the sender's stored command; a query returns it, or an empty
 * list. The block list is applied to deliveries at once; the mute list
 * only concerns push notifications. A list relayed by a station session
 * for someone else counts only when the message verifies: a session that
 * claims to be a station must not change a user's lists.
 *
 * @module
 */
import { Command } from "../../dimp/command/mod.ts";
import { Content } from "../../dimp/content/mod.ts";
import type { ContentProcessor, Request, StationCore } from "../core.ts";
import { respond } from "./_receipt.ts";

/**
 * A processor for `block` or `mute`.
 *
 * @example
 * ```ts ignore
 * const processBlock = listProcessor("block");
 * await processBlock(BlockCommand.upload([carol]), request, core); // ["Block received."]
 * ```
 */
export function listProcessor(kind: "block" | "mute"): ContentProcessor {
  const Name = kind === "block" ? "Block" : "Mute";
  return async (
    content: Content,
    request: Request,
    core: StationCore,
  ): Promise<Content[]> => {
    const { sender, session } = request;
    if (session.isStation && !session.identifier!.equals(sender)) {
      try {
        await core.messenger.verify(request.msg);
      } catch (error) {
        core.log.warn(
          `${kind} list of ${sender.value} relayed by ${
            session.identifier!.value
          } refused: ${error}`,
        );
        return [];
      }
    }
    const replacements = { did: sender.value };
    if (Array.isArray(content.dictionary.list)) {
      let saved: boolean;
      try {
        saved = core.store.userCommands.save({
          user: sender.value,
          kind,
          time: content.time,
          cmd: content.dictionary,
        });
      } catch (error) {
        core.log.warn(`${kind} list of ${sender.value} not stored: ${error}`);
        saved = false;
      }
      if (kind === "block") core.blocks.forget(sender);
      return [
        saved
          ? respond(
            `${Name} received.`,
            request,
            content,
            `${Name} command received: \${did}.`,
            replacements,
          )
          : respond(
            `${Name} not changed.`,
            request,
            content,
            `${Name} command not changed: \${did}.`,
            replacements,
          ),
      ];
    }
    const stored = core.store.userCommands.get(sender.value, kind);
    return [
      stored !== undefined
        ? new Content({ ...stored })
        : Command.named(kind, { list: [] }),
    ];
  };
}
