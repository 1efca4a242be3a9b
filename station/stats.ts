/**
 * Counters of what the station did, for tests, benchmarks and `/metrics`:
 * how many messages were routed without any signature check, how many
 * signatures were verified, how many receipts were packed, why messages were
 * dropped, ... Plain numbers on the hot path; `station/ops/stats_metrics.ts`
 * turns them into the Prometheus series of `station/ops/station_metrics.ts`
 * when scraped. The label values (why a message was dropped, where it was
 * routed, ...) are defined here, once.
 *
 * @module
 */
import type { Framing } from "../dimp/transport/mod.ts";

/** The framings of the station port. */
export const FRAMINGS: readonly Framing[] = ["mtp", "mars", "ws", "plain"];

/**
 * How a handshake ended: `success` (DIM!), `again` (DIM? — a new session
 * key sent), `failed` (unverifiable, bad title).
 */
export const HANDSHAKE_RESULTS = ["success", "again", "failed"] as const;
/** How a handshake ended. */
export type HandshakeResult = typeof HANDSHAKE_RESULTS[number];

/**
 * Where a routed message went: `local` (a session of the receiver here),
 * `neighbor` (another station), `broadcast` (fanned out to stations or
 * users), `group` (split for members or handed to the group assistant),
 * `bot` (a service bot found through ANS).
 */
export const ROUTES = [
  "local",
  "neighbor",
  "broadcast",
  "group",
  "bot",
] as const;
/** Where a routed message went. */
export type Route = typeof ROUTES[number];

/** Whether a delivered message came straight (`live`) or from the store (`offline`). */
export const DELIVERY_SOURCES = ["live", "offline"] as const;
/** Whether a delivered message came straight or from the store. */
export type DeliverySource = typeof DELIVERY_SOURCES[number];

/**
 * Why a message was dropped:
 * - `malformed`: not JSON, not a reliable message
 * - `too_large`: over the frame cap
 * - `not_verified`: bad signature
 * - `not_decrypted`: a message to the station it could not open
 * - `sender_refused`: the sender is not the session's user
 * - `blocked`: on the receiver's block list
 * - `looped`: its traces show it passed here already
 * - `no_route`: no receiver to hand it to and nothing to store it for
 * - `duplicate`: the same signature stored already
 * - `expired`: offline retention ran out
 * - `offline_cap`: pushed out by the per-user offline cap
 * - `rate_limited`: over the session's message or byte rate
 * - `suspended_overflow`: sent before the handshake, the hold queue full
 */
export const DROP_REASONS = [
  "malformed",
  "too_large",
  "not_verified",
  "not_decrypted",
  "sender_refused",
  "blocked",
  "looped",
  "no_route",
  "duplicate",
  "expired",
  "offline_cap",
  "rate_limited",
  "suspended_overflow",
] as const;
/** Why a message was dropped. */
export type DropReason = typeof DROP_REASONS[number];

/**
 * The store calls timed by `dim_store_latency_seconds`: `commit` is one
 * transaction of the offline-message write queue (fsynced when a message in
 * it is answered "Message cached."); `store_message` and `delete_messages`
 * run from a message's entry into that queue to its commit; the others are
 * single calls.
 */
export const STORE_OPS = [
  "commit",
  "store_message",
  "load_messages",
  "delete_messages",
  "save_meta",
  "save_document",
  "load_account",
  "save_login",
  "purge",
] as const;
/** A store call timed by `dim_store_latency_seconds`. */
export type StoreOp = typeof STORE_OPS[number];

/**
 * The station's counters (all start at 0 and only grow).
 *
 * @example
 * ```ts
 * const stats = new StationStats();
 * stats.drop("looped");
 * stats.snapshot().dropped; // 1
 * ```
 */
export class StationStats {
  /** Reliable messages parsed from the wire. */
  received = 0;
  /** …by the framing of their connection. */
  readonly receivedBy: Record<Framing, number> = {
    mtp: 0,
    mars: 0,
    ws: 0,
    plain: 0,
  };
  /** Lines and messages dropped (see {@link StationStats.droppedBy}). */
  dropped = 0;
  /** …by reason. */
  readonly droppedBy: Partial<Record<DropReason, number>> = {};
  /** Messages routed to others (never verified nor decrypted). */
  routed = 0;
  /** …by where they went. */
  readonly routedBy: Record<Route, number> = {
    local: 0,
    neighbor: 0,
    broadcast: 0,
    group: 0,
    bot: 0,
  };
  /** Signature verifications the station ran (messages it processed itself). */
  verified = 0;
  /** Messages the station processed itself. */
  processed = 0;
  /** Messages handed to sessions (live pushes, stored deliveries, replies). */
  pushed = 0;
  /** Messages stored for an offline receiver ("Message cached."). */
  cached = 0;
  /** Messages the transport reported sent to their receiver. */
  delivered = 0;
  /** …live (routed straight) or from the store (at a later login). */
  readonly deliveredBy: Record<DeliverySource, number> = {
    live: 0,
    offline: 0,
  };
  /** Reply messages the station packed (receipts, commands). */
  replies = 0;
  /** Messages held until a handshake (unbound or inactive session). */
  suspended = 0;
  /** RSA decryptions of message keys sealed for the station (tried keys). */
  keyDecryptions = 0;
  /** Handshakes by result. */
  readonly handshakes: Record<HandshakeResult, number> = {
    success: 0,
    again: 0,
    failed: 0,
  };
  /** Full garbage collections after a handshake storm (`StormCollector`). */
  stormCollections = 0;
  /** …their pauses in all (ms). */
  stormCollectionMs = 0;
  /** Told the duration of store calls (set by `/metrics`; none by default). */
  storeLatency: ((op: StoreOp, seconds: number) => void) | undefined;

  /** Counts a dropped message. */
  drop(reason: DropReason): void {
    this.dropped++;
    this.droppedBy[reason] = (this.droppedBy[reason] ?? 0) + 1;
  }

  /** Counts a message the transport reported sent to its receiver. */
  deliver(source: DeliverySource): void {
    this.delivered++;
    this.deliveredBy[source]++;
  }

  /**
   * Starts timing a store call; the function returned ends it.
   *
   * @example
   * ```ts
   * const done = new StationStats().time("save_login");
   * done();
   * ```
   */
  time(op: StoreOp): () => void {
    const observe = this.storeLatency;
    if (observe === undefined) return noop;
    const start = performance.now();
    return () => observe(op, (performance.now() - start) / 1000);
  }

  /**
   * A deep copy of the counters.
   */
  snapshot(): StatsSnapshot {
    const { storeLatency: _, ...counters } = this;
    return structuredClone(counters) as StatsSnapshot;
  }
}

/** The counters of a {@link StationStats} at one moment. */
export type StatsSnapshot = Omit<
  StationStats,
  "storeLatency" | "drop" | "deliver" | "time" | "snapshot"
>;

function noop(): void {}
