/**
 * Private keys (station.md §5.2): per ID one identity key (`M`, the meta
 * key) and up to three message keys (`V`, visa keys), newest first.
 *
 * Key material never leaves a {@link PrivateKeyRecord} by accident: its
 * `toString`, `toJSON` and console inspection show the ID and kind only;
 * {@link PrivateKeyRecord.reveal} returns the key.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { InvalidRecordError } from "./errors.ts";
import {
  decodeJson,
  encodeJson,
  type JsonObject,
  requireId,
} from "./_values.ts";

/** `M` = identity (meta) key, `V` = visa (message) key. */
export type PrivateKeyKind = "M" | "V";

/** How many visa keys are kept per ID (older ones are dropped). */
export const MAX_VISA_KEYS = 3;

const REDACTED = "<redacted>";

/**
 * A stored private key whose material is hidden from printing.
 *
 * @example
 * ```ts
 * const [key] = store.privateKeys.load("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ", "V");
 * String(key); // "PrivateKeyRecord(moky@…, V, added 1700000000, key <redacted>)"
 * key.reveal().algorithm; // "RSA"
 * ```
 */
export class PrivateKeyRecord {
  /** The ID the key belongs to. */
  readonly id: string;
  /** `M` identity key or `V` visa key. */
  readonly kind: PrivateKeyKind;
  /** When it was stored (seconds). */
  readonly addedAt: number;
  readonly #keyJson: string;

  /**
   * Wraps a stored key (the store creates these).
   *
   * @example
   * ```ts
   * new PrivateKeyRecord("bot@x", "M", 1700000000, '{"algorithm":"ECC"}');
   * ```
   */
  constructor(
    id: string,
    kind: PrivateKeyKind,
    addedAt: number,
    keyJson: string,
  ) {
    this.id = id;
    this.kind = kind;
    this.addedAt = addedAt;
    this.#keyJson = keyJson;
  }

  /**
   * The key dictionary as stored: the only way to read key material.
   *
   * @example
   * ```ts
   * const key = record.reveal(); // { algorithm: "RSA", data: "-----BEGIN …" }
   * ```
   */
  reveal(): JsonObject {
    return decodeJson(this.#keyJson);
  }

  /**
   * A description without key material.
   *
   * @example
   * ```ts
   * `${record}`; // "PrivateKeyRecord(bot@x, M, added 1700000000, key <redacted>)"
   * ```
   */
  toString(): string {
    return `PrivateKeyRecord(${this.id}, ${this.kind}, added ${this.addedAt}, key ${REDACTED})`;
  }

  /**
   * The JSON form, without key material.
   *
   * @example
   * ```ts
   * JSON.stringify(record); // {"id":"bot@x","kind":"M","addedAt":1700000000,"key":"<redacted>"}
   * ```
   */
  toJSON(): { id: string; kind: PrivateKeyKind; addedAt: number; key: string } {
    return {
      id: this.id,
      kind: this.kind,
      addedAt: this.addedAt,
      key: REDACTED,
    };
  }

  /** Console inspection in Deno: no key material. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Console inspection through `node:util`: no key material. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * The `private_keys` table.
 *
 * @example
 * ```ts
 * store.privateKeys.save("bot@x", "M", { algorithm: "ECC", data: "…" });
 * const identity = store.privateKeys.identityKey("bot@x");
 * ```
 */
export class PrivateKeys {
  readonly #db: Database;
  readonly #now: () => number;

  /**
   * Creates the repository over an open {@link Database}.
   *
   * @example
   * ```ts
   * const keys = new PrivateKeys(db, () => Date.now() / 1000);
   * ```
   */
  constructor(db: Database, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Stores a key. An `M` key replaces the ID's identity key. A `V` key
   * becomes the newest visa key (moved to the front if already stored);
   * only the newest {@link MAX_VISA_KEYS} are kept.
   *
   * @example
   * ```ts
   * keys.save("bot@x", "V", { algorithm: "RSA", data: "-----BEGIN RSA PRIVATE KEY-----…" });
   * ```
   */
  save(id: string, kind: PrivateKeyKind, key: JsonObject): void {
    requireId(id, "id");
    requireKind(kind);
    const keyJson = encodeJson(key, "key");
    this.#db.write(() => {
      if (kind === "M") {
        this.#db.statement(
          "DELETE FROM private_keys WHERE id = ? AND kind = 'M'",
        ).run(id);
      } else {
        this.#db.statement(
          "DELETE FROM private_keys WHERE id = ? AND kind = 'V' AND key_json = ?",
        ).run(id, keyJson);
      }
      this.#db.statement(
        "INSERT INTO private_keys (id, kind, key_json, added_at) VALUES (?, ?, ?, ?)",
      ).run(id, kind, keyJson, this.#now());
      if (kind === "V") {
        this.#db.statement(
          `DELETE FROM private_keys WHERE id = ? AND kind = 'V' AND seq NOT IN
             (SELECT seq FROM private_keys WHERE id = ? AND kind = 'V' ORDER BY seq DESC LIMIT ?)`,
        ).run(id, id, MAX_VISA_KEYS);
      }
    });
  }

  /**
   * The keys of one kind for an ID, newest first.
   *
   * @example
   * ```ts
   * keys.load("bot@x", "V").length; // 0..3
   * ```
   */
  load(id: string, kind: PrivateKeyKind): PrivateKeyRecord[] {
    return this.#db.statement(
      "SELECT id, kind, added_at, key_json FROM private_keys WHERE id = ? AND kind = ? ORDER BY seq DESC",
    ).all(id, kind).map((row) =>
      new PrivateKeyRecord(
        row.id as string,
        row.kind as PrivateKeyKind,
        row.added_at as number,
        row.key_json as string,
      )
    );
  }

  /**
   * The identity (meta) key of an ID, if stored.
   *
   * @example
   * ```ts
   * keys.identityKey("bot@x")?.reveal();
   * ```
   */
  identityKey(id: string): PrivateKeyRecord | undefined {
    return this.load(id, "M")[0];
  }

  /**
   * The IDs that have an identity key (the local accounts).
   *
   * @example
   * ```ts
   * keys.ids(); // ["bot@x", "station@y"]
   * ```
   */
  ids(): string[] {
    return this.#db.statement(
      "SELECT DISTINCT id FROM private_keys WHERE kind = 'M' ORDER BY id",
    ).all().map((row) => row.id as string);
  }
}

function requireKind(kind: unknown): void {
  if (kind !== "M" && kind !== "V") {
    throw new InvalidRecordError("kind", `must be "M" or "V", not ${kind}`);
  }
}
