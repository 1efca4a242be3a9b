import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AdminAddressError,
  parseAdminAddress,
  startAdmin,
} from "../../station/ops/admin.ts";
import { HealthChecks } from "../../station/ops/health.ts";
import { Logger } from "../../client/logger.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../../station/ops/metrics.ts";
import { StationMetrics } from "../../station/ops/station_metrics.ts";
import { parseExposition, sampleValue } from "./_prometheus.ts";
import { denoForNobody } from "../_nobody.ts";

async function get(
  url: string,
  init: RequestInit = {},
): Promise<
  { status: number; type: string | null; body: string; headers: Headers }
> {
  const response = await fetch(url, init);
  const body = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body,
    headers: response.headers,
  };
}

Deno.test("admin: /metrics over HTTP parses, and counters move as messages flow", async () => {
  const metrics = new StationMetrics({ version: "0.1.0" });
  let queued = 5;
  metrics.trackQueue("outbound", () => queued);
  const admin = startAdmin({ port: 0, metrics: metrics.registry });
  try {
    assert.equal(admin.hostname, "127.0.0.1");
    const first = await get(`${admin.url}/metrics`);
    assert.equal(first.status, 200);
    assert.equal(first.type, PROMETHEUS_CONTENT_TYPE);
    const before = parseExposition(first.body);
    assert.equal(
      sampleValue(before, "dim_messages_routed_total", { route: "local" }),
      0,
    );
    assert.equal(
      sampleValue(before, "dim_queue_depth", { queue: "outbound" }),
      5,
    );

    // what the station does for 10 messages: 7 delivered live, 3 cached
    for (let i = 0; i < 10; i++) {
      metrics.received("mtp");
      if (i < 7) {
        metrics.routed("local");
        metrics.delivered("live");
      } else {
        const done = metrics.startStoreTimer("store_message");
        done();
        metrics.cached();
      }
    }
    metrics.dropped("not_verified", 2);
    queued = 0;
    const after = parseExposition((await get(`${admin.url}/metrics`)).body);
    const v = (name: string, labels?: Record<string, string>) =>
      sampleValue(after, name, labels);
    assert.equal(v("dim_messages_received_total", { framing: "mtp" }), 10);
    assert.equal(v("dim_messages_routed_total", { route: "local" }), 7);
    assert.equal(v("dim_messages_delivered_total", { source: "live" }), 7);
    assert.equal(v("dim_messages_cached_total"), 3);
    assert.equal(
      v("dim_messages_dropped_total", { reason: "not_verified" }),
      2,
    );
    assert.equal(
      v("dim_store_latency_seconds_count", { op: "store_message" }),
      3,
    );
    assert.equal(v("dim_queue_depth", { queue: "outbound" }), 0);
    assert.ok(v("process_cpu_seconds_total")! >= 0);
  } finally {
    await admin.close();
  }
});

Deno.test("admin: /health is 200 ok, or 503 with each failing check's reason", async () => {
  const health = new HealthChecks({ timeoutMs: 100 });
  const admin = startAdmin({ port: 0, health });
  try {
    let ok = await get(`${admin.url}/health`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "ok\n");
    assert.equal(ok.headers.get("cache-control"), "no-store");

    let listening = true;
    health.add(
      "listener",
      () => listening ? undefined : "station port not bound",
    );
    health.add("fine", () => Promise.resolve(undefined));
    ok = await get(`${admin.url}/health`);
    assert.equal(ok.status, 200);

    listening = false;
    const removeThrowing = health.add("throws", () => {
      throw new Error("store closed");
    });
    const removeSlow = health.add(
      "slow",
      () =>
        new Promise<string>((resolve) =>
          setTimeout(() => resolve("late"), 300)
        ),
    );
    const bad = await get(`${admin.url}/health`);
    assert.equal(bad.status, 503);
    assert.equal(
      bad.body,
      "not ok\nlistener: station port not bound\nthrows: store closed\nslow: timed out\n",
    );
    const json = await get(`${admin.url}/health`, {
      headers: { accept: "application/json" },
    });
    assert.equal(json.status, 503);
    assert.equal(json.type, "application/json");
    assert.deepEqual(JSON.parse(json.body), {
      status: "not ok",
      checks: [
        { name: "listener", ok: false, reason: "station port not bound" },
        { name: "fine", ok: true },
        { name: "throws", ok: false, reason: "store closed" },
        { name: "slow", ok: false, reason: "timed out" },
      ],
    });
    removeThrowing();
    removeSlow();
    listening = true;
    ok = await get(`${admin.url}/health`);
    assert.equal(ok.status, 200);
    // let the slow check's own timer run out before the sanitizers look
    await new Promise((resolve) => setTimeout(resolve, 350));
  } finally {
    await admin.close();
  }
});

Deno.test("admin: other paths 404, other methods 405, HEAD has no body", async () => {
  const lines: string[] = [];
  const logger = Logger.create({
    level: "debug",
    format: "json",
    sink: (l) => lines.push(l),
  });
  const admin = startAdmin({ port: 0, logger }); // no metrics registry
  try {
    for (
      const path of ["/", "/metrics", "/health/", "/status", "/../etc/passwd"]
    ) {
      assert.equal((await get(`${admin.url}${path}`)).status, 404, path);
    }
    const post = await get(`${admin.url}/health`, {
      method: "POST",
      body: "x",
    });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    const head = await get(`${admin.url}/health`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.ok(
      lines.some((l) => JSON.parse(l).msg === "admin listener"),
      "the address is logged",
    );
    assert.ok(
      lines.some((l) =>
        JSON.parse(l).path === "/status" && JSON.parse(l).status === 404
      ),
    );
  } finally {
    await admin.close();
  }
});

Deno.test("admin: a port in use gives AdminAddressError naming the address", async () => {
  const first = startAdmin({ port: 0 });
  try {
    assert.throws(
      () => startAdmin({ port: first.port }),
      (e: unknown) => {
        assert.ok(e instanceof AdminAddressError);
        assert.equal(e.name, "AdminAddressError");
        assert.match(
          e.message,
          new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port} .*in use`),
        );
        return true;
      },
    );
  } finally {
    await first.close();
  }
});

Deno.test("admin: parseAdminAddress reads PORT, HOST:PORT, [IPv6]:PORT; 0 is off", () => {
  const table: [string, { hostname: string; port: number } | undefined][] = [
    ["9395", { hostname: "127.0.0.1", port: 9395 }],
    ["127.0.0.1:9395", { hostname: "127.0.0.1", port: 9395 }],
    ["0.0.0.0:80", { hostname: "0.0.0.0", port: 80 }],
    ["localhost:9395", { hostname: "localhost", port: 9395 }],
    ["[::1]:9395", { hostname: "::1", port: 9395 }],
    [" 9395 ", { hostname: "127.0.0.1", port: 9395 }],
    ["0", undefined],
    ["127.0.0.1:0", undefined],
    ["", undefined],
    ["off", undefined],
  ];
  for (const [text, expected] of table) {
    assert.deepEqual(parseAdminAddress(text), expected, text);
  }
  for (
    const bad of [
      "host",
      "host:",
      ":9395x",
      "127.0.0.1:65536",
      "::1:9395",
      "a b:1",
      "-1",
    ]
  ) {
    assert.throws(() => parseAdminAddress(bad), AdminAddressError, bad);
  }
});

Deno.test("admin: /health flips to 503 when the store becomes unwritable, and back", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-admin-test-" });
  const dataDir = join(dir, "data");
  Deno.mkdirSync(dataDir);
  Deno.chmodSync(dir, 0o755);
  // root writes anywhere: run the station side as the unprivileged "nobody"
  const asNobody = Deno.uid() === 0;
  const denoDir = join(dir, "deno-dir");
  Deno.mkdirSync(denoDir);
  Deno.chmodSync(denoDir, 0o777);
  if (asNobody) Deno.chownSync(dataDir, 65534, 65534);
  const child = new Deno.Command(asNobody ? denoForNobody() : Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net=127.0.0.1",
      "--allow-env",
      new URL("./_admin_child.ts", import.meta.url).pathname,
      dataDir,
    ],
    ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const dbFile = join(dataDir, "dim.db");
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let url = "";
    while (!url.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the child ended before printing its URL");
      url += value;
    }
    reader.releaseLock();
    url = url.trim();
    const healthy = await get(`${url}/health`);
    assert.equal(healthy.status, 200, healthy.body);
    assert.equal(healthy.body, "ok\n");

    Deno.chmodSync(dataDir, 0o555);
    const dirGone = await get(`${url}/health`);
    assert.equal(dirGone.status, 503);
    assert.equal(
      dirGone.body,
      `not ok\nstore: store not writable: cannot create files in ${dataDir}: permission denied\n`,
    );
    Deno.chmodSync(dataDir, 0o755);
    Deno.chmodSync(dbFile, 0o444);
    const fileGone = await get(`${url}/health`);
    assert.equal(fileGone.status, 503);
    assert.equal(
      fileGone.body,
      `not ok\nstore: store not writable: ${dbFile}: permission denied\n`,
    );
    Deno.chmodSync(dbFile, 0o644);
    const back = await get(`${url}/health`);
    assert.equal(back.status, 200);
    // the station side still serves metrics meanwhile
    const metrics = await get(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    parseExposition(metrics.body);
  } finally {
    await child.stdin.close();
    await child.stdout.cancel().catch(() => {});
    const status = await child.status;
    Deno.removeSync(dir, { recursive: true });
    assert.equal(status.code, 0);
  }
});
