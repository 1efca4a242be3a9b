/**
 * The station's counters ({@link StationStats}) as the Prometheus series of
 * {@link StationMetrics}: at every scrape the growth since the last one is
 * added, store calls are timed into the latency histogram, and the queue
 * depths are read from the sessions.
 *
 * @module
 */
import type { Session } from "./session.ts";
import {
  DROP_REASONS,
  FRAMINGS,
  HANDSHAKE_RESULTS,
  ROUTES,
  type StationMetrics,
} from "./station_metrics.ts";
import type { StationStats, StatsSnapshot } from "./stats.ts";

/** Where the queue depths are read. */
export interface QueueSources {
  /** Store writes waiting for the next commit. */
  readonly storeWrites: () => number;
  /** The open sessions. */
  readonly sessions: () => Iterable<Session>;
}

/**
 * Feeds `metrics` from `stats` from now on.
 *
 * @example
 * ```ts ignore
 * exportStats(station.stats, metrics, { storeWrites: () => 0, sessions: () => center.all() });
 * ```
 */
export function exportStats(
  stats: StationStats,
  metrics: StationMetrics,
  queues: QueueSources,
): void {
  let last: StatsSnapshot = stats.snapshot();
  stats.storeLatency = (op, seconds) => metrics.storeLatency(op, seconds);
  metrics.registry.onCollect(() => {
    const now = stats.snapshot();
    for (const framing of FRAMINGS) {
      grow(
        now.receivedBy[framing],
        last.receivedBy[framing],
        (n) => metrics.received(framing, n),
      );
    }
    for (const route of ROUTES) {
      grow(
        now.routedBy[route],
        last.routedBy[route],
        (n) => metrics.routed(route, n),
      );
    }
    for (const reason of DROP_REASONS) {
      grow(
        now.droppedBy[reason] ?? 0,
        last.droppedBy[reason] ?? 0,
        (n) => metrics.dropped(reason, n),
      );
    }
    for (const result of HANDSHAKE_RESULTS) {
      grow(now.handshakes[result], last.handshakes[result], (n) => {
        for (let i = 0; i < n; i++) metrics.handshake(result);
      });
    }
    grow(now.cached, last.cached, (n) => metrics.cached(n));
    grow(
      now.deliveredLive,
      last.deliveredLive,
      (n) => metrics.delivered("live", n),
    );
    grow(now.delivered, last.delivered, (n) => metrics.delivered("offline", n));
    last = now;
  });
  const sum = (read: (session: Session) => number) => () => {
    let total = 0;
    for (const session of queues.sessions()) total += read(session);
    return total;
  };
  metrics.trackQueue("store_writes", queues.storeWrites);
  metrics.trackQueue("outbound", sum((session) => session.conn.pending));
  metrics.trackQueue("suspended", sum((session) => session.suspendedCount));
  metrics.trackQueue("push", sum((session) => session.queued));
}

function grow(now: number, before: number, add: (n: number) => void): void {
  if (now > before) add(now - before);
}
