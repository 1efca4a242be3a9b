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
   */
  reveal(): JsonObject {
    return decodeJson(this.#keyJson);
  }

  /**
   * A description without key material.
   */
  toString(): string {
    return `PrivateKeyRecord(${this.id}, ${this.kind}, added ${this.addedAt}, key ${REDACTED})`;
  }

  /**
   * The JSON form, without key material.
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
 */
export class PrivateKeys {
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
   * Stores a key. An `M` key replaces the ID's identity key. A `V` key
   * becomes the newest visa key (moved to the front if already stored);
   * only the newest {@link MAX_VISA_KEYS} are kept.
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
   */
  identityKey(id: string): PrivateKeyRecord | undefined {
    return this.load(id, "M")[0];
  }

  /**
   * The IDs that have an identity key (the local accounts).
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
