/**
 * Counters of what the station did, for tests, benchmarks and `/metrics`:
 * how many messages were routed without any signature check, how many
 * signatures were verified, how many receipts were packed, why messages were
 * dropped, ... Plain numbers on the hot path; `station/stats_metrics.ts`
 * turns them into the Prometheus series of `station/station_metrics.ts` when
 * scraped.
 *
 * @module
 */
import type { Framing } from "../dimp/transport/mod.ts";
import type {
  DropReason,
  HandshakeResult,
  Route,
  StoreOp,
} from "./station_metrics.ts";

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
  /** Routed messages the transport reported sent to their receiver, live. */
  deliveredLive = 0;
  /** Stored messages the transport reported sent at a later login. */
  delivered = 0;
  /** Reply messages the station packed (receipts, commands). */
  replies = 0;
  /** Routed messages refused because the sender was not the session's user. */
  senderRefused = 0;
  /** Messages held until a handshake (unbound or inactive session). */
  suspended = 0;
  /** Messages dropped because they came back through this station (traces). */
  looped = 0;
  /** Messages refused by the receiver's block list. */
  blocked = 0;
  /** Handshakes by result. */
  readonly handshakes: Record<HandshakeResult, number> = {
    success: 0,
    again: 0,
    failed: 0,
  };
  /** Told the duration of store calls (set by `/metrics`; none by default). */
  storeLatency: ((op: StoreOp, seconds: number) => void) | undefined;

  /** Counts a dropped message. */
  drop(reason: DropReason): void {
    this.dropped++;
    this.droppedBy[reason] = (this.droppedBy[reason] ?? 0) + 1;
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
  "storeLatency" | "drop" | "time" | "snapshot"
>;

function noop(): void {}
