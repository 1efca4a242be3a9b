/**
 * The meta command (station.md §4.9): a query is answered with the stored
 * meta (none: "Meta not found.", and the neighbours are asked, §4.13); an
 * upload is validated (it must match its ID) and stored if the ID
 * has none (a meta never changes).
 *
 * @module
 */
import { MetaCommand } from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import { EntityType, type ID } from "../../dimp/identity/mod.ts";
import { metaRefusalText, ReplyText } from "../../store/mod.ts";
import type { Request, StationCore } from "../core.ts";
import type { NeighbourQueryKind } from "../neighbour_queries.ts";
import { respond, respondFor } from "./_receipt.ts";

/**
 * Processes a meta query or upload.
 *
 * @example
 * ```ts ignore
 * await processMeta(MetaCommand.query(bob), request, core); // [meta command] or ["Meta not found."]
 * ```
 */
export async function processMeta(
  content: Content,
  request: Request,
  core: StationCore,
): Promise<Content[]> {
  const cmd = content instanceof MetaCommand
    ? content
    : new MetaCommand(content.dictionary);
  const id = cmd.identifier?.withoutTerminal();
  if (id === undefined) {
    return [respond("Meta command error.", request, content)];
  }
  const upload = cmd.metaDictionary;
  if (upload === undefined) {
    const meta = core.accounts.meta(id);
    if (meta !== undefined) return [MetaCommand.response(id, meta)];
    askNeighbours("meta", id, request, core);
    return [respondFor(ReplyText.META_NOT_FOUND, request, content, id.value)];
  }
  const refused = await saveMeta(id, upload, request, content, core);
  return refused !== undefined
    ? [refused]
    : [respondFor(ReplyText.META_RECEIVED, request, content, id.value)];
}

/**
 * Asks the neighbours for what a user or bot looked up in vain (§4.13); a
 * station asking is left to ask its own neighbours.
 *
 * @example
 * ```ts ignore
 * askNeighbours("meta", bob, request, core);
 * ```
 */
export function askNeighbours(
  kind: NeighbourQueryKind,
  id: ID,
  request: Request,
  core: StationCore,
): void {
  if (request.sender.type === EntityType.STATION) return;
  core.queries.ask(kind, id, request.sender);
}

/**
 * Validates and stores a meta; the refusal receipt, or `undefined` when it
 * was stored (or the ID already had one).
 *
 * @example
 * ```ts ignore
 * const refused = await saveMeta(id, metaJson, request, content, core);
 * ```
 */
export async function saveMeta(
  id: ID,
  meta: Record<string, unknown>,
  request: Request,
  content: Content,
  core: StationCore,
): Promise<Content | undefined> {
  const done = core.stats.time("save_meta");
  try {
    await core.accounts.saveMeta(id, meta);
    return undefined;
  } catch (error) {
    const text = metaRefusalText(error);
    if (text === undefined) throw error;
    core.log.warn(`meta of ${id.value} refused: ${error}`);
    return respondFor(text, request, content, id.value);
  } finally {
    done();
  }
}
