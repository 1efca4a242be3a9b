/**
 * The content processors of the station (station.md §4.9) and the dispatch
 * from a content to its processor: commands by name, other contents by
 * type. Unknown commands are answered "Command not support.", unknown
 * contents "Content not support."; texts and receipts get no reply.
 *
 * @module
 */
import { Command, CommandName } from "../../dimp/command/mod.ts";
import { type Content, ContentType } from "../../dimp/content/mod.ts";
import type { ContentProcessor, Request, StationCore } from "../core.ts";
import { PRESENCE_COMMAND } from "../presence.ts";
import { respond } from "./_receipt.ts";
import { processAns } from "./ans.ts";
import { processDocuments } from "./documents.ts";
import { processArray, processForward } from "./forward.ts";
import { processHandshake } from "./handshake.ts";
import { listProcessor } from "./lists.ts";
import { processLogin } from "./login.ts";
import { processMeta } from "./meta.ts";
import { processPresence } from "./presence.ts";
import { processReport } from "./report.ts";

export { MAX_ANS_NAMES, processAns } from "./ans.ts";
export { processDocuments } from "./documents.ts";
export { MAX_NESTING, processArray, processForward } from "./forward.ts";
export { processHandshake } from "./handshake.ts";
export { listProcessor } from "./lists.ts";
export { processLogin } from "./login.ts";
export { processMeta, saveMeta } from "./meta.ts";
export { PRESENCE_BURST, PRESENCE_RATE, processPresence } from "./presence.ts";
export { processReport } from "./report.ts";
export { respond, respondFor } from "./_receipt.ts";

const ignore: ContentProcessor = () => [];

/**
 * The command processors by command name.
 *
 * @example
 * ```ts
 * COMMAND_PROCESSORS.has("handshake"); // true
 * ```
 */
export const COMMAND_PROCESSORS: ReadonlyMap<string, ContentProcessor> =
  new Map<string, ContentProcessor>([
    [CommandName.HANDSHAKE, processHandshake],
    [CommandName.LOGIN, processLogin],
    [CommandName.REPORT, processReport],
    [CommandName.ONLINE, processReport],
    [CommandName.OFFLINE, processReport],
    [CommandName.BROADCAST, processReport],
    [CommandName.META, processMeta],
    [CommandName.DOCUMENTS, processDocuments],
    [CommandName.DOCUMENT, processDocuments],
    [CommandName.PROFILE, processDocuments],
    [CommandName.VISA, processDocuments],
    [CommandName.BULLETIN, processDocuments],
    [CommandName.ANS, processAns],
    [CommandName.BLOCK, listProcessor("block")],
    [CommandName.MUTE, listProcessor("mute")],
    [CommandName.RECEIPT, ignore],
    [PRESENCE_COMMAND, processPresence],
  ]);

/**
 * The processors of other contents by type.
 *
 * @example
 * ```ts
 * CONTENT_PROCESSORS.has(0xff); // true: forward
 * ```
 */
export const CONTENT_PROCESSORS: ReadonlyMap<number, ContentProcessor> =
  new Map<number, ContentProcessor>([
    [ContentType.TEXT, ignore],
    [ContentType.FORWARD, processForward],
    [ContentType.ARRAY, processArray],
  ]);

/**
 * Processes a content addressed to the station and returns the replies.
 *
 * @example
 * ```ts ignore
 * const replies = await processContent(instant.content, request, core);
 * ```
 */
export function processContent(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] | Promise<Content[]> {
  const type = content.type;
  if (type === ContentType.COMMAND || type === ContentType.HISTORY) {
    const name = content instanceof Command
      ? content.name
      : new Command(content.dictionary).name;
    const processor = type === ContentType.COMMAND
      ? COMMAND_PROCESSORS.get(name)
      : undefined;
    if (processor !== undefined) return processor(content, request, core);
    return [
      respond(
        "Command not support.",
        request,
        content,
        "Command (name: ${command}) not support yet!",
        { command: name },
      ),
    ];
  }
  const processor = CONTENT_PROCESSORS.get(type);
  if (processor !== undefined) return processor(content, request, core);
  return [
    respond(
      "Content not support.",
      request,
      content,
      "Content (type: ${type}) not support yet!",
      { type },
    ),
  ];
}
