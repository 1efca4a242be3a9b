/**
 * The archivist's user search (station.md §6.2) over stored documents: a
 * document matches when the lower-cased text `"<name>, <ID>"` (or `"<ID>"`
 * for a document without a name) contains every keyword as a substring,
 * ignoring case. IDs without a stored meta are skipped; each ID is reported
 * once.
 *
 * The text of every document lives in an FTS5 trigram index (written
 * behind the documents by ./search_index.ts, made whole before each
 * search), so
 * keywords of three or more characters are looked up instead of scanned.
 * Shorter keywords are checked on the rows the index yields (or on every
 * row when no keyword is long enough). Results come in the order the
 * documents were received.
 *
 * A query is bounded: more than {@link MAX_SEARCH_KEYWORDS} different
 * keywords, or one longer than {@link MAX_KEYWORD_LENGTH} characters,
 * finds nothing (20,000 keywords in one query took 13 s of the event loop,
 * 60,000 over four minutes; one of 300,000 characters 5 s).
 *
 * @module
 */
import type { Database } from "./database.ts";
import type { SearchIndex } from "./search_index.ts";

/**
 * The most different keywords a search looks up; more find nothing.
 *
 * @example
 * ```ts
 * MAX_SEARCH_KEYWORDS; // 16
 * ```
 */
export const MAX_SEARCH_KEYWORDS = 16;

/**
 * The longest keyword (characters) a search looks up; a longer one finds
 * nothing.
 *
 * @example
 * ```ts
 * MAX_KEYWORD_LENGTH; // 128
 * ```
 */
export const MAX_KEYWORD_LENGTH = 128;

const FROM_INDEX = `SELECT d.id AS id, s.text AS text
  FROM document_search AS s JOIN documents AS d ON d.seq = s.rowid
  WHERE document_search MATCH ?
    AND EXISTS (SELECT 1 FROM metas AS m WHERE m.id = d.id)
  ORDER BY s.rowid`;

const FROM_ALL = `SELECT d.id AS id, s.text AS text
  FROM document_search AS s JOIN documents AS d ON d.seq = s.rowid
  WHERE EXISTS (SELECT 1 FROM metas AS m WHERE m.id = d.id)
  ORDER BY s.rowid`;

/**
 * Searches users by the names in their documents.
 */
export class UserSearch {
  readonly #db: Database;
  readonly #index: SearchIndex;

  /**
   * Creates the repository over an open {@link Database} and the writer of
   * its index (made whole before each search).
   */
  constructor(db: Database, index: SearchIndex) {
    this.#db = db;
    this.#index = index;
  }

  /**
   * The IDs whose document text contains every keyword (case-insensitive
   * substrings; empty keywords are ignored, so no keywords match every
   * document), skipping the first `start` IDs and returning at most
   * `limit`. With `accept`, only the IDs it accepts count (the archivist
   * finds users and bots, not groups or stations).
   */
  searchUsers(
    keywords: readonly string[],
    start: number,
    limit: number,
    accept?: (id: string) => boolean,
  ): string[] {
    if (limit <= 0) return [];
    const skip = Math.max(0, start);
    const words = [
      ...new Set(keywords.map((word) => word.toLowerCase()).filter(Boolean)),
    ];
    if (
      words.length > MAX_SEARCH_KEYWORDS ||
      words.some((word) => word.length > MAX_KEYWORD_LENGTH)
    ) {
      return [];
    }
    this.#index.ready();
    // the trigram index can look up a keyword of three or more characters
    const indexed = words.filter((word) => [...word].length >= 3);
    const rows = indexed.length === 0
      ? this.#db.statement(FROM_ALL).iterate()
      : this.#db.statement(FROM_INDEX).iterate(matchExpression(indexed));
    const seen = new Set<string>();
    const found: string[] = [];
    let matched = 0;
    for (const row of rows) {
      const id = row.id as string;
      if (seen.has(id)) continue;
      const text = row.text as string;
      if (!words.every((word) => text.includes(word))) continue;
      seen.add(id);
      if (accept !== undefined && !accept(id)) continue;
      if (++matched <= skip) continue;
      found.push(id);
      if (found.length >= limit) break;
    }
    return found;
  }
}

/** An FTS5 query: every keyword as a quoted phrase (substring), all required. */
function matchExpression(words: readonly string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" AND ");
}
