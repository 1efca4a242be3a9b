/**
 * Group keys (station.md §5.2, §6.3): for each group and sender, the
 * message key of the sender's group messages encrypted for each member —
 * `{"<member>": "<base64>", "digest": "…", "time": …}` as the sender gave
 * them in `keys`. Keys with the stored digest are merged into the stored
 * ones (a sender answering a query for missing members); keys with another
 * digest (a new message key) replace them.
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

function digestOf(keys: JsonObject): string | undefined {
  return typeof keys.digest === "string" && keys.digest !== ""
    ? keys.digest
    : undefined;
}

/**
 * The `group_keys` table.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.groupKeys.merge("team@x", "alice@y", { "bob@z": "b64…", digest: "AbCd1234" });
 * store.groupKeys.get("team@x", "alice@y")?.["bob@z"]; // "b64…"
 * ```
 */
export class GroupKeys {
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
   * Stores `keys` of `sender` for `group`: merged into the stored keys
   * when both carry the same `digest`, else in their place. Returns the
   * keys stored now, and whether anything changed.
   */
  merge(
    group: string,
    sender: string,
    keys: JsonObject,
  ): { readonly keys: JsonObject; readonly changed: boolean } {
    requireId(group, "group");
    requireId(sender, "sender");
    encodeJson(keys, "keys");
    return this.#db.write(() => {
      const old = this.get(group, sender);
      const digest = digestOf(keys);
      let merged = keys;
      if (
        old !== undefined && digest !== undefined && digestOf(old) === digest
      ) {
        merged = { ...old, ...keys };
      }
      const json = encodeJson(merged, "keys");
      if (old !== undefined && JSON.stringify(old) === json) {
        return { keys: old, changed: false };
      }
      this.#db.statement(
        `INSERT INTO group_keys (group_id, sender, digest, keys_json, saved_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (group_id, sender) DO UPDATE SET digest = excluded.digest,
             keys_json = excluded.keys_json, saved_at = excluded.saved_at`,
      ).run(group, sender, digestOf(merged) ?? null, json, this.#now());
      return { keys: merged, changed: true };
    });
  }

  /**
   * The stored keys of `sender` for `group`, if any.
   */
  get(group: string, sender: string): JsonObject | undefined {
    const row = this.#db.statement(
      "SELECT keys_json FROM group_keys WHERE group_id = ? AND sender = ?",
    ).get(group, sender);
    return row === undefined ? undefined : decodeJson(row.keys_json);
  }
}
