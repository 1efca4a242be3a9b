/**
 * `growFdTable` (station/fd_table.ts) in real child processes, read back
 * from Linux's `/proc/<pid>/status` (`FDSize`: the descriptor table's
 * slots) and `/proc/<pid>/fd`: the table grows to the descriptors asked
 * for, never past the open-files limit, the descriptor it opened on the
 * last slot is closed again, and it
 * is left alone without `--allow-ffi`; `dim station` grows its own for
 * `max_connections` before it listens.
 */
import assert from "node:assert/strict";
import { startLocalStation, stopStation } from "./_child.ts";
import { tempDir } from "../store/_temp.ts";

const CHILD = new URL("./_fd_table_child.ts", import.meta.url).pathname;

interface Reading {
  readonly slots: number;
  /** The highest descriptor open. */
  readonly highest: number;
}

interface ChildReport {
  readonly before: Reading;
  readonly grown: { descriptors: number; ms: number; skipped?: string };
  readonly after: Reading;
}

function fdSize(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^FDSize:\s*(\d+)/m.exec(status)?.[1] ?? 0);
}

function reading(pid: number): Reading {
  return {
    slots: fdSize(pid),
    highest: Math.max(
      ...[...Deno.readDirSync(`/proc/${pid}/fd`)].map((entry) =>
        Number(entry.name)
      ),
    ),
  };
}

/**
 * The child grows its table to `descriptors` under an open-files limit of
 * `limit` (soft and hard: Deno raises its soft limit to the hard one).
 */
async function grow(
  descriptors: number,
  limit: number,
  permissions: readonly string[] = ["--allow-all"],
): Promise<ChildReport> {
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n ${limit} && exec "$0" "$@"`,
      Deno.execPath(),
      "run",
      ...permissions,
      CHILD,
      String(descriptors),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const output = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  const line = async (): Promise<string> => {
    while (!text.includes("\n")) {
      const { value, done } = await output.read();
      if (done) throw new Error(`the child ended its output: ${text}`);
      text += value;
    }
    const end = text.indexOf("\n");
    const first = text.slice(0, end);
    text = text.slice(end + 1);
    return first;
  };
  const writer = child.stdin.getWriter();
  try {
    assert.equal(await line(), "ready");
    const before = reading(child.pid);
    await writer.write(new TextEncoder().encode("go\n"));
    const grown = JSON.parse(await line());
    const after = reading(child.pid);
    return { before, grown, after };
  } finally {
    await writer.close();
    await output.cancel();
    assert.equal((await child.status).code, 0);
  }
}

Deno.test("growFdTable: the table grows to the descriptors asked for at once, and the one it opened is closed", async () => {
  const report = await grow(3000, 4096);
  assert.ok(report.before.slots < 3000, JSON.stringify(report));
  assert.equal(report.grown.skipped, undefined);
  assert.equal(report.grown.descriptors, 3000);
  assert.ok(report.after.slots >= 3000, JSON.stringify(report));
  // the descriptor duplicated onto the last slot is closed again
  assert.ok(report.after.highest < 1000, JSON.stringify(report));
});

Deno.test("growFdTable: never past the open-files limit", async () => {
  const report = await grow(100_000, 1000);
  assert.equal(report.grown.skipped, undefined);
  assert.equal(report.grown.descriptors, 1000);
  // the kernel rounds the table up to a power of two: 1,000 slots take 1,024
  assert.ok(report.after.slots >= 1000, JSON.stringify(report));
  assert.ok(report.after.slots <= 1024, JSON.stringify(report));
  assert.ok(report.after.highest < 999, JSON.stringify(report));
});

Deno.test("growFdTable: without --allow-ffi the table is left as it was and says why", async () => {
  const report = await grow(3000, 4096, ["--allow-read"]);
  assert.match(report.grown.skipped ?? "", /libc\.so\.6 not loaded/);
  assert.equal(report.grown.descriptors, 0);
  assert.equal(report.after.slots, report.before.slots);
  assert.ok(report.after.slots < 3000);
});

Deno.test("dim station: its descriptor table holds max_connections before it listens", async () => {
  using dir = tempDir();
  const station = await startLocalStation(
    `${dir.path}/station`,
    ["--log", "info"],
    [],
    { DIM_STATION_MAX_CONNECTIONS: "700" },
  );
  let slots: number;
  try {
    slots = fdSize(station.process.pid);
  } finally {
    await stopStation(station, "SIGTERM");
  }
  // 700 connections and 256 more (the store, the workers, the admin
  // listener, the neighbours): 956, up to the open-files limit
  const hard = Number(
    /^Max open files\s+\d+\s+(\d+)/m.exec(
      Deno.readTextFileSync("/proc/self/limits"),
    )?.[1] ?? 0,
  );
  assert.ok(slots >= Math.min(956, hard), `FDSize ${slots}`);
  assert.match(
    station.log(),
    /descriptor table sized for the connections .*descriptors=956/,
  );
});
