/**
 * ANS records (station.md §2.5): short names (`archivist`, `assistant`, ...)
 * that resolve to IDs. The built-in names and the reserved list are the
 * resolver's business; this table only keeps configured records.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { requireId, requireText } from "./_values.ts";

/**
 * The `ans` table.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.ans.set("archivist", "archivist@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR");
 * store.ans.get("archivist"); // "archivist@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR"
 * ```
 */
export class AnsRecords {
  readonly #db: Database;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Sets (or replaces) the ID a name resolves to.
   */
  set(name: string, id: string): void {
    requireText(name, "name");
    requireId(id, "id");
    this.#db.write(() =>
      this.#db.statement(
        "INSERT INTO ans (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id",
      ).run(name, id)
    );
  }

  /**
   * The ID a name resolves to, if recorded.
   */
  get(name: string): string | undefined {
    const row = this.#db.statement("SELECT id FROM ans WHERE name = ?").get(
      name,
    );
    return row === undefined ? undefined : row.id as string;
  }

  /**
   * Every record, by name.
   */
  all(): Record<string, string> {
    return Object.fromEntries(
      this.#db.statement("SELECT name, id FROM ans ORDER BY name").all().map((
        row,
      ) => [row.name as string, row.id as string]),
    );
  }

  /**
   * Removes a record; `true` if it was there.
   */
  delete(name: string): boolean {
    return this.#db.write(() =>
      this.#db.statement("DELETE FROM ans WHERE name = ?").run(name).changes > 0
    );
  }
}
