/**
 * Station-initiated queries to neighbours (station.md §4.13): when a lookup
 * finds no meta or no documents for an ID, the station asks every neighbour
 * with a `meta` or `documents` query from its own ID to
 * `stations@everywhere` — at most once per ID and kind in ten minutes. The
 * neighbours' answers come back as uploads addressed to this station and
 * are stored like any other (their receipts to a station are not sent).
 *
 * This is what lets a user here find the meta and visa of a user who
 * registered at another station: the reference stations do the same, and a
 * client asking again (the reference client does every ten minutes, or in a
 * new process) gets the answer from here.
 *
 * @module
 */
import { DocumentCommand, MetaCommand } from "../dimp/command/mod.ts";
import type { Content } from "../dimp/content/mod.ts";
import { type ID, tryParseId } from "../dimp/identity/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import { silentLog, type StationLog } from "../client/log.ts";

/** How long the same query is not repeated (ms; §4.13: ten minutes). */
export const NEIGHBOUR_QUERY_INTERVAL_MS = 10 * 60_000;

/** What is asked for. */
export type NeighbourQueryKind = "meta" | "documents";

/** How a {@link NeighbourQueries} is made. */
export interface NeighbourQueriesOptions {
  /**
   * Sends a query content from this station to `stations@everywhere`
   * (packs, signs and hands it to the neighbours).
   */
  readonly send: (content: Content) => Promise<void>;
  /** Whether any neighbour can be reached now (default: always). */
  readonly reachable?: () => boolean;
  /** Time between two queries for the same ID and kind (ms; default ten minutes). */
  readonly intervalMs?: number;
  /** Most remembered queries (default 4,096; the oldest forgotten first). */
  readonly maxEntries?: number;
  /** The clock in ms (default `Date.now`). */
  readonly now?: () => number;
  /** The log (default: none). */
  readonly log?: StationLog;
}

/**
 * Asks the neighbours for what this station lacks, rate-limited.
 *
 * @example
 * ```ts ignore
 * const queries = new NeighbourQueries({ send: (content) => broadcastToStations(content) });
 * queries.ask("meta", bob); // true: a meta query for bob went out
 * queries.ask("meta", bob); // false: asked less than ten minutes ago
 * ```
 */
export class NeighbourQueries {
  readonly #send: (content: Content) => Promise<void>;
  readonly #reachable: () => boolean;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #log: StationLog;
  readonly #asked: BoundedMap<string, number>;
  readonly #askers: BoundedMap<string, Set<string>>;

  /** Makes the query book. */
  constructor(options: NeighbourQueriesOptions) {
    this.#send = options.send;
    this.#reachable = options.reachable ?? (() => true);
    this.#interval = options.intervalMs ?? NEIGHBOUR_QUERY_INTERVAL_MS;
    this.#asked = new BoundedMap(options.maxEntries ?? 4096);
    this.#askers = new BoundedMap(options.maxEntries ?? 4096);
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLog();
  }

  /**
   * Asks the neighbours for the meta or the documents of `id` unless that
   * was asked within the interval, `id` is a broadcast ID, or no neighbour
   * is reachable. Returns whether a query went out (sending runs in the
   * background; a failure is logged).
   */
  ask(kind: NeighbourQueryKind, id: ID, asker?: ID): boolean {
    if (id.isBroadcast || !this.#reachable()) return false;
    if (asker !== undefined) this.#remember(id, asker);
    const key = `${kind} ${id.value}`;
    const now = this.#now();
    const last = this.#asked.get(key);
    if (last !== undefined && now - last < this.#interval) return false;
    this.#asked.set(key, now);
    const content = kind === "meta"
      ? MetaCommand.query(id)
      : DocumentCommand.query(id);
    this.#log.info(`asking the neighbours for the ${kind} of ${id.value}`);
    this.#send(content).catch((error) =>
      this.#log.warn(`${kind} query for ${id.value} not sent: ${error}`)
    );
    return true;
  }

  /**
   * The users who asked for `id` since the last answer (forgotten now): a
   * neighbour's answer just stored is pushed to them, so a client that
   * asks only once (the reference client, for ten minutes) learns it.
   */
  answered(id: ID): ID[] {
    const askers = this.#askers.get(id.value);
    if (askers === undefined) return [];
    this.#askers.delete(id.value);
    return [...askers].map((value) => tryParseId(value)!);
  }

  #remember(id: ID, asker: ID): void {
    const askers = this.#askers.get(id.value) ?? new Set<string>();
    askers.add(asker.value);
    // a few per ID, a bounded number of IDs: the oldest forgotten first
    if (askers.size > MAX_ASKERS) askers.delete(askers.values().next().value!);
    this.#askers.set(id.value, askers);
  }
}

/** Users remembered per ID asked for. */
const MAX_ASKERS = 16;
