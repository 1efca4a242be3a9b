/**
 * The metrics a station exposes on `/metrics` (Prometheus text format), with
 * typed methods for the places that update them.
 *
 * | metric                                   | type      | labels              | what                                                     |
 * | ---------------------------------------- | --------- | ------------------- | -------------------------------------------------------- |
 * | `dim_build_info`                         | gauge     | `version`           | always 1                                                 |
 * | `dim_connections_open`                   | gauge     | `framing`           | connections open now (framing established)               |
 * | `dim_connections_opened_total`           | counter   | `framing`           | connections opened                                       |
 * | `dim_connections_closed_total`           | counter   | `framing`, `reason` | connections closed, by why ({@linkcode CloseReason})     |
 * | `dim_connections_rejected_total`         | counter   | `reason`            | refused on accept ({@linkcode REJECT_REASONS})           |
 * | `dim_handshakes_total`                   | counter   | `result`            | handshakes ({@linkcode HANDSHAKE_RESULTS})               |
 * | `dim_messages_received_total`            | counter   | `framing`           | reliable messages read from sessions                     |
 * | `dim_messages_routed_total`              | counter   | `route`             | messages passed on ({@linkcode ROUTES})                  |
 * | `dim_messages_cached_total`              | counter   |                     | stored for an offline receiver ("Message cached.")       |
 * | `dim_messages_delivered_total`           | counter   | `source`            | handed to the receiver's session and sent (live/offline) |
 * | `dim_messages_dropped_total`             | counter   | `reason`            | dropped ({@linkcode DROP_REASONS})                       |
 * | `dim_key_decryptions_total`              | counter   |                     | RSA decryptions of message keys sealed for the station   |
 * | `dim_gc_after_storm_total`               | counter   |                     | full GCs run once a handshake storm was over             |
 * | `dim_gc_after_storm_seconds_total`       | counter   |                     | their pauses of the main thread                          |
 * | `dim_store_latency_seconds`              | histogram | `op`                | store calls ({@linkcode STORE_OPS})                      |
 * | `dim_queue_depth`                        | gauge     | `queue`             | items waiting ({@linkcode QUEUES}), read at scrape time  |
 * | `dim_bytes_received_total`               | counter   | `framing`           | bytes read from sockets                                  |
 * | `dim_bytes_sent_total`                   | counter   | `framing`           | bytes written to sockets                                 |
 * | `process_start_time_seconds`             | gauge     |                     | start of the process (Unix time)                         |
 * | `process_cpu_seconds_total`              | counter   |                     | user + system CPU time                                   |
 * | `process_resident_memory_bytes`          | gauge     |                     | resident set size                                        |
 * | `process_heap_bytes`                     | gauge     |                     | V8 heap in use                                           |
 * | `process_open_fds`                       | gauge     |                     | open file descriptors (Linux; absent when unreadable)    |
 *
 * Every series of a closed label set starts at 0, so a dashboard sees zero
 * rather than nothing.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import type { Framing } from "../../dimp/transport/mod.ts";
import {
  DELIVERY_SOURCES,
  type DeliverySource,
  DROP_REASONS,
  type DropReason,
  FRAMINGS,
  HANDSHAKE_RESULTS,
  type HandshakeResult,
  type Route,
  ROUTES,
  STORE_OPS,
  type StoreOp,
} from "../stats.ts";
import type { CloseReason } from "../../client/transport/connection.ts";
import {
  type Counter,
  type CounterSeries,
  type Gauge,
  type GaugeSeries,
  type HistogramSeries,
  MetricsRegistry,
} from "./metrics.ts";

/** Why a connection closed (the transport's reasons). */
export const CLOSE_REASONS: readonly CloseReason[] = [
  "peer",
  "local",
  "shutdown",
  "idle-timeout",
  "handshake-timeout",
  "frame-timeout",
  "framing-error",
  "slow-consumer",
  "io-error",
];

/** Why a connection was refused on accept. */
export const REJECT_REASONS = [
  "max_connections",
  "max_per_ip",
  "shutting_down",
] as const;
/** Why a connection was refused on accept. */
export type RejectReason = typeof REJECT_REASONS[number];

/**
 * The queues `dim_queue_depth` reports: `store_writes` (the group-commit
 * queue), `outbound` (messages queued or unacknowledged on all
 * connections), `suspended` (held until a handshake), `push` (waiting for
 * live delivery).
 */
export const QUEUES = [
  "store_writes",
  "outbound",
  "suspended",
  "push",
] as const;
/** A queue `dim_queue_depth` reports. */
export type QueueName = typeof QUEUES[number];

/** Upper bounds of `dim_store_latency_seconds` (50 µs … 2.5 s). */
export const STORE_LATENCY_BUCKETS: readonly number[] = [
  0.00005,
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];

type ByLabel<K extends string, S> = Readonly<Record<K, S>>;

function each<K extends string, S>(
  keys: readonly K[],
  make: (key: K) => S,
): ByLabel<K, S> {
  return Object.fromEntries(keys.map((k) => [k, make(k)])) as ByLabel<K, S>;
}

/**
 * The station's metrics on a registry (a new one by default).
 *
 * @example
 * ```ts
 * const metrics = new StationMetrics({ version: "0.1.0" });
 * metrics.connectionOpened("mtp");
 * metrics.handshake("success");
 * metrics.dropped("blocked");
 * const done = metrics.startStoreTimer("store_message");
 * done();
 * metrics.registry.expose(); // the Prometheus text
 * ```
 */
export class StationMetrics {
  /** The registry the metrics live in (serve it on `/metrics`). */
  readonly registry: MetricsRegistry;
  readonly #open: ByLabel<Framing, GaugeSeries>;
  readonly #opened: ByLabel<Framing, CounterSeries>;
  readonly #closed: Counter;
  readonly #rejected: ByLabel<RejectReason, CounterSeries>;
  readonly #handshakes: ByLabel<HandshakeResult, CounterSeries>;
  readonly #received: ByLabel<Framing, CounterSeries>;
  readonly #routed: ByLabel<Route, CounterSeries>;
  readonly #cached: Counter;
  readonly #keyDecryptions: Counter;
  readonly #stormCollections: Counter;
  readonly #stormCollectionSeconds: Counter;
  readonly #delivered: ByLabel<DeliverySource, CounterSeries>;
  readonly #dropped: ByLabel<DropReason, CounterSeries>;
  readonly #store: ByLabel<StoreOp, HistogramSeries>;
  readonly #queues: Gauge;
  readonly #bytesIn: ByLabel<Framing, CounterSeries>;
  readonly #bytesOut: ByLabel<Framing, CounterSeries>;
  readonly #queueReaders = new Map<QueueName, () => number>();

  /** Registers every station metric (and the process metrics). */
  constructor(
    options: {
      readonly registry?: MetricsRegistry;
      readonly version?: string;
    } = {},
  ) {
    const r = this.registry = options.registry ?? new MetricsRegistry();
    r.gauge("dim_build_info", "The dim version (the value is always 1).", [
      "version",
    ]).labels({ version: options.version ?? "unknown" }).set(1);
    const open = r.gauge(
      "dim_connections_open",
      "Connections open now whose framing is established.",
      ["framing"],
    );
    this.#open = each(FRAMINGS, (framing) => open.labels({ framing }));
    const opened = r.counter(
      "dim_connections_opened_total",
      "Connections opened (framing established).",
      ["framing"],
    );
    this.#opened = each(FRAMINGS, (framing) => opened.labels({ framing }));
    this.#closed = r.counter(
      "dim_connections_closed_total",
      "Connections closed, by framing and reason.",
      ["framing", "reason"],
    );
    const rejected = r.counter(
      "dim_connections_rejected_total",
      "TCP connections refused on accept.",
      ["reason"],
    );
    this.#rejected = each(
      REJECT_REASONS,
      (reason) => rejected.labels({ reason }),
    );
    const handshakes = r.counter(
      "dim_handshakes_total",
      "Handshakes by result (success: DIM!, again: DIM?, failed).",
      ["result"],
    );
    this.#handshakes = each(
      HANDSHAKE_RESULTS,
      (result) => handshakes.labels({ result }),
    );
    const received = r.counter(
      "dim_messages_received_total",
      "Reliable messages read from sessions.",
      ["framing"],
    );
    this.#received = each(FRAMINGS, (framing) => received.labels({ framing }));
    const routed = r.counter(
      "dim_messages_routed_total",
      "Messages passed on, by where they went.",
      ["route"],
    );
    this.#routed = each(ROUTES, (route) => routed.labels({ route }));
    this.#cached = r.counter(
      "dim_messages_cached_total",
      "Messages stored for an offline receiver (Message cached.).",
    );
    this.#keyDecryptions = r.counter(
      "dim_key_decryptions_total",
      "RSA decryptions of message keys sealed for the station.",
    );
    this.#stormCollections = r.counter(
      "dim_gc_after_storm_total",
      "Full garbage collections run once a handshake storm was over.",
    );
    this.#stormCollectionSeconds = r.counter(
      "dim_gc_after_storm_seconds_total",
      "The main thread's pauses for those collections in seconds.",
    );
    const delivered = r.counter(
      "dim_messages_delivered_total",
      "Messages sent to the receiver's session, live or from the store.",
      ["source"],
    );
    this.#delivered = each(
      DELIVERY_SOURCES,
      (source) => delivered.labels({ source }),
    );
    const dropped = r.counter(
      "dim_messages_dropped_total",
      "Messages dropped, by reason.",
      ["reason"],
    );
    this.#dropped = each(DROP_REASONS, (reason) => dropped.labels({ reason }));
    const store = r.histogram(
      "dim_store_latency_seconds",
      "Latency of store calls, by operation.",
      { buckets: STORE_LATENCY_BUCKETS, labelNames: ["op"] },
    );
    this.#store = each(STORE_OPS, (op) => store.labels({ op }));
    this.#queues = r.gauge(
      "dim_queue_depth",
      "Items waiting, by queue (read at scrape time).",
      ["queue"],
    );
    for (const queue of QUEUES) this.#queues.labels({ queue });
    const bytesIn = r.counter(
      "dim_bytes_received_total",
      "Bytes read from station-port sockets.",
      ["framing"],
    );
    this.#bytesIn = each(FRAMINGS, (framing) => bytesIn.labels({ framing }));
    const bytesOut = r.counter(
      "dim_bytes_sent_total",
      "Bytes written to station-port sockets.",
      ["framing"],
    );
    this.#bytesOut = each(FRAMINGS, (framing) => bytesOut.labels({ framing }));
    r.onCollect(() => {
      for (const [queue, read] of this.#queueReaders) {
        this.#queues.labels({ queue }).set(read());
      }
    });
    registerProcessMetrics(r);
  }

  /**
   * A connection's framing is established.
   */
  connectionOpened(framing: Framing): void {
    this.#opened[framing].inc();
    this.#open[framing].inc();
  }

  /**
   * A connection (opened before) closed.
   */
  connectionClosed(framing: Framing, reason: CloseReason): void {
    this.#open[framing].dec();
    this.#closed.labels({ framing, reason }).inc();
  }

  /**
   * A TCP connection was refused on accept.
   */
  connectionRejected(reason: RejectReason): void {
    this.#rejected[reason].inc();
  }

  /**
   * A handshake ended.
   */
  handshake(result: HandshakeResult): void {
    this.#handshakes[result].inc();
  }

  /**
   * Reliable messages were read from a session.
   */
  received(framing: Framing, count = 1): void {
    this.#received[framing].inc(count);
  }

  /**
   * A message was passed on.
   */
  routed(route: Route, count = 1): void {
    this.#routed[route].inc(count);
  }

  /**
   * A message was stored for an offline receiver.
   */
  cached(count = 1): void {
    this.#cached.inc(count);
  }

  /**
   * The station decrypted sealed message keys with its RSA key.
   */
  keyDecryptions(count = 1): void {
    this.#keyDecryptions.inc(count);
  }

  /**
   * The station ran full garbage collections after a handshake storm,
   * pausing for `seconds` in all.
   */
  stormCollections(count: number, seconds: number): void {
    this.#stormCollections.inc(count);
    this.#stormCollectionSeconds.inc(seconds);
  }

  /**
   * A message reached the receiver's session (the transport said sent).
   */
  delivered(source: DeliverySource, count = 1): void {
    this.#delivered[source].inc(count);
  }

  /**
   * Messages were dropped.
   */
  dropped(reason: DropReason, count = 1): void {
    this.#dropped[reason].inc(count);
  }

  /**
   * Records how long a store call took (seconds).
   */
  storeLatency(op: StoreOp, seconds: number): void {
    this.#store[op].observe(seconds);
  }

  /**
   * Starts timing a store call; the returned function records it.
   */
  startStoreTimer(op: StoreOp): () => void {
    const start = performance.now();
    return () => this.storeLatency(op, (performance.now() - start) / 1000);
  }

  /**
   * Reports a queue's depth by reading `depth()` at every scrape.
   */
  trackQueue(queue: QueueName, depth: () => number): void {
    this.#queueReaders.set(queue, depth);
  }

  /**
   * Bytes were read from a socket.
   */
  bytesReceived(framing: Framing, bytes: number): void {
    this.#bytesIn[framing].inc(bytes);
  }

  /**
   * Bytes were written to a socket.
   */
  bytesSent(framing: Framing, bytes: number): void {
    this.#bytesOut[framing].inc(bytes);
  }
}

function countOpenFds(): number | undefined {
  try {
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    return count;
  } catch {
    return undefined;
  }
}

/** {@link countOpenFds} off the main thread (a listing of 10,000 sockets takes ~1 s). */
async function countOpenFdsLater(): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir("/proc/self/fd")) count++;
  return count;
}

function registerProcessMetrics(r: MetricsRegistry): void {
  r.gauge(
    "process_start_time_seconds",
    "Start time of the process since the Unix epoch in seconds.",
  ).set(Math.floor((Date.now() - performance.now()) / 1000));
  const cpu = r.counter(
    "process_cpu_seconds_total",
    "Total user and system CPU time spent in seconds.",
  );
  const rss = r.gauge(
    "process_resident_memory_bytes",
    "Resident memory size in bytes.",
  );
  const heap = r.gauge("process_heap_bytes", "V8 heap in use in bytes.");
  // absent where it cannot be counted (no /proc/self/fd): never a false 0;
  // counted now (few are open), then again after each scrape: a scrape
  // shows the count the previous one started, and never waits for it
  const first = countOpenFds();
  const fds = first === undefined
    ? undefined
    : r.gauge("process_open_fds", "Number of open file descriptors.");
  if (first !== undefined) fds?.set(first);
  let counting = false;
  r.onCollect(() => {
    const usage = cpuUsage();
    const seconds = (usage.user + usage.system) / 1e6;
    if (seconds > cpu.get()) cpu.inc(seconds - cpu.get());
    const memory = Deno.memoryUsage();
    rss.set(memory.rss);
    heap.set(memory.heapUsed);
    if (fds === undefined || counting) return;
    counting = true;
    countOpenFdsLater().then(
      (open) => fds.set(open),
      () => {}, // the process is closing its files: keep the last count
    ).finally(() => counting = false);
  });
}
