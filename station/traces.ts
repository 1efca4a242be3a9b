/**
 * Loop avoidance (station.md §4.3): every message the station handles gets
 * this station appended to its `traces`; the traces of copies of the same
 * message (same signature and receiver) are merged in a pool kept 5 hours,
 * so a copy that comes back through another path is recognised.
 *
 * Nodes are `{"ID", "did", "time"}` (2021: bare ID strings, accepted); a
 * node's ID is `did`, else `ID`, else the string. The pool is bounded: the
 * oldest entries go first.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import { messageKey } from "./offline.ts";

/**
 * How long traces are remembered (5 hours, station.md §9).
 */
export const TRACE_TTL_SECONDS = 5 * 3600;

/** A trace node as written. */
interface Node {
  readonly id: string;
  readonly time: number;
  readonly json: unknown;
}

/**
 * What the pool keeps of a message: its merged trace nodes and when it was
 * first seen (seconds) — or, for the common case of a message first seen
 * here with no other trace, only that time as whole milliseconds since the
 * pool's start (a small integer, no heap number per entry; this station's
 * node is made again from it, the same time to the millisecond).
 */
type Entry = { readonly nodes: Node[]; readonly seen: number } | number;

function _selfNode(station: string, time: number): Node {
  return { id: station, time, json: { ID: station, did: station, time } };
}

/** Options of a {@link TracePool}. */
export interface TracePoolOptions {
  /** Seconds an entry is kept (default {@link TRACE_TTL_SECONDS}). */
  readonly ttlSeconds?: number;
  /** Most entries kept (default 65,536). */
  readonly maxEntries?: number;
  /** The clock in seconds (default `Date.now() / 1000`). */
  readonly now?: () => number;
  /**
   * The station the pool checks for, when known (its ID's JSON is made
   * now, not in the first {@link TracePool.check}).
   */
  readonly station?: ID;
}

function readNode(value: unknown): Node | undefined {
  if (typeof value === "string") {
    return value === "" ? undefined : { id: value, time: 0, json: value };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return undefined;
  }
  const dict = value as Record<string, unknown>;
  const id = typeof dict.did === "string"
    ? dict.did
    : typeof dict.ID === "string"
    ? dict.ID
    : undefined;
  if (id === undefined || id === "") return undefined;
  const time = Number(dict.time);
  return { id, time: Number.isFinite(time) ? time : 0, json: value };
}

/**
 * The stations a message's `traces` name (objects and 2021 strings), in
 * order.
 *
 * @example
 * ```ts ignore
 * tracedStations(msg).includes(neighbour.value); // it passed there
 * ```
 */
export function tracedStations(msg: ReliableMessage): string[] {
  const found: string[] = [];
  for (const value of msg.traces) {
    const node = readNode(value);
    if (node !== undefined) found.push(node.id);
  }
  return found;
}

/**
 * The stations a broadcast was already given to: the strings of its
 * `recipients` list (station.md §4.7), else none.
 *
 * @example
 * ```ts ignore
 * broadcastRecipients(msg).includes(neighbour.value); // it was sent there
 * ```
 */
export function broadcastRecipients(msg: ReliableMessage): string[] {
  const value = msg.get("recipients");
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === "string");
}

/**
 * The pool of traces of recent messages.
 *
 * @example
 * ```ts ignore
 * const pool = new TracePool();
 * if (pool.check(msg, stationId)) dropIfStationOrBroadcast(msg);
 * msg.get("traces"); // now ends with this station's node
 * ```
 */
export class TracePool {
  readonly #entries: BoundedMap<string, Entry>;
  readonly #ttl: number;
  readonly #now: () => number;
  /** The station of the last check, and its ID as JSON. */
  #station = "";
  #stationJson = "";
  /** When the oldest entry's expiry was last checked (seconds). */
  #checkedAt = -Infinity;
  /** The clock at the pool's start, in whole milliseconds. */
  readonly #startMs: number;

  /** An empty pool. */
  constructor(options: TracePoolOptions = {}) {
    this.#ttl = options.ttlSeconds ?? TRACE_TTL_SECONDS;
    this.#entries = new BoundedMap(options.maxEntries ?? 65536);
    this.#now = options.now ?? _secondsNow;
    this.#startMs = Math.round(this.#now() * 1000);
    if (options.station !== undefined) this.#setStation(options.station);
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Merges the message's traces with the pool's, reports whether `station`
   * is among them ("traced": the message came back), appends `station`
   * (now) and writes the merged list, ordered by time, to `msg.traces`.
   */
  check(msg: ReliableMessage, station: ID): boolean {
    const now = this.#now();
    const signature = msg.signature;
    // the dispatcher's key of this message: one string for both maps
    const key = messageKey(msg.receiver, signature);
    let entry = this.#entries.get(key);
    if (entry !== undefined && this.#seen(entry) < now - this.#ttl) {
      this.#entries.delete(key);
      entry = undefined;
    }
    if (entry === undefined && msg.traces.length === 0) {
      // first seen here, no other trace (most routed messages): its JSON
      // from this station's, without a stringify per message
      this.#remember(key, this.#sinceStart(now));
      if (this.#station !== station.value) this.#setStation(station);
      const id = this.#stationJson;
      msg.set(
        "traces",
        [{ ID: station.value, did: station.value, time: now }],
        `[{"ID":${id},"did":${id},"time":${JSON.stringify(now)}}]`,
      );
      return false;
    }
    const nodes = entry === undefined
      ? []
      : typeof entry === "number"
      ? [_selfNode(station.value, this.#seen(entry))]
      : entry.nodes.slice();
    for (const value of msg.traces) {
      const node = readNode(value);
      if (node !== undefined) insert(nodes, node);
    }
    const traced = nodes.some((node) => node.id === station.value);
    insert(nodes, _selfNode(station.value, now));
    this.#remember(
      key,
      entry === undefined && nodes.length === 1
        ? this.#sinceStart(now) // first seen here, no other trace
        : { nodes, seen: entry === undefined ? now : this.#seen(entry) },
    );
    msg.set("traces", nodes.map((node) => node.json));
    return traced;
  }

  /** The station whose node {@link TracePool.check} writes, and its JSON. */
  #setStation(station: ID): void {
    this.#station = station.value;
    this.#stationJson = JSON.stringify(station.value);
  }

  #remember(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    // expiry is checked once a second, not per message
    const now = this.#now();
    if (now - this.#checkedAt < 1) return;
    this.#checkedAt = now;
    const oldest = this.#entries.values().next().value as Entry;
    if (this.#seen(oldest) < now - this.#ttl) this.#purge();
  }

  /** When the entry's message was first seen here (seconds). */
  #seen(entry: Entry): number {
    return typeof entry === "number"
      ? (this.#startMs + entry) / 1000
      : entry.seen;
  }

  /** `now` (seconds) as whole milliseconds since the pool's start. */
  #sinceStart(now: number): number {
    return Math.round(now * 1000) - this.#startMs;
  }

  #purge(): void {
    const limit = this.#now() - this.#ttl;
    for (const [key, entry] of this.#entries) {
      if (this.#seen(entry) >= limit) break;
      this.#entries.delete(key);
    }
  }
}

/** Inserts by time unless the same node (ID and time) is there. */
function insert(nodes: Node[], node: Node): void {
  let at = nodes.length;
  while (at > 0) {
    const item = nodes[at - 1];
    if (item.id === node.id && item.time === node.time) return;
    if (item.time <= node.time) break;
    at--;
  }
  nodes.splice(at, 0, node);
}

/**
 * The default clock (seconds): one function for every pool, so that the
 * optimised relay path made while a self warm-up's pool ran still calls
 * the right target in the real station's.
 */
function _secondsNow(): number {
  return Date.now() / 1000;
}
