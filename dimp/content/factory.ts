/**
 * Which class a content dictionary becomes, by its type (spec messages.md
 * §6). Unknown types stay plain `Content` objects: never dropped.
 *
 * @module
 */
import { parseCommand } from "../command/factory.ts";
import { ArrayContent } from "./array.ts";
import { CombineForwardContent } from "./combine.ts";
import { Content } from "./content.ts";
import { ContentType, parseContentType } from "./content_type.ts";
import { CustomizedContent } from "./customized.ts";
import {
  AudioContent,
  FileContent,
  ImageContent,
  VideoContent,
} from "./file.ts";
import { ForwardContent } from "./forward.ts";
import { MoneyContent, TransferContent } from "./money.ts";
import { NameCardContent } from "./name_card.ts";
import { PageContent } from "./page.ts";
import { QuoteContent } from "./quote.ts";
import { TextContent } from "./text.ts";

type ContentClass = new (dictionary: Record<string, unknown>) => Content;

const CONTENTS: ReadonlyMap<number, ContentClass> = new Map<
  number,
  ContentClass
>([
  [ContentType.TEXT, TextContent],
  [ContentType.FILE, FileContent],
  [ContentType.IMAGE, ImageContent],
  [ContentType.AUDIO, AudioContent],
  [ContentType.VIDEO, VideoContent],
  [ContentType.PAGE, PageContent],
  [ContentType.NAME_CARD, NameCardContent],
  [ContentType.QUOTE, QuoteContent],
  [ContentType.MONEY, MoneyContent],
  [ContentType.TRANSFER, TransferContent],
  [ContentType.ARRAY, ArrayContent],
  [ContentType.CUSTOMIZED, CustomizedContent],
  [ContentType.APPLICATION, CustomizedContent],
  [ContentType.COMBINE_FORWARD, CombineForwardContent],
  [ContentType.FORWARD, ForwardContent],
]);

/**
 * Wraps a content dictionary (no copy) in the class of its type; commands
 * (0x88, 0x89) by their name. Apply {@link incomingCompat} first to
 * received contents.
 *
 * @example
 * ```ts
 * import { TextContent } from "./text.ts";
 * parseContent({ type: "text", sn: 5, text: "hi" }) instanceof TextContent; // true
 * parseContent({ type: 0x99, sn: 6 }).dictionary; // kept as is
 * ```
 */
export function parseContent(dictionary: Record<string, unknown>): Content {
  const type = parseContentType(dictionary.type) ?? ContentType.ANY;
  if (type === ContentType.COMMAND || type === ContentType.HISTORY) {
    return parseCommand(dictionary, type);
  }
  const known = CONTENTS.get(type);
  return known === undefined ? new Content(dictionary) : new known(dictionary);
}
