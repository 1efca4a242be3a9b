/**
 * `/metrics` of a real `dim station` process, scraped over HTTP before and
 * after a burst of messages through real peer sessions and parsed by the
 * tests' own reader of the exposition format: every series moves by what
 * the burst did — connections, handshakes, received, routed, cached,
 * delivered live and from the store, dropped, store latency, queue depths,
 * and the bytes each way (equal to what the clients counted).
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { startLocalStation, stopStation } from "./_child.ts";
import {
  accounts,
  closeAll,
  online,
  receiptText,
  type Received,
  type TestPeer,
  World,
} from "./_peer.ts";
import { type Family, parseExposition, sampleValue } from "./_prometheus.ts";

const [alice, bob, carol] = await accounts(3);
const isText = (r: Received) => r.instant?.content instanceof TextContent;

/** A port free right now on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** One scrape, parsed; `v(name, labels)` reads a sample (0 when absent). */
async function scrape(url: string): Promise<{
  families: Map<string, Family>;
  v: (name: string, labels?: Record<string, string>) => number;
}> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const families = parseExposition(await response.text());
  return {
    families,
    v: (name, labels = {}) => sampleValue(families, name, labels) ?? 0,
  };
}

/** Scrapes until `done` holds (or fails after the timeout). */
async function scrapeUntil(
  url: string,
  done: (
    v: (name: string, labels?: Record<string, string>) => number,
  ) => boolean,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { v } = await scrape(url);
    if (done(v)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("/metrics of a running station: every series moves by what a burst of messages did", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-scrape-" });
  const admin = freePort();
  const url = `http://127.0.0.1:${admin}/metrics`;
  const child = await startLocalStation(dir, [
    "--admin",
    `127.0.0.1:${admin}`,
  ]);
  const peers: TestPeer[] = [];
  try {
    const before = await scrape(url);
    // every family of the station is there before any traffic
    for (
      const name of [
        "dim_connections_open",
        "dim_connections_opened_total",
        "dim_connections_closed_total",
        "dim_connections_rejected_total",
        "dim_handshakes_total",
        "dim_messages_received_total",
        "dim_messages_routed_total",
        "dim_messages_cached_total",
        "dim_messages_delivered_total",
        "dim_messages_dropped_total",
        "dim_store_latency_seconds",
        "dim_queue_depth",
        "dim_bytes_received_total",
        "dim_bytes_sent_total",
      ]
    ) {
      assert.ok(before.families.has(name), name);
    }

    const world = new World();
    world.know(carol);
    const [a, b] = await online(child.port, [alice, bob], { world });
    peers.push(a, b);
    const live = 20;
    const offline = 10;
    const malformed = 3;
    for (let i = 0; i < live; i++) {
      await a.sendContent(bob.id, TextContent.create(`live ${i}`));
    }
    for (let i = 0; i < offline; i++) {
      await a.sendContent(carol.id, TextContent.create(`stored ${i}`));
    }
    for (let i = 0; i < malformed; i++) await a.sendRaw(`not json ${i}`);
    assert.equal((await b.collect(isText, live, 10_000)).length, live);
    const cached = (r: Received) => receiptText(r) === "Message cached.";
    assert.equal((await a.collect(cached, offline, 10_000)).length, offline);
    // carol comes: the stored messages are delivered from the store
    const [c] = await online(child.port, [carol], { world });
    peers.push(c);
    assert.equal((await c.collect(isText, offline, 10_000)).length, offline);
    await scrapeUntil(
      url,
      (v) =>
        v("dim_messages_delivered_total", { source: "live" }) === live &&
        v("dim_messages_delivered_total", { source: "offline" }) === offline,
      "the deliveries to be acknowledged",
    );
    await closeAll(peers);
    await scrapeUntil(
      url,
      (v) => v("dim_connections_open", { framing: "mtp" }) === 0,
      "the station to see the closes",
    );

    const after = await scrape(url);
    const delta = (name: string, labels?: Record<string, string>) =>
      after.v(name, labels) - before.v(name, labels);
    const mtp = { framing: "mtp" };
    assert.equal(delta("dim_connections_opened_total", mtp), 3);
    assert.equal(
      delta("dim_connections_closed_total", { framing: "mtp", reason: "peer" }),
      3,
    );
    assert.equal(delta("dim_handshakes_total", { result: "again" }), 3);
    assert.equal(delta("dim_handshakes_total", { result: "success" }), 3);
    assert.equal(delta("dim_handshakes_total", { result: "failed" }), 0);
    // two handshake offers per peer, then the texts
    assert.equal(
      delta("dim_messages_received_total", mtp),
      3 * 2 + live + offline,
    );
    assert.equal(delta("dim_messages_routed_total", { route: "local" }), live);
    assert.equal(delta("dim_messages_cached_total"), offline);
    assert.equal(
      delta("dim_messages_delivered_total", { source: "live" }),
      live,
    );
    assert.equal(
      delta("dim_messages_delivered_total", { source: "offline" }),
      offline,
    );
    assert.equal(
      delta("dim_messages_dropped_total", { reason: "malformed" }),
      malformed,
    );
    // a text for an offline user is stored; a live text is written only if
    // its receiver did not acknowledge it in time (held stores); every
    // text written is deleted once sent; in group commits
    const ops = (op: string) =>
      delta("dim_store_latency_seconds_count", { op });
    assert.ok(ops("store_message") >= offline);
    assert.ok(ops("store_message") <= live + offline);
    assert.equal(ops("delete_messages"), ops("store_message"));
    assert.equal(ops("load_messages"), 3);
    assert.ok(ops("commit") >= 1 && ops("commit") <= 2 * (live + offline));
    assert.ok(
      after.v("dim_store_latency_seconds_bucket", {
        op: "commit",
        le: "+Inf",
      }) >
        before.v("dim_store_latency_seconds_bucket", {
          op: "commit",
          le: "+Inf",
        }),
    );
    for (const queue of ["store_writes", "outbound", "suspended", "push"]) {
      assert.equal(after.v("dim_queue_depth", { queue }), 0, queue);
    }
    // the bytes each way are what the clients sent and received
    const sent = peers.reduce((sum, peer) => sum + peer.conn.bytesSent, 0);
    const received = peers.reduce(
      (sum, peer) => sum + peer.conn.bytesReceived,
      0,
    );
    assert.ok(sent > 0 && received > 0);
    assert.equal(delta("dim_bytes_received_total", mtp), sent);
    assert.equal(delta("dim_bytes_sent_total", mtp), received);
    assert.equal(
      delta("dim_connections_rejected_total", { reason: "max_per_ip" }),
      0,
    );
  } finally {
    await closeAll(peers);
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
    Deno.removeSync(dir, { recursive: true });
  }
});
