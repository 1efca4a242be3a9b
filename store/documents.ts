/**
 * Documents (identity.md §9, station.md §5.2): several per ID. A new
 * document replaces the stored one with the same `type` and the same
 * `created_time` (both missing counts as the same), otherwise it is
 * appended. The newest of a type is the one with the greatest `time`; on
 * equal times the later received wins; a missing `time` is older than any
 * (identity.md §9.6).
 *
 * Every save also updates the search index (./search.ts): a replaced
 * document's row goes in the same transaction, the new document's row is
 * written behind (./search_index.ts). This table stores what it is given: the validating facade
 * parses the document, checks its signature against the meta and applies
 * the acceptance rules (station.md §5.3) before calling {@link Documents.save}.
 *
 * @module
 */
import type { Database } from "./database.ts";
import type { SearchIndex } from "./search_index.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  optionalNumber,
  optionalText,
  requireId,
  requireText,
} from "./_values.ts";

/** A document and the columns extracted from it. */
export interface DocumentRecord {
  /** The naked ID the document belongs to. */
  readonly id: string;
  /** The document type (`visa`, `profile`, `bulletin`, ...). */
  readonly type: string;
  /** `created_time` from its data, if any (seconds). */
  readonly createdTime?: number;
  /** `time` from its data, if any (seconds). */
  readonly time?: number;
  /** `name` from its data, if any (for the search index). */
  readonly name?: string;
  /** The document dictionary exactly as received. */
  readonly doc: JsonObject;
}

/** A stored document. */
export interface StoredDocument extends DocumentRecord {
  /** When it was stored (seconds). */
  readonly savedAt: number;
}

/** What {@link Documents.save} did. */
export type DocumentSaveResult = "added" | "replaced" | "unchanged";

const COLUMNS = "id, type, created_time, time, name, doc_json, saved_at";

/**
 * The `documents` table.
 */
export class Documents {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #index: SearchIndex;

  /**
   * Creates the repository over an open {@link Database} and the writer of
   * the search index.
   */
  constructor(db: Database, now: () => number, index: SearchIndex) {
    this.#db = db;
    this.#now = now;
    this.#index = index;
  }

  /**
   * Stores a document: replaces the stored one with the same type and
   * `created_time`, else appends it. An identical document is left as it is.
   */
  save(record: DocumentRecord): DocumentSaveResult {
    const id = requireId(record.id, "id");
    const type = requireText(record.type, "type");
    const createdTime = optionalNumber(record.createdTime, "createdTime");
    const time = optionalNumber(record.time, "time");
    const name = optionalText(record.name, "name");
    const docJson = encodeJson(record.doc, "doc");
    return this.#db.write(() => {
      const old = this.#db.statement(
        "SELECT seq, doc_json FROM documents WHERE id = ? AND type = ? AND created_time IS ?",
      ).get(id, type, createdTime);
      if (old !== undefined) {
        if (old.doc_json === docJson) return "unchanged";
        this.#db.statement("DELETE FROM documents WHERE seq = ?").run(old.seq);
        this.#index.remove(old.seq as number);
      }
      const seq = Number(
        this.#db.statement(
          `INSERT INTO documents (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, type, createdTime, time, name, docJson, this.#now())
          .lastInsertRowid,
      );
      this.#index.add(seq);
      return old === undefined ? "added" : "replaced";
    });
  }

  /**
   * The newest stored document of a type for an ID (greatest `time`, the
   * later received on ties, a missing `time` last); with `fallback`, the
   * newest of that type when there is none of `type` (one query).
   *
   * @example
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open({ path: ":memory:" });
   * store.documents.newest("moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk", "visa", "profile"); // undefined
   * ```
   */
  newest(
    id: string,
    type: string,
    fallback?: string,
  ): StoredDocument | undefined {
    const row = fallback === undefined
      ? this.#db.statement(
        `SELECT ${COLUMNS} FROM documents WHERE id = ? AND type = ?
           ORDER BY time IS NULL, time DESC, seq DESC LIMIT 1`,
      ).get(id, type)
      : this.#db.statement(
        `SELECT ${COLUMNS} FROM documents WHERE id = ? AND type IN (?, ?)
           ORDER BY type = ? DESC, time IS NULL, time DESC, seq DESC LIMIT 1`,
      ).get(id, type, fallback, type);
    return row === undefined ? undefined : toDocument(row);
  }

  /**
   * Every stored document of an ID, in the order received.
   */
  list(id: string): StoredDocument[] {
    return this.#db.statement(
      `SELECT ${COLUMNS} FROM documents WHERE id = ? ORDER BY seq`,
    ).all(id).map(toDocument);
  }
}

function toDocument(row: Record<string, unknown>): StoredDocument {
  return {
    id: row.id as string,
    type: row.type as string,
    ...(row.created_time === null
      ? {}
      : { createdTime: row.created_time as number }),
    ...(row.time === null ? {} : { time: row.time as number }),
    ...(row.name === null ? {} : { name: row.name as string }),
    doc: decodeJson(row.doc_json),
    savedAt: row.saved_at as number,
  };
}
