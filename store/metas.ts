/**
 * Metas (identity.md §7, station.md §5.3): one per ID, insert-only. The
 * first meta stored for an ID is kept forever; storing another one for the
 * same ID succeeds without changing anything.
 *
 * This table stores what it is given: checking that the meta is valid and
 * matches the ID is the caller's job (the validating account facade).
 *
 * @module
 */
import type { Database } from "./database.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  requireId,
} from "./_values.ts";

/** An ID's stored meta and newest document ({@link Metas.withNewest}). */
export interface MetaWithDocument {
  /** The meta as stored. */
  readonly meta: JsonObject;
  /** The newest document asked for, as stored; absent when none is. */
  readonly document?: JsonObject;
}

/**
 * The `metas` table.
 */
export class Metas {
  readonly #db: Database;
  readonly #now: () => number;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Stores the meta of an ID unless one is stored already. Returns `true`
   * when it was stored, `false` when the ID already had a meta (which is
   * kept unchanged).
   */
  save(id: string, meta: JsonObject): boolean {
    requireId(id, "id");
    const metaJson = encodeJson(meta, "meta");
    return this.#db.write(() =>
      this.#db.statement(
        "INSERT INTO metas (id, meta_json, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
      ).run(id, metaJson, this.#now()).changes > 0
    );
  }

  /**
   * The stored meta of an ID.
   */
  get(id: string): JsonObject | undefined {
    const row = this.#db.statement("SELECT meta_json FROM metas WHERE id = ?")
      .get(id);
    return row === undefined ? undefined : decodeJson(row.meta_json);
  }

  /**
   * The stored meta of an ID and, in the same query, the JSON of its newest
   * stored document of `type` (else of `fallback`), chosen as
   * `Documents.newest` chooses it; `undefined` when no meta is stored (an
   * ID without one has no document either: documents are stored only
   * against a meta).
   *
   * @example
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open({ path: ":memory:" });
   * store.metas.withNewest("moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk", "visa", "profile"); // undefined
   * ```
   */
  withNewest(
    id: string,
    type: string,
    fallback: string = type,
  ): MetaWithDocument | undefined {
    const row = this.#db.statement(
      `SELECT m.meta_json, (SELECT doc_json FROM documents
           WHERE id = m.id AND type IN (?, ?)
           ORDER BY type = ? DESC, time IS NULL, time DESC, seq DESC LIMIT 1
         ) AS doc_json
         FROM metas m WHERE m.id = ?`,
    ).get(type, fallback, type, id);
    if (row === undefined) return undefined;
    const meta = decodeJson(row.meta_json);
    return row.doc_json === null
      ? { meta }
      : { meta, document: decodeJson(row.doc_json) };
  }

  /**
   * Every ID with a stored meta, in the order they were stored.
   */
  ids(): string[] {
    return this.#db.statement("SELECT id FROM metas ORDER BY rowid").all()
      .map((row) => row.id as string);
  }

  /**
   * Whether a meta is stored for the ID.
   */
  has(id: string): boolean {
    return this.#db.statement("SELECT 1 FROM metas WHERE id = ?").get(id) !==
      undefined;
  }
}
