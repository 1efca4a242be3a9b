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
 * store.ans.set("archivist", "archivist@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR");
 * store.ans.get("archivist");
 * ```
 */
export class AnsRecords {
  readonly #db: Database;

  /**
   * Creates the repository over an open {@link Database}.
   *
   * @example
   * ```ts
   * const ans = new AnsRecords(db);
   * ```
   */
  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Sets (or replaces) the ID a name resolves to.
   *
   * @example
   * ```ts
   * ans.set("assistant", "assistant@x");
   * ```
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
   *
   * @example
   * ```ts
   * ans.get("assistant"); // "assistant@x"
   * ```
   */
  get(name: string): string | undefined {
    const row = this.#db.statement("SELECT id FROM ans WHERE name = ?").get(
      name,
    );
    return row === undefined ? undefined : row.id as string;
  }

  /**
   * Every record, by name.
   *
   * @example
   * ```ts
   * ans.all(); // { archivist: "archivist@…", assistant: "assistant@…" }
   * ```
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
   *
   * @example
   * ```ts
   * ans.delete("assistant");
   * ```
   */
  delete(name: string): boolean {
    return this.#db.write(() =>
      this.#db.statement("DELETE FROM ans WHERE name = ?").run(name).changes > 0
    );
  }
}
