/**
 * Contents that carry other things (station.md §4.9): a `forward` content's
 * messages are each processed as if received directly, and the replies come
 * back in one `forward` content; an `array` content's contents are each
 * processed and all replies returned. Nesting is bounded.
 *
 * @module
 */
import {
  ArrayContent,
  type Content,
  ForwardContent,
  incomingCompat,
  parseContent,
} from "../../dimp/content/mod.ts";
import { ReliableMessage } from "../../dimp/message/mod.ts";
import type { Request, StationCore } from "../core.ts";

/**
 * How deep forward / array contents are opened.
 *
 * @example
 * ```ts
 * MAX_NESTING; // 2
 * ```
 */
export const MAX_NESTING = 2;

/**
 * Processes the messages of a `forward` content.
 *
 * @example
 * ```ts ignore
 * await processForward(ForwardContent.create([inner]), request, core); // [forward(replies)]
 * ```
 */
export async function processForward(
  content: Content,
  request: Request,
  core: StationCore,
): Promise<Content[]> {
  if (request.depth >= MAX_NESTING) return [];
  const forward = content instanceof ForwardContent
    ? content
    : new ForwardContent(content.dictionary);
  const replies: ReliableMessage[] = [];
  for (const dict of forward.messages) {
    let inner: ReliableMessage;
    try {
      inner = ReliableMessage.parse(dict);
    } catch (error) {
      core.log.warn(`forwarded message dropped: ${error}`);
      continue;
    }
    replies.push(
      ...await core.process(request.session, inner, request.depth + 1),
    );
  }
  return replies.length === 0 ? [] : [ForwardContent.create(replies)];
}

/**
 * Processes the contents of an `array` content.
 *
 * @example
 * ```ts ignore
 * await processArray(ArrayContent.create([query1, query2]), request, core);
 * ```
 */
export async function processArray(
  content: Content,
  request: Request,
  core: StationCore,
): Promise<Content[]> {
  if (request.depth >= MAX_NESTING) return [];
  const array = content instanceof ArrayContent
    ? content
    : new ArrayContent(content.dictionary);
  const inner = { ...request, depth: request.depth + 1 };
  const replies: Content[] = [];
  for (const dict of array.contents) {
    replies.push(
      ...await core.processContent(parseContent(incomingCompat(dict)), inner),
    );
  }
  return replies;
}
