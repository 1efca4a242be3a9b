/**
 * The search index's writer: the FTS5 trigram rows of `document_search`
 * (see ./search.ts) are written behind the documents they index. Each
 * transaction that touches an FTS5 table writes a new index segment when
 * it commits (~100 µs of a new user's handshake here, more than the
 * document's own row; less per row the more rows it holds), so a stored document's row is written a little
 * later ({@link WRITE_BEHIND_MS}) together with those stored meanwhile, at
 * most {@link ROWS_PER_COMMIT} per commit.
 *
 * What stays correct:
 *
 * - A row is made from the document as it is stored when the row is
 *   written (its `id` and `name`), never from a copy kept in memory, and
 *   only when the document is still there and has no row yet: a document
 *   rolled back, replaced or deleted meanwhile (by this process or another
 *   one on the same file) gets no stale row.
 * - A search first writes this process's pending rows, and indexes every
 *   document that has none when it is the first search of the process or
 *   when the newest document has no row (another process's rows still
 *   pending, or lost to a crash): a `kill -9` loses rows, never documents,
 *   and the next search puts them back. Results are therefore those of an
 *   index written with each document.
 * - Removing a document's row stays in the transaction that removes the
 *   document.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { WriteBehind } from "./_write_behind.ts";

/**
 * How long a stored document waits for others to share its index commit
 * (ms). An FTS5 commit's cost per row falls with the rows it holds (its
 * segment and the merges it triggers are per commit: ~60–100 µs a row in
 * commits of 8–16 rows, ~30 in commits of 64 here): in a storm of new
 * users (~300–400 a second) 150 ms gathers ~50 rows, where 50 ms gathered
 * ~17.
 */
const WRITE_BEHIND_MS = 150;

/**
 * Index rows one commit writes at most: with {@link WRITE_BEHIND_MS}, up
 * to ~850 new documents a second are indexed as fast as they come, and one
 * commit holds the main thread a few ms at most.
 */
const ROWS_PER_COMMIT = 128;

/** The text a document is found by: `"<name>, <ID>"` lower-cased. */
export function searchText(id: string, name: string | undefined): string {
  return (name ? `${name}, ${id}` : id).toLowerCase();
}

/**
 * Removes a document's row from the index, inside the transaction that
 * removes the document.
 */
export function unindexDocument(db: Database, seq: number): void {
  db.statement("DELETE FROM document_search WHERE rowid = ?").run(seq);
}

/**
 * The rows of stored documents, written behind (see the module).
 *
 * @example
 * ```ts
 * import { Database } from "./database.ts";
 * const db = Database.open({ path: ":memory:" });
 * const index = new SearchIndex(db);
 * const seq = Number(db.statement(
 *   "INSERT INTO documents (id, type, name, doc_json, saved_at) VALUES ('bob@x', 'visa', 'Bob', '{}', 0)",
 * ).run().lastInsertRowid);
 * index.add(seq); // written within 150 ms, or now:
 * index.flush();
 * db.close();
 * ```
 */
export class SearchIndex {
  readonly #db: Database;
  readonly #pending = new WriteBehind<number, number>(
    WRITE_BEHIND_MS,
    ROWS_PER_COMMIT,
    (seqs) => this.#write(seqs),
  );
  /** Whether every document must be looked at (first search, lost rows). */
  #complete = false;

  /** Creates the writer over an open {@link Database}. */
  constructor(db: Database) {
    this.#db = db;
  }

  /** Documents stored by this process whose rows are not written yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Notes a document just stored (`seq`): its row comes with the next index commit. */
  add(seq: number): void {
    this.#pending.keep(seq, seq);
  }

  /** Removes a document's row (or the one still to write), in the document's transaction. */
  remove(seq: number): void {
    this.#pending.delete(seq);
    unindexDocument(this.#db, seq);
  }

  /**
   * Writes the pending rows now, in one transaction. A write that fails (a
   * full disk) drops them; the next {@link SearchIndex.ready} finds those
   * documents again.
   */
  flush(): void {
    this.#pending.flush();
  }

  /**
   * Makes the index whole before a search: this process's pending rows,
   * and — at the first search, after a failed write, or when the newest
   * document has no row — a row for every document without one. A store
   * that cannot be written is searched as it is.
   */
  ready(): void {
    this.flush();
    if (this.#complete && !this.#newestMissing()) return;
    try {
      this.#db.write(() => {
        const missing = this.#db.statement(
          `SELECT seq, id, name FROM documents
             WHERE seq NOT IN (SELECT rowid FROM document_search)`,
        ).all();
        for (const row of missing) this.#insert(row);
      });
      this.#complete = true;
    } catch {
      // read-only or full: the search runs on the rows there are
    }
  }

  /** Writes the rows of documents `seqs` in one transaction. */
  #write(seqs: readonly number[]): void {
    try {
      this.#db.write(() => {
        const unindexed = this.#db.statement(
          `SELECT seq, id, name FROM documents AS d WHERE seq = ?
             AND NOT EXISTS (SELECT 1 FROM document_search WHERE rowid = d.seq)`,
        );
        for (const seq of seqs) {
          const row = unindexed.get(seq);
          if (row !== undefined) this.#insert(row);
        }
      });
    } catch {
      this.#complete = false;
    }
  }

  #insert(row: Record<string, unknown>): void {
    const name = row.name === null ? undefined : String(row.name);
    this.#db.statement(
      "INSERT INTO document_search (rowid, text) VALUES (?, ?)",
    ).run(Number(row.seq), searchText(String(row.id), name));
  }

  /** Whether the newest document has no row (pending elsewhere, or lost). */
  #newestMissing(): boolean {
    const newest = this.#db.statement(
      "SELECT max(seq) AS seq FROM documents",
    ).get()?.seq;
    if (newest === null || newest === undefined) return false;
    return this.#db.statement(
      "SELECT 1 FROM document_search WHERE rowid = ?",
    ).get(newest) === undefined;
  }
}
