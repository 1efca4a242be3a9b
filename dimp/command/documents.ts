/**
 * The documents command (spec messages.md §8.5): query, response, upload.
 * Accepts every legacy spelling: command `document` / `profile` / `visa` /
 * `bulletin`, members `documents: [...]`, `document: {...}`, `profile`.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import {
  isRecord,
  readId,
  readNumber,
  readRecordList,
} from "../content/_values.ts";
import { Document, type ID, type Meta } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";
import { metaDictionary } from "./meta.ts";

/**
 * `{"command": "documents", "did", "meta", "documents": [...]}`. The
 * outgoing compatibility turns it into the wire form `document` with the
 * newest document under `document`.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const query = DocumentCommand.query(bob, 1700000000); // newer than this time
 * query.isQuery; // true
 * ```
 */
export class DocumentCommand extends Command {
  /** Asks for the documents of `id` newer than `lastTime` (seconds). */
  static query(
    id: ID,
    lastTime?: number,
    options: ContentOptions = {},
  ): DocumentCommand {
    return new DocumentCommand(
      Command.buildCommand(
        CommandName.DOCUMENTS,
        { did: id.value, last_time: lastTime },
        options,
      ),
    );
  }

  /** Carries the documents (and meta) of `id`. */
  static response(
    id: ID,
    meta: Meta | Record<string, unknown> | undefined,
    documents: readonly (Document | Record<string, unknown>)[],
    options: ContentOptions = {},
  ): DocumentCommand {
    return new DocumentCommand(
      Command.buildCommand(CommandName.DOCUMENTS, {
        did: id.value,
        meta: meta === undefined ? undefined : metaDictionary(meta),
        documents: documents.map((doc) =>
          doc instanceof Document ? doc.toDictionary() : { ...doc }
        ),
      }, options),
    );
  }

  /** The entity (`did`, else `ID`). */
  get identifier(): ID | undefined {
    return readId(this.dictionary.did ?? this.dictionary.ID);
  }

  /** `last_time` of a query, if any. */
  get lastTime(): number | undefined {
    return readNumber(this.dictionary.last_time);
  }

  /** The meta dictionary, if any. */
  get metaDictionary(): Record<string, unknown> | undefined {
    const meta = this.dictionary.meta;
    return isRecord(meta) ? meta : undefined;
  }

  /**
   * The document dictionaries in any spelling: `documents`, else `document`,
   * else the 1.x `profile` (a document object, or its `data` string with the
   * command's `signature`). Empty for a query. Parse each with
   * `Document.parse`.
   */
  get documents(): Record<string, unknown>[] {
    const { documents, document, profile } = this.dictionary;
    if (Array.isArray(documents)) return readRecordList(documents);
    if (isRecord(document)) return [document];
    if (isRecord(profile)) return [profile];
    if (typeof profile === "string") {
      const id = this.identifier?.value;
      return [{
        ID: id,
        did: id,
        data: profile,
        signature: this.dictionary.signature,
      }];
    }
    return [];
  }

  /** Whether this is a query (no documents carried). */
  get isQuery(): boolean {
    return this.documents.length === 0;
  }
}
