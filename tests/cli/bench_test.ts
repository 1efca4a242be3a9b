/**
 * `dim bench` as a real CLI process against a real `dim station` child on
 * loopback: every message delivered exactly once (online, offline, with
 * end-to-end receipts, over WebSocket), the users kept for the next run,
 * the station's process measured by --pid, and bad command lines; through
 * a proxy that loses a text or a receipt, corrupts a receipt's signature or
 * fragments a text, each reported exactly. Nothing here asserts a speed.
 */
import assert from "node:assert/strict";
import type { BenchResult, SessionsResult } from "../../cli/bench/mod.ts";
import { percentiles } from "../../cli/bench/result.ts";
import {
  startLocalStation,
  startStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import { parseExposition, sampleValue } from "../station/_prometheus.ts";
import { dim, type DimRun, tempDir } from "./_dim.ts";
import {
  spoiledSignature,
  startTamperProxy,
  type TamperRule,
} from "./_tamper_proxy.ts";

async function withStation(
  fn: (station: StationChild, dir: string) => Promise<void>,
  log = "error",
): Promise<void> {
  using dir = tempDir();
  const station = await startStation([
    "--data-dir",
    `${dir.path}/station`,
    "station",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--log",
    log,
  ]);
  try {
    await fn(station, `${dir.path}/bench`);
  } finally {
    await stopStation(station, "SIGTERM");
  }
}

function bench(
  station: StationChild,
  dataDir: string,
  args: string[],
): Promise<DimRun> {
  return dim([
    "--data-dir",
    dataDir,
    "bench",
    "--station",
    `${station.host}:${station.port}`,
    "--json",
    ...args,
  ]);
}

function resultOf(run: DimRun): BenchResult {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.lastLine) as BenchResult;
}

function sessionsResultOf(run: DimRun): SessionsResult {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.lastLine) as SessionsResult;
}

/** Every planned message sent once, delivered once, answered once. */
function assertExactlyOnce(result: BenchResult, planned: number): void {
  assert.equal(result.planned, planned);
  assert.equal(result.sent, planned);
  assert.equal(result.delivered, planned);
  assert.equal(result.duplicates, 0);
  assert.equal(result.misrouted, 0);
  assert.equal(result.failures, 0);
  assert.equal(result.station_receipts.total, planned);
  assert.equal(result.latency_ms.n, planned);
  assert.equal(result.ended, "complete");
}

Deno.test("dim bench: 5 users × 20 messages online, each delivered exactly once; the users are reused by the next run", async () => {
  await withStation(async (station, dataDir) => {
    const first = await bench(station, dataDir, [
      "--users",
      "5",
      "--messages",
      "20",
      "--pid",
      String(station.process.pid),
    ]);
    const result = resultOf(first);
    assertExactlyOnce(result, 100);
    assert.equal(result.tool, "dim bench");
    assert.equal(result.mode, "online");
    assert.equal(result.station_id, station.id);
    assert.equal(result.warmup, null);
    assert.equal(result.station_receipts.delivered, 100);
    assert.equal(result.handshakes, 5);
    // each user's first offer packed before the handshakes' clock
    assert.equal(result.first_offers, 5);
    // the handshakes' replies: each session's first (DIM?) checked, then one
    // in 32 of the others (the DIM!s: the first of the run)
    assert.deepEqual(result.station_replies, {
      messages: 10,
      verified: 6,
      bad_signatures: 0,
    });
    assert.ok(result.delivered_per_s! > 0);
    assert.ok(result.handshakes_per_s! > 0);
    for (const p of ["p50", "p90", "p99", "max"] as const) {
      assert.equal(typeof result.latency_ms[p], "number");
    }
    assert.ok(result.latency_ms.p50! <= result.latency_ms.max!);
    // without a rate a text's latency counts from its send
    assert.equal(result.latency_from, "sent");
    assert.equal(result.send_lag_ms, null);
    assert.equal(result.end_to_end_receipts, false);
    assert.equal(result.peer_receipts, null);
    assert.deepEqual(result.station_process?.pids, [station.process.pid]);
    assert.ok(result.station_process!.rss_mib > 0);
    // by thread: the shares add up to the whole, within the clock's 10 ms
    // ticks (the threads and the process are read one after the other), and
    // the main thread did most of the routing
    const byThread = result.station_process!.cpu_us_per_delivered_by_thread!;
    const shares = Object.values(byThread);
    const whole = result.station_process!.cpu_us_per_delivered!;
    const tick = 10_000 / result.delivered; // one tick per delivered text, µs
    const sum = shares.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(sum - whole) <= 2 * (shares.length + 1) * tick,
      `${sum} vs ${whole}: ${JSON.stringify(byThread)}`,
    );
    if (whole >= 10 * tick) {
      assert.ok((byThread.main ?? 0) > 0, JSON.stringify(byThread));
    }
    // the users asked for batched receipts: the station's messages carry them all
    assert.equal(result.receipt_arrays, true);
    assert.ok(
      result.station_receipts.messages <= result.station_receipts.total,
    );
    assert.match(first.stderr, /5 users in .*bench\.db \(5 new\)/);
    assert.match(first.stderr, /\[send \d/); // the progress line
    // the bench keeps its users in its own store, not in the station's
    assert.ok(Deno.statSync(`${dataDir}/bench/bench.db`).isFile);

    const again = await bench(station, dataDir, [
      "--users",
      "5",
      "--messages",
      "2",
    ]);
    assertExactlyOnce(resultOf(again), 10);
    assert.match(again.stderr, /5 users in .*\(0 new\)/);
  });
});

Deno.test("dim bench --warmup: the untimed texts go first, each delivered, and are not counted in the timed phase", async () => {
  await withStation(async (station, dataDir) => {
    const run = await bench(station, dataDir, [
      "--users",
      "3",
      "--messages",
      "4",
      "--warmup",
      "5",
      "--pid",
      String(station.process.pid),
    ]);
    const result = resultOf(run);
    assertExactlyOnce(result, 12);
    assert.equal(result.handshakes, 3);
    assert.equal(result.warmup?.messages_per_user, 5);
    assert.equal(result.warmup?.delivered, 15);
    assert.equal(typeof result.warmup?.elapsed_s, "number");
    assert.match(run.stderr, /warming up: 5 texts per user/);
    assert.match(run.stderr, /warm-up: sending 15 messages/);
    // the warm-up ran before the timed phase, on sessions of its own
    assert.ok(
      run.stderr.indexOf("warm-up: sending") <
        run.stderr.indexOf("dim bench: sending 12 messages"),
      run.stderr,
    );
  });
});

/** A station in `dir`/station with its admin endpoint on a free port, and its `/metrics` URL. */
async function startStationWithMetrics(
  dir: string,
): Promise<{ station: StationChild; url: string }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const admin = listener.addr.port;
  listener.close();
  const station = await startLocalStation(`${dir}/station`, [
    "--admin",
    `127.0.0.1:${admin}`,
    "--log",
    "error",
  ]);
  return { station, url: `http://127.0.0.1:${admin}/metrics` };
}

/** The station's counters of what its clients did, from its `/metrics`. */
async function clientCounts(url: string): Promise<Record<string, number>> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const families = parseExposition(await response.text());
  const v = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, labels) ?? 0;
  return {
    open: v("dim_connections_open", { framing: "mtp" }),
    opened: v("dim_connections_opened_total", { framing: "mtp" }),
    received: v("dim_messages_received_total", { framing: "mtp" }),
    delivered: v("dim_messages_delivered_total", { source: "live" }),
  };
}

/** The counters once every connection of the last run is closed. */
async function settledCounts(url: string): Promise<Record<string, number>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const counts = await clientCounts(url);
    if (counts.open === 0 || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("dim bench: its self warm-up runs before the connections and reaches no station — the station sees the same connections and messages with it and with --no-self-warmup", async () => {
  using dir = tempDir();
  const { station, url } = await startStationWithMetrics(dir.path);
  try {
    const dataDir = `${dir.path}/bench`;
    const args = ["--users", "3", "--messages", "4"];
    const before = await settledCounts(url);
    const warmedRun = await bench(station, dataDir, args);
    const between = await settledCounts(url);
    const plainRun = await bench(station, dataDir, [
      ...args,
      "--no-self-warmup",
    ]);
    const after = await settledCounts(url);
    const warmed = resultOf(warmedRun);
    const plain = resultOf(plainRun);
    assertExactlyOnce(warmed, 12);
    assertExactlyOnce(plain, 12);
    // the warm-up: as many texts as the run, each back through the
    // stand-in and answered, the first receipt message of each of its 3
    // connections verified
    const self = warmed.generator.warmed!;
    assert.equal(self.texts, 12);
    assert.equal(self.delivered, 12);
    assert.equal(self.station_receipts, 12);
    assert.equal(self.verified, 3);
    assert.equal(self.bad_signatures, 0);
    assert.equal(self.ended, "complete");
    assert.ok(self.ms >= 0);
    assert.equal(plain.generator.warmed, null);
    assert.match(warmedRun.stderr, /warming its own code: 12 texts/);
    assert.ok(
      warmedRun.stderr.indexOf("warming its own code") <
        warmedRun.stderr.indexOf("connecting 3 users"),
      warmedRun.stderr,
    );
    assert.doesNotMatch(plainRun.stderr, /warming its own code/);
    // what the station saw of each run: 3 connections, the same messages
    const seen = (from: Record<string, number>, to: Record<string, number>) =>
      Object.fromEntries(
        Object.keys(to).map((name) => [name, to[name] - from[name]]),
      );
    const withWarmup = seen(before, between);
    assert.equal(withWarmup.opened, 3);
    assert.ok(withWarmup.received >= 12, JSON.stringify(withWarmup));
    assert.ok(withWarmup.delivered >= 12, JSON.stringify(withWarmup));
    assert.deepEqual(withWarmup, seen(between, after));
  } finally {
    await stopStation(station, "SIGTERM");
  }
});

Deno.test("dim bench --offline: receivers away get every message once when they drain", async () => {
  await withStation(async (station, dataDir) => {
    const run = await bench(station, dataDir, [
      "--offline",
      "--users",
      "3",
      "--messages",
      "10",
    ]);
    const result = resultOf(run);
    assertExactlyOnce(result, 30);
    assert.equal(result.mode, "offline");
    assert.equal(result.station_receipts.cached, 30);
    assert.ok(result.offline!.cached_per_s! > 0);
    assert.ok(result.offline!.drained_per_s! > 0);
    assert.equal(result.handshakes, 6); // the receivers once, then the senders
    assert.equal(result.first_offers, 6);
    assert.match(run.stderr, /6 users in .*\(6 new\)/);
  });
});

for (
  const [framing, receive, extra] of [
    ["ws", "session", ["--window", "2"]],
    ["mtp", "frames", []], // the pre-encoded receipt frames
  ] as const
) {
  Deno.test(`dim bench --receipts over ${framing}: every end-to-end receipt comes back once`, async () => {
    await withStation(async (station, dataDir) => {
      const result = resultOf(
        await bench(station, dataDir, [
          "--users",
          "3",
          "--messages",
          "10",
          "--receipts",
          "--framing",
          framing,
          ...extra,
        ]),
      );
      assertExactlyOnce(result, 30);
      assert.equal(result.framing, framing);
      assert.equal(result.generator.receive, receive);
      assert.equal(result.end_to_end_receipts, true);
      assert.equal(result.peer_receipts, 30);
      // the self warm-up (MTP): its texts' end-to-end receipts came back too
      if (receive === "frames") {
        assert.equal(result.generator.warmed?.delivered, 30);
        assert.equal(result.generator.warmed?.ended, "complete");
      } else assert.equal(result.generator.warmed, null);
    });
  });
}

Deno.test("dim bench: --duration stops the sending; what was sent still arrives, the rest is failures", async () => {
  await withStation(async (station, dataDir) => {
    // 400 texts at 40/s cannot be sent in a second
    const run = await bench(station, dataDir, [
      "--users",
      "2",
      "--messages",
      "200",
      "--rate",
      "40",
      "--duration",
      "1",
      "--size",
      "10",
    ]);
    assert.equal(run.code, 1, run.stderr); // failures
    const result = JSON.parse(run.lastLine) as BenchResult;
    assert.equal(result.ended, "deadline");
    assert.equal(result.planned, 400);
    assert.ok(result.sent > 0 && result.sent < 400, String(result.sent));
    assert.equal(result.delivered, result.sent);
    assert.equal(result.station_receipts.total, result.sent);
    assert.equal(result.failures, 400 - result.sent);
    assert.equal(result.latency_ms.n, result.sent);
  });
});

Deno.test("dim bench --rate with --duration: rate × duration / users messages each", async () => {
  await withStation(async (station, dataDir) => {
    // a slot every 2.5 ms: shorter than the bench's loop-lag tick
    const run = await bench(station, dataDir, [
      "--users",
      "4",
      "--rate",
      "400",
      "--duration",
      "1",
      "--size",
      "10",
    ]);
    const result = resultOf(run);
    assert.equal(result.messages_per_user, 100);
    assert.equal(result.rate, 400);
    assertExactlyOnce(result, 400);
    // at a rate it counts from when the rate planned it: every text has
    // its send's lag after that, never negative
    assert.equal(result.latency_from, "planned");
    assert.equal(result.send_lag_ms?.n, 400);
    assert.ok(result.send_lag_ms!.p50! >= 0);
    assert.ok(result.send_lag_ms!.max! <= result.latency_ms.max!);
    // about a second at 10 ms: tens of samples of the bench's own loop
    assert.ok(result.generator.loop_lag_ms.n >= 10);
  });
});

/** The sender of a station message's JSON body. */
function senderOf(body: Uint8Array): string {
  return (JSON.parse(new TextDecoder().decode(body)) as { sender: string })
    .sender;
}

/**
 * A rule for the `n`-th message from the station itself on the first
 * connection (the first two answer the handshake: DIM?, then DIM!; the
 * users' texts are not counted).
 */
function nthFromStation(
  station: StationChild,
  n: number,
  verdict: (body: Uint8Array) => "drop" | Uint8Array,
): TamperRule {
  let seen = 0;
  return (body, conn) => {
    if (conn !== 0 || senderOf(body) !== station.id) return "pass";
    return ++seen === n ? verdict(body) : "pass";
  };
}

/** 3 users × 4 texts, one receipt message per text, at most 3 s. */
const SMALL = [
  "--users",
  "3",
  "--messages",
  "4",
  "--single-receipts",
  "--duration",
  "3",
];

/** The bench through a tampering proxy in front of `station` (exit code, result). */
async function benchThrough(
  station: StationChild,
  dataDir: string,
  rule: TamperRule,
  args: string[] = [],
): Promise<{ code: number; result: BenchResult }> {
  const proxy = startTamperProxy(station.port, rule);
  try {
    const run = await bench({ ...station, port: proxy.port }, dataDir, [
      ...SMALL,
      ...args,
    ]);
    return { code: run.code, result: JSON.parse(run.lastLine) as BenchResult };
  } finally {
    await proxy.close();
  }
}

Deno.test("dim bench: a text that never arrives is a failure, everything else counted", async () => {
  await withStation(async (station, dataDir) => {
    let dropped = false;
    const { code, result } = await benchThrough(station, dataDir, (body) => {
      if (dropped || senderOf(body) === station.id) return "pass";
      dropped = true;
      return "drop"; // acknowledged to the station: it answers "delivered"
    });
    assert.equal(code, 1);
    assert.equal(result.sent, 12);
    assert.equal(result.delivered, 11);
    assert.equal(result.station_receipts.total, 12);
    assert.equal(result.failures, 1);
    assert.equal(result.duplicates, 0);
    assert.equal(result.ended, "deadline");
  });
});

Deno.test("dim bench --warmup: a warm-up text that never arrives is exit 1, and nothing is timed", async () => {
  await withStation(async (station, dataDir) => {
    let dropped = false;
    const proxy = startTamperProxy(station.port, (body) => {
      if (dropped || senderOf(body) === station.id) return "pass";
      dropped = true;
      return "drop"; // the first pushed text: a warm-up one
    });
    try {
      const run = await bench({ ...station, port: proxy.port }, dataDir, [
        ...SMALL,
        "--warmup",
        "2",
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        /the warm-up was not clean: 1 of 6 texts not delivered/,
      );
      assert.doesNotMatch(run.stderr, /dim bench: sending 12 messages/);
      assert.doesNotMatch(run.stdout, /delivered_per_s/);
    } finally {
      await proxy.close();
    }
  });
});

Deno.test("dim bench: a station receipt that never arrives is a failure", async () => {
  await withStation(async (station, dataDir) => {
    const { code, result } = await benchThrough(
      station,
      dataDir,
      nthFromStation(station, 3, () => "drop"),
    );
    assert.equal(code, 1);
    assert.equal(result.delivered, 12);
    assert.equal(result.station_receipts.total, 11);
    assert.equal(result.station_receipts.messages, 11);
    assert.equal(result.failures, 1);
    assert.equal(result.ended, "deadline");
  });
});

Deno.test("dim bench: a receipt whose station signature is wrong is dropped and reported; --verify-all checks every one", async () => {
  await withStation(async (station, dataDir) => {
    // the first receipt message of a session is always verified
    const first = await benchThrough(
      station,
      dataDir,
      nthFromStation(station, 3, spoiledSignature),
    );
    assert.equal(first.code, 1);
    assert.equal(first.result.verify_all, false);
    assert.equal(first.result.delivered, 12);
    assert.equal(first.result.station_receipts.bad_signatures, 1);
    assert.equal(first.result.station_receipts.verified, 2); // the other sessions' first
    assert.equal(first.result.station_receipts.total, 11);
    assert.equal(first.result.failures, 1);
    assert.ok(
      first.result.errors.some((e) =>
        /station receipt message was dropped/.test(e)
      ),
      JSON.stringify(first.result.errors),
    );
    // the second is not in the sample (1 in 32 after the first) …
    const sampled = await benchThrough(
      station,
      dataDir,
      nthFromStation(station, 4, spoiledSignature),
    );
    assert.equal(sampled.code, 0);
    assert.equal(sampled.result.station_receipts.bad_signatures, 0);
    assert.equal(sampled.result.station_receipts.verified, 3);
    assert.equal(sampled.result.failures, 0);
    // … unless every one is verified
    const all = await benchThrough(
      station,
      dataDir,
      nthFromStation(station, 4, spoiledSignature),
      ["--verify-all"],
    );
    assert.equal(all.code, 1);
    assert.equal(all.result.verify_all, true);
    assert.equal(all.result.station_receipts.bad_signatures, 1);
    assert.equal(all.result.station_receipts.verified, 11);
    assert.equal(all.result.station_receipts.total, 11);
    assert.equal(all.result.failures, 1);
    // the self warm-up checks as the run does: with --single-receipts one
    // message per receipt, the first of each connection verified, or every
    // one with --verify-all
    assert.equal(sampled.result.generator.warmed?.station_receipts, 12);
    assert.equal(sampled.result.generator.warmed?.verified, 3);
    assert.equal(all.result.generator.warmed?.verified, 12);
    assert.equal(all.result.generator.warmed?.bad_signatures, 0);
  });
});

/** Every message from the station on the first connection after the handshake's two. */
function everyFromStation(
  station: StationChild,
  verdict: (body: Uint8Array) => Uint8Array,
): TamperRule {
  let seen = 0;
  return (body, conn) => {
    if (conn !== 0 || senderOf(body) !== station.id) return "pass";
    return ++seen > 2 ? verdict(body) : "pass";
  };
}

Deno.test("dim bench: receipt messages read the short way are still verified one in 32 — a station whose every signature is wrong is caught by the first and the 33rd of 40", async () => {
  await withStation(async (station, dataDir) => {
    const run = await benchThrough(
      station,
      dataDir,
      everyFromStation(station, spoiledSignature),
      ["--messages", "40", "--duration", "6"],
    );
    assert.equal(run.code, 1);
    const receipts = run.result.station_receipts;
    assert.equal(run.result.delivered, 120);
    // the first session's 1st and 33rd wrong; the others' 1st and 33rd right
    assert.equal(receipts.bad_signatures, 2);
    assert.equal(receipts.verified, 4);
    assert.equal(receipts.messages, 118);
    assert.equal(receipts.total, 118);
    assert.equal(run.result.failures, 2);
    const all = await benchThrough(
      station,
      dataDir,
      everyFromStation(station, spoiledSignature),
      ["--messages", "40", "--duration", "6", "--verify-all"],
    );
    assert.equal(all.result.station_receipts.bad_signatures, 40);
    assert.equal(all.result.station_receipts.total, 80);
    assert.equal(all.result.failures, 40);
  });
});

Deno.test("dim bench: receipt messages in an unusual form are read the ordinary way, and one that does not decrypt is a failure", async () => {
  await withStation(async (station, dataDir) => {
    // white space and a member the short way does not read: same receipts
    const spaced = await benchThrough(
      station,
      dataDir,
      everyFromStation(station, (body) => {
        const json = new TextDecoder().decode(body);
        return new TextEncoder().encode(
          json.replace('"sender":"', '"sender": "').replace(
            /}$/,
            ',"x-extra":[1,{"y":null}]}',
          ),
        );
      }),
    );
    assert.equal(spaced.code, 0);
    assert.equal(spaced.result.station_receipts.total, 12);
    assert.equal(spaced.result.station_receipts.messages, 12);
    assert.equal(spaced.result.station_receipts.verified, 3);
    assert.equal(spaced.result.failures, 0);
    // the second receipt message (not in the sample): data that does not
    // decrypt with the station's key
    const garbled = await benchThrough(
      station,
      dataDir,
      nthFromStation(station, 4, (body) => {
        const msg = JSON.parse(new TextDecoder().decode(body));
        msg.data = crypto.getRandomValues(new Uint8Array(48)).toBase64();
        return new TextEncoder().encode(JSON.stringify(msg));
      }),
    );
    assert.equal(garbled.code, 1);
    assert.equal(garbled.result.delivered, 12);
    assert.equal(garbled.result.station_receipts.total, 11);
    assert.equal(garbled.result.station_receipts.bad_signatures, 0);
    assert.equal(garbled.result.failures, 1);
  });
});

Deno.test("dim bench: a text in two MTP fragments is counted through the session", async () => {
  await withStation(async (station, dataDir) => {
    let cut = false;
    const { code, result } = await benchThrough(station, dataDir, (body) => {
      if (cut || senderOf(body) === station.id) return "pass";
      cut = true;
      return "fragment";
    });
    assert.equal(code, 0, JSON.stringify(result.errors));
    assertExactlyOnce(result, 12);
  });
});

Deno.test("dim bench --sessions: every user handshaken and held, counted once; the station sampled; plain connections from 127.0.0.1", async () => {
  await withStation(async (station, dataDir) => {
    const run = await bench(station, dataDir, [
      "--sessions",
      "12",
      "--hold",
      "1",
      "--concurrency",
      "4",
      "--pid",
      String(station.process.pid),
    ]);
    const result = sessionsResultOf(run);
    assert.equal(result.mode, "sessions");
    assert.equal(result.station_id, station.id);
    assert.equal(result.users, 12);
    assert.equal(result.sessions, 12);
    assert.equal(result.handshakes, 12);
    assert.equal(result.handshake_ms.n, 12);
    // the 10 storm sessions' DIM? and DIM!: every DIM?, the first DIM!
    assert.equal(result.verify_all, false);
    assert.deepEqual(result.station_replies, {
      messages: 20,
      verified: 11,
      bad_signatures: 0,
    });
    assert.ok(result.generator.cpu_us_per_handshake! > 0);
    assert.deepEqual(result.prepared, { first_offers: 10, sealed_keys: 10 });
    assert.equal(result.concurrency, 4);
    assert.equal(result.storm_nice, 0);
    assert.equal(result.probe_nice, 0);
    assert.equal(result.probe_interval_ms, 100);
    assert.equal(result.hold_s, 1);
    assert.equal(result.sources, 0); // Deno.connect, as a client
    assert.ok(result.handshakes_per_s! > 0);
    assert.ok(result.text_ms_while_connecting.n >= 1);
    assert.equal(result.text_ms_idle.n, 100);
    // every probe text's latency as sent, the percentiles' texts exactly
    const samples = result.text_ms_samples;
    assert.equal(
      samples.while_connecting.length,
      result.text_ms_while_connecting.n,
    );
    assert.equal(samples.idle.length, 100);
    assert.equal(
      Math.max(...samples.while_connecting),
      result.text_ms_while_connecting.max,
    );
    assert.equal(Math.max(...samples.idle), result.text_ms_idle.max);
    assert.equal(
      percentiles(Float64Array.from(samples.idle)).p50,
      result.text_ms_idle.p50,
    );
    assert.equal(result.texts_lost, 0);
    assert.equal(result.error_count, 0);
    assert.equal(result.ended, "complete");
    const p = result.station_process!;
    assert.deepEqual(p.pids, [station.process.pid]);
    assert.ok(p.rss_mib_before > 0 && p.rss_mib > 0);
    // the growth per session (the MiB figures are rounded to 1/1000)
    const growth = ((p.rss_mib - p.rss_mib_before) * 1024) / 12;
    assert.ok(Math.abs(p.rss_per_session_kib! - growth) < 0.2);
    assert.equal(typeof p.cpu_us_per_handshake, "number");
    assert.match(run.stderr, /12 users in .*bench\.db \(12 new\)/);
    assert.doesNotMatch(run.stderr, /source addresses/);
    // the station saw 12 handshakes, every connection from 127.0.0.1 (as a
    // client's: no source address chosen)
    const log = station.log();
    const opened = log.split("\n").filter((line) =>
      line.includes("connection open")
    );
    assert.equal(opened.length, 12, log);
    for (const line of opened) {
      assert.match(line, /127\.0\.0\.1/);
      assert.doesNotMatch(line, /127\.0\.0\.2/);
    }
  }, "info");
});

Deno.test("dim bench --sessions --storm-nice 7 --probe-nice 3 --probe-interval 5: the storm's thread at nice 7 and the probe pair's at 3, read back; every session up, no probe text lost", async () => {
  await withStation(async (station, dataDir) => {
    const run = await bench(station, dataDir, [
      "--sessions",
      "6",
      "--hold",
      "0.2",
      "--storm-nice",
      "7",
      "--probe-nice",
      "3",
      "--probe-interval",
      "5",
    ]);
    const result = sessionsResultOf(run);
    assert.equal(result.storm_nice, 7);
    assert.equal(result.probe_nice, 3);
    assert.equal(result.probe_interval_ms, 5);
    assert.equal(result.sessions, 6);
    assert.equal(result.texts_lost, 0);
  });
});

Deno.test("dim bench --sessions --reconnect: the storm's users drop and reconnect at once with the keys they hold — every session up again, no sealed key opened again by the station, the texts meanwhile timed", async () => {
  using dir = tempDir();
  const { station, url } = await startStationWithMetrics(dir.path);
  try {
    const metric = async (
      name: string,
      labels: Record<string, string> = {},
    ): Promise<number> => {
      const response = await fetch(url);
      const families = parseExposition(await response.text());
      return sampleValue(families, name, labels) ?? 0;
    };
    const decryptions = () => metric("dim_key_decryptions_total");
    const opened = () =>
      metric("dim_connections_opened_total", { framing: "mtp" });
    const decryptedBefore = await decryptions();
    const openedBefore = await opened();
    const run = await bench(station, `${dir.path}/bench`, [
      "--sessions",
      "8",
      "--hold",
      "0.2",
      "--probe-interval",
      "5",
      "--reconnect",
      "--pid",
      String(station.process.pid),
    ]);
    const result = sessionsResultOf(run);
    assert.equal(result.sessions, 8);
    assert.equal(result.handshakes, 8);
    const again = result.reconnect!;
    assert.equal(again.sessions, 8);
    assert.equal(again.handshakes, 6);
    assert.equal(again.handshake_ms.n, 6);
    assert.ok(again.handshakes_per_s! > 0);
    // each reconnecting client packs its first offer and seals the key it
    // holds before the clock
    assert.deepEqual(again.prepared, { first_offers: 6, sealed_keys: 6 });
    assert.equal(again.text_ms_samples.length, again.text_ms.n);
    assert.ok(again.text_ms.n >= 1);
    assert.equal(Math.max(...again.text_ms_samples), again.text_ms.max);
    assert.equal(again.texts_lost, 0);
    assert.equal(result.texts_lost, 0);
    assert.equal(typeof again.station_cpu_us_per_handshake, "number");
    assert.ok(again.generator_cpu_us_per_handshake! > 0);
    // the first storm's texts are still its own
    assert.equal(
      result.text_ms_samples.while_connecting.length,
      result.text_ms_while_connecting.n,
    );
    // the station opened each user's sealed key once (the first storm and
    // the probe pair: 8); the reconnect's keys were the ones it held
    assert.equal(await decryptions() - decryptedBefore, 8);
    // 8 connections, then the storm's 6 again
    assert.equal(await opened() - openedBefore, 14);
    assert.match(run.stderr, /dropping 6 connections/);
    assert.match(run.stderr, /reconnecting 6 users with their keys/);
  } finally {
    await stopStation(station, "SIGTERM");
  }
});

Deno.test("dim bench --sessions more than the open-file limit allows: exit 2 before any user is made", async () => {
  using dir = tempDir();
  const main = new URL("../../cli/main.ts", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command("sh", {
    args: [
      "-c",
      'ulimit -n 300 && exec "$0" run --allow-all "$1" --data-dir "$2" bench --sessions 250',
      Deno.execPath(),
      main,
      dir.path,
    ],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.match(
    new TextDecoder().decode(stderr),
    /--sessions 250 needs 350 open files, this process may have 300: raise it \(ulimit -n\)/,
  );
  assert.throws(() => Deno.statSync(`${dir.path}/bench`));
});

Deno.test("dim bench: no station there is exit 1 with a clear message", async () => {
  using dir = tempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close(); // nobody listens there now
  const run = await dim([
    "--data-dir",
    dir.path,
    "bench",
    "--station",
    `127.0.0.1:${port}`,
    "--users",
    "2",
    "--messages",
    "1",
  ]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /could not connect to 127\.0\.0\.1:\d+/);
  assert.equal(run.stdout, "");
});

for (
  const [args, message] of [
    [["--users", "0"], /--users must be a whole number 2 … 1000/],
    [["--users", "1001"], /--users must be a whole number 2 … 1000/],
    [["--users", "1"], /--users must be a whole number 2 … 1000/],
    [["--users", "500", "--messages", "500"], /users × messages must be ≤/],
    [["--messages", "x"], /--messages must be a whole number/],
    [["--size", "0"], /--size must be a whole number 1 … 65536/],
    [["--window", "0"], /--window must be a whole number 1 … 1000/],
    [["--rate", "0"], /--rate must be a number > 0/],
    [["--duration", "0"], /--duration must be a number > 0/],
    [["--framing", "udp"], /--framing must be mtp, ws, plain or mars/],
    [["--station", "nowhere"], /--station must be HOST:PORT/],
    [["--pid", "12,abc"], /--pid must be PID\[,PID...\]/],
    [["--sessions", "1"], /--sessions must be a whole number 2 … 20000/],
    [["--sessions", "5", "--messages", "3"], /--sessions takes no --messages/],
    [["--sessions", "5", "--hold", "0"], /--hold must be a number > 0/],
    [["--hold", "3"], /--hold goes with --sessions/],
    [["--storm-nice", "5"], /--storm-nice goes with --sessions/],
    [
      ["--sessions", "5", "--storm-nice", "20"],
      /--storm-nice must be a whole number 0 … 19/,
    ],
    [["--probe-interval", "20"], /--probe-interval goes with --sessions/],
    [["--reconnect"], /--reconnect goes with --sessions/],
    [["--probe-nice", "3"], /--probe-nice goes with --sessions/],
    [
      ["--sessions", "5", "--probe-nice=-21"],
      /--probe-nice must be a whole number -20 … 19/,
    ],
    [
      ["--sessions", "5", "--probe-interval", "4"],
      /--probe-interval must be a whole number 5 … 1000/,
    ],
    [["--warmup", "x"], /--warmup must be a whole number/],
    [["--users", "500", "--warmup", "500"], /users × warmup must be ≤/],
    [["--sessions", "5", "--warmup", "3"], /--sessions takes no --warmup/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["extra"], /Unexpected argument 'extra'/],
  ] as [string[], RegExp][]
) {
  Deno.test(`dim bench ${args.join(" ")}: exit 2`, async () => {
    using dir = tempDir();
    const run = await dim(["--data-dir", dir.path, "bench", ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  });
}

Deno.test("dim bench --pid of no process: exit 1 before anything is generated", async () => {
  using dir = tempDir();
  const run = await dim([
    "--data-dir",
    dir.path,
    "bench",
    "--pid",
    "999999999",
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /dim: process 999999999: no such process/,
  );
  assert.throws(() => Deno.statSync(`${dir.path}/bench`));
});

Deno.test("dim bench --help: the options on stdout", async () => {
  using dir = tempDir();
  const run = await dim(["--data-dir", dir.path, "bench", "--help"]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--users N/);
  assert.match(run.stdout, /--offline/);
  assert.match(run.stdout, /--receipts/);
});
