import assert from "node:assert/strict";
import {
  escapeHelp,
  escapeLabelValue,
  formatSampleValue,
  MetricsError,
  MetricsRegistry,
} from "../../station/ops/metrics.ts";
import {
  CLOSE_REASONS,
  QUEUES,
  StationMetrics,
  STORE_LATENCY_BUCKETS,
} from "../../station/ops/station_metrics.ts";
import {
  DROP_REASONS,
  FRAMINGS,
  HANDSHAKE_RESULTS,
  ROUTES,
  STORE_OPS,
} from "../../station/stats.ts";
import { parseExposition, sampleValue } from "./_prometheus.ts";

Deno.test("metrics: the exposition is the 0.0.4 text format, byte for byte", () => {
  const r = new MetricsRegistry();
  const c = r.counter("demo_events_total", "Events.\nSecond line \\ done.", [
    "kind",
  ]);
  c.labels({ kind: 'say "hi"\\\nbye' }).inc(2);
  c.labels({ kind: "plain" }).inc();
  r.gauge("demo_temperature", "Now.").set(-1.5);
  const h = r.histogram("demo_latency_seconds", "Latency.", {
    buckets: [0.1, 1],
  });
  h.observe(0.1); // on a bound: counted in le="0.1"
  h.observe(0.5);
  h.observe(7);
  assert.equal(
    r.expose(),
    [
      "# HELP demo_events_total Events.\\nSecond line \\\\ done.",
      "# TYPE demo_events_total counter",
      'demo_events_total{kind="say \\"hi\\"\\\\\\nbye"} 2',
      'demo_events_total{kind="plain"} 1',
      "# HELP demo_temperature Now.",
      "# TYPE demo_temperature gauge",
      "demo_temperature -1.5",
      "# HELP demo_latency_seconds Latency.",
      "# TYPE demo_latency_seconds histogram",
      'demo_latency_seconds_bucket{le="0.1"} 1',
      'demo_latency_seconds_bucket{le="1"} 2',
      'demo_latency_seconds_bucket{le="+Inf"} 3',
      "demo_latency_seconds_sum 7.6",
      "demo_latency_seconds_count 3",
      "",
    ].join("\n"),
  );
  // and an independent reader gets the same values back
  const families = parseExposition(r.expose());
  assert.equal(
    families.get("demo_events_total")?.help,
    "Events.\nSecond line \\ done.",
  );
  assert.equal(
    sampleValue(families, "demo_events_total", { kind: 'say "hi"\\\nbye' }),
    2,
  );
  assert.equal(sampleValue(families, "demo_temperature"), -1.5);
  assert.equal(
    sampleValue(families, "demo_latency_seconds_bucket", { le: "+Inf" }),
    3,
  );
});

Deno.test("metrics: special values and escapes", () => {
  assert.equal(formatSampleValue(Infinity), "+Inf");
  assert.equal(formatSampleValue(-Infinity), "-Inf");
  assert.equal(formatSampleValue(NaN), "NaN");
  assert.equal(formatSampleValue(0.00005), "0.00005");
  assert.equal(formatSampleValue(1e21), "1e+21");
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
  const r = new MetricsRegistry();
  r.gauge("g_inf", "x").set(Infinity);
  assert.equal(sampleValue(parseExposition(r.expose()), "g_inf"), Infinity);
});

Deno.test("metrics: labelled histograms keep a series per label set", () => {
  const r = new MetricsRegistry();
  const h = r.histogram("op_seconds", "Ops.", {
    buckets: [0.01, 0.1],
    labelNames: ["op"],
  });
  const read = h.labels({ op: "read" });
  for (const v of [0.001, 0.01, 0.05, 0.2]) read.observe(v);
  h.labels({ op: "write" }).observe(0.5);
  const f = parseExposition(r.expose());
  const bucket = (op: string, le: string) =>
    sampleValue(f, "op_seconds_bucket", { op, le });
  assert.deepEqual(
    ["0.01", "0.1", "+Inf"].map((le) => bucket("read", le)),
    [2, 3, 4],
  );
  assert.deepEqual(
    ["0.01", "0.1", "+Inf"].map((le) => bucket("write", le)),
    [0, 0, 1],
  );
  assert.equal(sampleValue(f, "op_seconds_count", { op: "read" }), 4);
  assert.ok(
    Math.abs(sampleValue(f, "op_seconds_sum", { op: "read" })! - 0.261) < 1e-12,
  );
  assert.deepEqual(h.get({ op: "write" }), { count: 1, sum: 0.5 });
  assert.deepEqual(h.buckets, [0.01, 0.1]);
});

Deno.test("metrics: bad definitions and uses give MetricsError", () => {
  const r = new MetricsRegistry();
  const c = r.counter("ok_total", "x", ["a"]);
  const cases: [string, () => unknown][] = [
    ["bad metric name", () => r.counter("bad name", "x")],
    ["name starting with a digit", () => r.gauge("1x", "x")],
    ["name taken", () => r.gauge("ok_total", "x")],
    ["bad label name", () => r.counter("l1", "x", ["a-b"])],
    ["reserved label name", () => r.counter("l2", "x", ["__name"])],
    ["label twice", () => r.counter("l3", "x", ["a", "a"])],
    [
      "le on a histogram",
      () => r.histogram("h1", "x", { buckets: [1], labelNames: ["le"] }),
    ],
    ["no buckets", () => r.histogram("h2", "x", { buckets: [] })],
    [
      "buckets not ascending",
      () => r.histogram("h3", "x", { buckets: [2, 1] }),
    ],
    ["NaN bucket", () => r.histogram("h4", "x", { buckets: [NaN] })],
    ["missing labels", () => c.inc()],
    ["wrong label", () => c.labels({ b: "1" })],
    ["extra label", () => c.labels({ a: "1", b: "2" })],
    ["counter going down", () => c.labels({ a: "1" }).inc(-1)],
    ["counter by NaN", () => c.labels({ a: "1" }).inc(NaN)],
    ["gauge NaN", () => r.gauge("g1", "x").set(NaN)],
    [
      "labels on an unlabelled metric",
      () => r.gauge("g2", "x").labels({ a: "1" }),
    ],
    [
      "histogram NaN",
      () => r.histogram("h5", "x", { buckets: [1] }).observe(NaN),
    ],
  ];
  for (const [what, fn] of cases) {
    assert.throws(fn, MetricsError, what);
  }
  r.histogram("hist", "x", { buckets: [1] });
  assert.throws(() => r.counter("hist_count", "x"), /taken/);
  assert.throws(() => r.gauge("hist_bucket", "x"), /taken/);
  assert.equal(c.get({ a: "1" }), 0, "a refused inc changed nothing");
});

Deno.test("metrics: collectors run at each scrape; one that throws is skipped", () => {
  const r = new MetricsRegistry();
  const g = r.gauge("depth", "x");
  let depth = 3;
  r.onCollect(() => g.set(depth));
  r.onCollect(() => {
    throw new Error("broken collector");
  });
  assert.equal(sampleValue(parseExposition(r.expose()), "depth"), 3);
  depth = 9;
  assert.equal(sampleValue(parseExposition(r.expose()), "depth"), 9);
});

Deno.test("station metrics: every documented family and series is there from the start", () => {
  const metrics = new StationMetrics({ version: "9.9.9" });
  const f = parseExposition(metrics.registry.expose());
  const types: Record<string, string> = {
    dim_build_info: "gauge",
    dim_connections_open: "gauge",
    dim_connections_opened_total: "counter",
    dim_connections_closed_total: "counter",
    dim_connections_rejected_total: "counter",
    dim_handshakes_total: "counter",
    dim_messages_received_total: "counter",
    dim_messages_routed_total: "counter",
    dim_messages_cached_total: "counter",
    dim_messages_delivered_total: "counter",
    dim_messages_dropped_total: "counter",
    dim_key_decryptions_total: "counter",
    dim_gc_after_storm_total: "counter",
    dim_gc_after_storm_seconds_total: "counter",
    dim_store_latency_seconds: "histogram",
    dim_queue_depth: "gauge",
    dim_bytes_received_total: "counter",
    dim_bytes_sent_total: "counter",
    process_start_time_seconds: "gauge",
    process_cpu_seconds_total: "counter",
    process_resident_memory_bytes: "gauge",
    process_heap_bytes: "gauge",
    process_open_fds: "gauge",
  };
  assert.deepEqual(
    Object.fromEntries([...f.values()].map((x) => [x.name, x.type])),
    types,
  );
  for (const family of f.values()) assert.ok(family.help, family.name);
  assert.equal(sampleValue(f, "dim_build_info", { version: "9.9.9" }), 1);
  for (const framing of FRAMINGS) {
    for (
      const name of [
        "dim_connections_open",
        "dim_connections_opened_total",
        "dim_bytes_received_total",
        "dim_bytes_sent_total",
        "dim_messages_received_total",
      ]
    ) {
      assert.equal(sampleValue(f, name, { framing }), 0, `${name} ${framing}`);
    }
  }
  for (const result of HANDSHAKE_RESULTS) {
    assert.equal(sampleValue(f, "dim_handshakes_total", { result }), 0);
  }
  for (const route of ROUTES) {
    assert.equal(sampleValue(f, "dim_messages_routed_total", { route }), 0);
  }
  for (const reason of DROP_REASONS) {
    assert.equal(sampleValue(f, "dim_messages_dropped_total", { reason }), 0);
  }
  for (const queue of QUEUES) {
    assert.equal(sampleValue(f, "dim_queue_depth", { queue }), 0);
  }
  for (const op of STORE_OPS) {
    assert.equal(sampleValue(f, "dim_store_latency_seconds_count", { op }), 0);
    assert.equal(
      f.get("dim_store_latency_seconds")!.samples.filter((s) =>
        s.name.endsWith("_bucket") && s.labels.op === op
      ).length,
      STORE_LATENCY_BUCKETS.length + 1,
    );
  }
  assert.ok(sampleValue(f, "process_resident_memory_bytes")! > 1_000_000);
  assert.ok(sampleValue(f, "process_heap_bytes")! > 0);
  assert.ok(sampleValue(f, "process_open_fds")! > 2);
  const start = sampleValue(f, "process_start_time_seconds")!;
  assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - 3600);
});

Deno.test("station metrics: the methods move their series", () => {
  const m = new StationMetrics();
  m.connectionOpened("mtp");
  m.connectionOpened("mtp");
  m.connectionOpened("ws");
  m.connectionClosed("mtp", "idle-timeout");
  m.connectionRejected("max_per_ip");
  m.handshake("again");
  m.handshake("success");
  m.received("ws", 3);
  m.routed("local");
  m.routed("neighbor", 2);
  m.cached();
  m.delivered("offline", 4);
  m.dropped("blocked");
  m.dropped("rate_limited", 5);
  m.storeLatency("store_message", 0.0003);
  m.storeLatency("store_message", 0.02);
  m.bytesReceived("mars", 1500);
  m.bytesSent("plain", 80);
  let depth = 17;
  m.trackQueue("store_writes", () => depth);
  const f = parseExposition(m.registry.expose());
  const v = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(f, name, labels);
  assert.equal(v("dim_connections_open", { framing: "mtp" }), 1);
  assert.equal(v("dim_connections_open", { framing: "ws" }), 1);
  assert.equal(v("dim_connections_opened_total", { framing: "mtp" }), 2);
  assert.equal(
    v("dim_connections_closed_total", {
      framing: "mtp",
      reason: "idle-timeout",
    }),
    1,
  );
  assert.equal(
    v("dim_connections_rejected_total", { reason: "max_per_ip" }),
    1,
  );
  assert.equal(v("dim_handshakes_total", { result: "again" }), 1);
  assert.equal(v("dim_handshakes_total", { result: "success" }), 1);
  assert.equal(v("dim_messages_received_total", { framing: "ws" }), 3);
  assert.equal(v("dim_messages_routed_total", { route: "neighbor" }), 2);
  assert.equal(v("dim_messages_cached_total"), 1);
  assert.equal(v("dim_messages_delivered_total", { source: "offline" }), 4);
  assert.equal(v("dim_messages_dropped_total", { reason: "rate_limited" }), 5);
  assert.equal(
    v("dim_store_latency_seconds_bucket", {
      op: "store_message",
      le: "0.0005",
    }),
    1,
  );
  assert.equal(
    v("dim_store_latency_seconds_bucket", { op: "store_message", le: "0.025" }),
    2,
  );
  assert.equal(
    v("dim_store_latency_seconds_count", { op: "store_message" }),
    2,
  );
  assert.equal(v("dim_bytes_received_total", { framing: "mars" }), 1500);
  assert.equal(v("dim_bytes_sent_total", { framing: "plain" }), 80);
  assert.equal(v("dim_queue_depth", { queue: "store_writes" }), 17);
  depth = 2;
  assert.equal(
    sampleValue(parseExposition(m.registry.expose()), "dim_queue_depth", {
      queue: "store_writes",
    }),
    2,
  );
  // every close reason of the transport is a valid label
  for (const reason of CLOSE_REASONS) m.connectionClosed("plain", reason);
  parseExposition(m.registry.expose());
});

Deno.test("station metrics: a store timer records the time taken", async () => {
  const m = new StationMetrics();
  const done = m.startStoreTimer("load_messages");
  await new Promise((resolve) => setTimeout(resolve, 20));
  done();
  const f = parseExposition(m.registry.expose());
  const sum = sampleValue(f, "dim_store_latency_seconds_sum", {
    op: "load_messages",
  })!;
  assert.ok(sum >= 0.015 && sum < 5, String(sum));
  assert.equal(
    sampleValue(f, "dim_store_latency_seconds_bucket", {
      op: "load_messages",
      le: "0.01",
    }),
    0,
  );
});

Deno.test("station metrics: two sets share one registry only with distinct names", () => {
  const registry = new MetricsRegistry();
  new StationMetrics({ registry });
  assert.throws(() => new StationMetrics({ registry }), MetricsError);
});
