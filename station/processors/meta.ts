/**
 * The meta command (station.md §4.9): a query is answered with the stored
 * meta; an upload is validated (it must match its ID) and stored if the ID
 * has none (a meta never changes).
 *
 * @module
 */
import { MetaCommand } from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import type { ID } from "../../dimp/identity/mod.ts";
import { metaRefusalText, ReplyText } from "../../store/mod.ts";
import type { Request, StationCore } from "../core.ts";
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
    return meta === undefined
      ? [respondFor(ReplyText.META_NOT_FOUND, request, content, id.value)]
      : [MetaCommand.response(id, meta)];
  }
  const refused = await saveMeta(id, upload, request, content, core);
  return refused !== undefined
    ? [refused]
    : [respondFor(ReplyText.META_RECEIVED, request, content, id.value)];
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
