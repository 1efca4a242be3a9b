/**
 * The station's counters ({@link StationStats}) as the Prometheus series of
 * {@link StationMetrics}: at every scrape the growth since the last one is
 * added, store calls are timed into the latency histogram, the queue depths
 * are read from the sessions, and the byte counts from the connections
 * ({@link ConnectionBytes}).
 *
 * @module
 */
import type { Session } from "../session.ts";
import type { Connection } from "../transport/mod.ts";
import type { StationMetrics } from "./station_metrics.ts";
import {
  DELIVERY_SOURCES,
  DROP_REASONS,
  FRAMINGS,
  HANDSHAKE_RESULTS,
  ROUTES,
  type StationStats,
  type StatsSnapshot,
} from "../stats.ts";

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
      now.keyDecryptions,
      last.keyDecryptions,
      (n) => metrics.keyDecryptions(n),
    );
    grow(
      now.stormCollections,
      last.stormCollections,
      (n) =>
        metrics.stormCollections(
          n,
          (now.stormCollectionMs - last.stormCollectionMs) / 1000,
        ),
    );
    for (const source of DELIVERY_SOURCES) {
      grow(
        now.deliveredBy[source],
        last.deliveredBy[source],
        (n) => metrics.delivered(source, n),
      );
    }
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

/**
 * Feeds `dim_bytes_received_total` / `dim_bytes_sent_total` from the
 * connections' own counters: open connections are read at every scrape, a
 * closing one once more when it closes ({@link ConnectionBytes.closed}) —
 * nothing is added on the hot path.
 *
 * @example
 * ```ts ignore
 * const bytes = new ConnectionBytes(metrics, () => listener.connections);
 * // in onClose:
 * bytes.closed(conn);
 * ```
 */
export class ConnectionBytes {
  readonly #metrics: StationMetrics;
  // a Map, not a WeakMap (each of whose entries V8 marks again in the final
  // pause of every full GC: one per open connection after a scrape);
  // `closed` deletes the entry
  readonly #counted = new Map<Connection, [number, number]>();

  /** Reads the connections `open()` lists at every scrape. */
  constructor(metrics: StationMetrics, open: () => Iterable<Connection>) {
    this.#metrics = metrics;
    metrics.registry.onCollect(() => {
      for (const conn of open()) this.#count(conn);
    });
  }

  /** Counts what a connection did since the last scrape (call it when it closes). */
  closed(conn: Connection): void {
    this.#count(conn);
    this.#counted.delete(conn);
  }

  #count(conn: Connection): void {
    const [received, sent] = this.#counted.get(conn) ?? [0, 0];
    const nowReceived = conn.bytesReceived;
    const nowSent = conn.bytesSent;
    if (nowReceived > received) {
      this.#metrics.bytesReceived(conn.framing, nowReceived - received);
    }
    if (nowSent > sent) this.#metrics.bytesSent(conn.framing, nowSent - sent);
    this.#counted.set(conn, [nowReceived, nowSent]);
  }
}
