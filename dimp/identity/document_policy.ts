/**
 * Which document counts: the newest of a type (spec identity.md §9.6), and
 * the rules a station applies before storing a received document (§9.5).
 *
 * @module
 */
import type { Document } from "./document.ts";
import { DocumentRejectedError } from "./errors.ts";
import type { ID } from "./id.ts";
import type { Meta } from "./meta.ts";

/**
 * How far in the future a document `time` may lie, in seconds.
 */
export const DOCUMENT_FUTURE_LIMIT = 30 * 60;

/**
 * The newest document of a type: the greatest `time`; on equal times the
 * later one in `documents` (received later) wins; a document without `time`
 * loses to any with one.
 */
export function newestDocument(
  documents: Iterable<Document>,
  type?: string,
): Document | undefined {
  let newest: Document | undefined;
  for (const doc of documents) {
    if (type !== undefined && doc.type !== type) continue;
    const time = doc.time;
    const best = newest?.time;
    if (
      newest === undefined ||
      (time === undefined
        ? best === undefined
        : best === undefined || time >= best)
    ) {
      newest = doc;
    }
  }
  return newest;
}

/**
 * What a station knows when a document arrives.
 */
export interface DocumentAcceptance {
  /** The entity the document is for (the command's ID). */
  readonly id: ID;
  /** The entity's stored meta; checked to match `id`. */
  readonly meta: Meta;
  /** Documents already stored for the entity. */
  readonly stored?: Iterable<Document>;
  /** The current time in seconds (default: now). */
  readonly now?: number;
}

/**
 * Checks a received document before storing it: `id` is not a broadcast or
 * unknown address; the document's `did` address equals `id`'s address; the
 * meta matches `id`; the signature verifies with the meta key; `time` is at
 * most 30 minutes ahead; it is not older than the newest stored document
 * of its type.
 *
 * @throws {DocumentRejectedError} a station rule refuses it (see `reason`)
 * @throws {MetaMismatchError} the meta is not `id`'s
 * @throws {MetaSignatureError} the meta is not valid
 * @throws {DocumentSignatureError} the signature does not verify
 */
export async function checkDocumentAcceptance(
  document: Document,
  context: DocumentAcceptance,
): Promise<void> {
  const { id, meta } = context;
  if (id.isBroadcast) {
    throw new DocumentRejectedError(
      "broadcast",
      `broadcast ID ${id.value} has no documents`,
    );
  }
  if (id.address.kind === "unknown") {
    throw new DocumentRejectedError(
      "unknown-address",
      `ID ${id.value} has an unknown address`,
    );
  }
  if (document.id.address.value !== id.address.value) {
    throw new DocumentRejectedError(
      "address",
      `document of ${document.id.value} sent for ${id.value}`,
    );
  }
  await meta.checkId(id.withoutTerminal());
  await document.checkSignature(meta.key);
  const time = document.time;
  const now = context.now ?? Date.now() / 1000;
  if (time !== undefined && time > now + DOCUMENT_FUTURE_LIMIT) {
    throw new DocumentRejectedError(
      "future",
      `document time ${time} is more than 30 minutes ahead of ${now}`,
    );
  }
  const newest = newestDocument(context.stored ?? [], document.type);
  const newestTime = newest?.time;
  if (newestTime !== undefined && (time === undefined || time < newestTime)) {
    throw new DocumentRejectedError(
      "older",
      `document time ${time} is older than the stored ${newestTime}`,
    );
  }
}
