/**
 * The documents command (station.md §4.9; legacy names `document`,
 * `profile`, `visa`, `bulletin`). A query is answered with the stored meta
 * and documents (or "Document not found." — and the neighbours are asked,
 * §4.13 — / "Document not updated." for a `last_time` that is up to date), followed by a `forward` of the ID's
 * stored login message. An upload is checked document by document (ID,
 * meta, signature, time) through the account facade; the meta given with
 * it is validated and stored first.
 *
 * @module
 */
import { DocumentCommand } from "../../dimp/command/mod.ts";
import { type Content, ForwardContent } from "../../dimp/content/mod.ts";
import { EntityType, type ID, tryParseId } from "../../dimp/identity/mod.ts";
import { documentRefusalText, ReplyText } from "../../store/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { respond, respondFor } from "./_receipt.ts";
import { askNeighbours, saveMeta } from "./meta.ts";

/**
 * Processes a documents query or upload.
 *
 * @example
 * ```ts ignore
 * await processDocuments(DocumentCommand.query(bob), request, core); // [documents, forward(login)]
 * ```
 */
export function processDocuments(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] | Promise<Content[]> {
  const cmd = content instanceof DocumentCommand
    ? content
    : new DocumentCommand(content.dictionary);
  const id = cmd.identifier?.withoutTerminal();
  if (id === undefined) {
    return [respond("Document command error.", request, content)];
  }
  return cmd.isQuery
    ? query(cmd, id, request, core)
    : upload(cmd, id, request, core);
}

function query(
  cmd: DocumentCommand,
  id: ID,
  request: Request,
  core: StationCore,
): Content[] {
  const rows = core.store.documents.list(id.value);
  if (rows.length === 0) {
    askNeighbours("documents", id, request, core);
    return [respondFor("Document not found.", request, cmd, id.value)];
  }
  const lastTime = cmd.lastTime;
  const newest = Math.max(...rows.map((row) => row.time ?? 0));
  if (lastTime !== undefined && newest <= lastTime) {
    return [
      respond(
        "Document not updated.",
        request,
        cmd,
        "Document not updated: ${did}, last time: ${time}.",
        { did: id.value, time: newest },
      ),
    ];
  }
  const replies: Content[] = [
    DocumentCommand.response(
      id,
      core.store.metas.get(id.value),
      rows.map((row) => row.doc),
    ),
  ];
  const login = loginFor(id, request.sender, core);
  if (login !== undefined) replies.push(ForwardContent.create([login]));
  return replies;
}

/** The stored login message of `id` to forward to `requester`, if any. */
function loginFor(
  id: ID,
  requester: ID,
  core: StationCore,
): Record<string, unknown> | undefined {
  const station = core.identity.id;
  if (requester.equals(station) || requester.type === EntityType.BOT) {
    return undefined;
  }
  const login = core.store.logins.newest(id.value);
  if (login === undefined) return undefined;
  if (requester.type === EntityType.STATION) {
    // another station gets it only for a user logged in here
    const at = tryParseId(login.stationId);
    if (at === undefined || !at.equals(station)) return undefined;
  }
  return login.msg;
}

async function upload(
  cmd: DocumentCommand,
  id: ID,
  request: Request,
  core: StationCore,
): Promise<Content[]> {
  const documents = cmd.documents;
  for (const doc of documents) {
    const owner = tryParseId(doc.did ?? doc.ID)?.withoutTerminal();
    if (owner !== undefined && !owner.equals(id)) {
      return [
        respondFor(ReplyText.DOCUMENT_ID_NOT_MATCH, request, cmd, id.value),
      ];
    }
  }
  const meta = cmd.metaDictionary;
  if (meta !== undefined) {
    const refused = await saveMeta(id, meta, request, cmd, core);
    if (refused !== undefined) return [refused];
  } else if (core.accounts.meta(id) === undefined) {
    return [respondFor(ReplyText.META_NOT_FOUND, request, cmd, id.value)];
  }
  const done = core.stats.time("save_document");
  const receipt = await core.accounts.receiveDocuments(id, { documents })
    .finally(done);
  const refusals: Content[] = [];
  let visa = false;
  for (const result of receipt.documents) {
    if (result.ok) {
      visa ||= result.value.document.visaKey() !== undefined;
      continue;
    }
    const text = documentRefusalText(result.error);
    if (text === undefined) throw result.error;
    core.log.warn(`document of ${id.value} refused: ${result.error}`);
    refusals.push(respondFor(text, request, cmd, id.value));
  }
  if (visa) await core.messenger.visaStored(id);
  if (visa && request.session.isStation) await pushAnswer(id, core);
  return refusals.length > 0
    ? refusals
    : [respondFor(ReplyText.DOCUMENT_RECEIVED, request, cmd, id.value)];
}

/**
 * A neighbour's answer to our query (§4.13) was stored: the users online
 * here who asked for `id` get the documents now (the reference client asks
 * once and waits ten minutes).
 */
async function pushAnswer(id: ID, core: StationCore): Promise<void> {
  const askers = core.queries.answered(id);
  if (askers.length === 0) return;
  const answer = DocumentCommand.response(
    id,
    core.store.metas.get(id.value),
    core.store.documents.list(id.value).map((row) => row.doc),
  );
  for (const asker of askers) {
    if (core.center.active(asker).length === 0) continue;
    const msg = await core.messenger.pack(asker, answer);
    if (msg !== undefined) await core.dispatcher.deliver(msg, asker);
  }
}
