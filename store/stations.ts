/**
 * Service providers and their stations (station.md §2.4, §5.2): the
 * neighbour list of a provider, unique by host + port. A station's ID is
 * unknown until a handshake with it succeeds.
 *
 * @module
 */
import type { Database } from "./database.ts";
import { InvalidRecordError } from "./errors.ts";
import {
  optionalNumber,
  optionalText,
  requireId,
  requireText,
} from "./_values.ts";

/** Where a station listens. */
export interface StationAddress {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port (1..65535). */
  readonly port: number;
}

/** A station of a provider. */
export interface StationRecord extends StationAddress {
  /** The provider's ID (`gsp@everywhere` by default). */
  readonly provider: string;
  /** The station's ID once known. */
  readonly id?: string;
  /** Preference (greater first); 0 by default. */
  readonly chosen?: number;
}

/** A service provider. */
export interface ProviderRecord {
  /** The provider's ID. */
  readonly id: string;
  /** Preference (greater first). */
  readonly chosen: number;
}

/** What {@link Stations.sync} changed. */
export interface StationSyncResult {
  /** Stations inserted (with unknown ID). */
  readonly added: number;
  /** Stored stations no longer listed, deleted. */
  readonly removed: number;
}

/**
 * The `providers` and `stations` tables.
 *
 * @example
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open({ path: ":memory:" });
 * store.stations.sync("gsp@everywhere", [{ host: "127.0.0.1", port: 9394 }]);
 * store.stations.setId("gsp@everywhere", { host: "127.0.0.1", port: 9394 }, "s1@x");
 * ```
 */
export class Stations {
  readonly #db: Database;

  /**
   * Creates the repository over an open {@link Database}.
   */
  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Stores or updates a provider.
   */
  saveProvider(id: string, chosen = 0): void {
    requireId(id, "id");
    requireInteger(chosen, "chosen");
    this.#db.write(() =>
      this.#db.statement(
        `INSERT INTO providers (id, chosen) VALUES (?, ?)
           ON CONFLICT (id) DO UPDATE SET chosen = excluded.chosen`,
      ).run(id, chosen)
    );
  }

  /**
   * The providers, most chosen first.
   */
  providers(): ProviderRecord[] {
    return this.#db.statement(
      "SELECT id, chosen FROM providers ORDER BY chosen DESC, id",
    ).all().map((row) => ({
      id: row.id as string,
      chosen: Number(row.chosen),
    }));
  }

  /**
   * Stores a station or updates the stored one at the same host + port;
   * a missing `id` or `chosen` keeps the stored value.
   */
  save(record: StationRecord): void {
    const provider = requireId(record.provider, "provider");
    const { host, port } = checkAddress(record);
    const id = optionalText(record.id, "id");
    if (id !== null) requireId(id, "id");
    const chosen = optionalNumber(record.chosen, "chosen");
    if (chosen !== null) requireInteger(chosen, "chosen");
    this.#db.write(() =>
      this.#db.statement(
        `INSERT INTO stations (provider, host, port, id, chosen) VALUES (?, ?, ?, ?, coalesce(?, 0))
           ON CONFLICT (provider, host, port) DO UPDATE SET
             id = coalesce(excluded.id, stations.id),
             chosen = CASE WHEN ? IS NULL THEN stations.chosen ELSE excluded.chosen END`,
      ).run(provider, host, port, id, chosen, chosen)
    );
  }

  /**
   * The stations of a provider, most chosen first.
   */
  list(provider: string): StationRecord[] {
    return this.#db.statement(
      `SELECT provider, host, port, id, chosen FROM stations WHERE provider = ?
         ORDER BY chosen DESC, host, port`,
    ).all(provider).map((row) => ({
      provider: row.provider as string,
      host: row.host as string,
      port: Number(row.port),
      ...(row.id === null ? {} : { id: row.id as string }),
      chosen: Number(row.chosen),
    }));
  }

  /**
   * Records the ID learned from a handshake with the station at an address.
   * Returns `true` if such a station is stored.
   */
  setId(provider: string, address: StationAddress, id: string): boolean {
    const { host, port } = checkAddress(address);
    requireId(id, "id");
    return this.#db.write(() =>
      this.#db.statement(
        "UPDATE stations SET id = ? WHERE provider = ? AND host = ? AND port = ?",
      ).run(id, provider, host, port).changes > 0
    );
  }

  /**
   * Deletes the station at an address; `true` if it was stored.
   */
  remove(provider: string, address: StationAddress): boolean {
    const { host, port } = checkAddress(address);
    return this.#db.write(() =>
      this.#db.statement(
        "DELETE FROM stations WHERE provider = ? AND host = ? AND port = ?",
      ).run(provider, host, port).changes > 0
    );
  }

  /**
   * Makes the provider's stations the listed addresses (station.md §2.4
   * step 3): deletes stored ones not listed, inserts new ones with unknown
   * ID, keeps the rest (and their learned IDs).
   */
  sync(
    provider: string,
    addresses: readonly StationAddress[],
  ): StationSyncResult {
    requireId(provider, "provider");
    const listed = addresses.map(checkAddress);
    return this.#db.write(() => {
      const wanted = new Set(listed.map(({ host, port }) => `${host}:${port}`));
      let removed = 0;
      for (const station of this.list(provider)) {
        if (!wanted.has(`${station.host}:${station.port}`)) {
          removed += this.remove(provider, station) ? 1 : 0;
        }
      }
      let added = 0;
      for (const { host, port } of listed) {
        added += Number(
          this.#db.statement(
            `INSERT INTO stations (provider, host, port) VALUES (?, ?, ?)
               ON CONFLICT (provider, host, port) DO NOTHING`,
          ).run(provider, host, port).changes,
        );
      }
      return { added, removed };
    });
  }
}

function checkAddress(address: StationAddress): StationAddress {
  const host = requireText(address?.host, "host");
  const port = address.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidRecordError("port", `must be 1..65535, not ${port}`);
  }
  return { host, port };
}

function requireInteger(value: number, field: string): void {
  if (!Number.isInteger(value)) {
    throw new InvalidRecordError(field, "must be an integer");
  }
}
