/**
 * `dim bench` as a real CLI process against a real `dim station` child on
 * loopback: every message delivered exactly once (online, offline, with
 * end-to-end receipts, over WebSocket), the users kept for the next run,
 * the station's process measured by --pid, and bad command lines.
 * Nothing here asserts a speed.
 */
import assert from "node:assert/strict";
import type { BenchResult } from "../../cli/bench/mod.ts";
import {
  startStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import { dim, type DimRun, tempDir } from "./_dim.ts";

async function withStation(
  fn: (station: StationChild, dir: string) => Promise<void>,
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
    "error",
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
    assert.equal(result.station_receipts.delivered, 100);
    assert.equal(result.handshakes, 5);
    assert.ok(result.delivered_per_s! > 0);
    assert.ok(result.handshakes_per_s! > 0);
    for (const p of ["p50", "p90", "p99", "max"] as const) {
      assert.equal(typeof result.latency_ms[p], "number");
    }
    assert.ok(result.latency_ms.p50! <= result.latency_ms.max!);
    assert.equal(result.end_to_end_receipts, false);
    assert.equal(result.peer_receipts, null);
    assert.deepEqual(result.station_process?.pids, [station.process.pid]);
    assert.ok(result.station_process!.rss_mib > 0);
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
    assert.match(run.stderr, /6 users in .*\(6 new\)/);
  });
});

Deno.test("dim bench --receipts over WebSocket: every end-to-end receipt comes back once", async () => {
  await withStation(async (station, dataDir) => {
    const result = resultOf(
      await bench(station, dataDir, [
        "--users",
        "3",
        "--messages",
        "10",
        "--receipts",
        "--framing",
        "ws",
        "--window",
        "2",
      ]),
    );
    assertExactlyOnce(result, 30);
    assert.equal(result.framing, "ws");
    assert.equal(result.end_to_end_receipts, true);
    assert.equal(result.peer_receipts, 30);
  });
});

Deno.test("dim bench --rate with --duration: rate × duration / users messages each", async () => {
  await withStation(async (station, dataDir) => {
    const run = await bench(station, dataDir, [
      "--users",
      "2",
      "--rate",
      "40",
      "--duration",
      "1",
      "--size",
      "10",
    ]);
    const result = resultOf(run);
    assert.equal(result.messages_per_user, 20);
    assert.equal(result.rate, 40);
    assertExactlyOnce(result, 40);
  });
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
