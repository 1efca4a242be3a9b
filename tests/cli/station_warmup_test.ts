/**
 * `dim station`'s self warm-up through the real CLI process: it is logged,
 * the station then serves real clients, and nothing of it reaches the real
 * store, `/metrics` or the temporary directory; a failing warm-up is a
 * warning; a stop signal during it stops the process without listening;
 * `--no-self-warmup` and `--check` skip it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { TextContent } from "../../dimp/content/mod.ts";
import { accounts, closeAll, online, World } from "../station/_peer.ts";
import { parseExposition, sampleValue } from "../station/_prometheus.ts";
import {
  localStationArgs,
  startLocalStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import { dim, tempDir } from "./_dim.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const WARMED = /self warm-up: (\d+) handshakes, (\d+) texts in \d+\.\d s/;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Every table of a store file with its row count. */
function tableRows(path: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows: Record<string, number> = {};
    const tables = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all() as { name: string }[];
    for (const { name } of tables) {
      const row = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as {
        n: number;
      };
      rows[name] = row.n;
    }
    return rows;
  } finally {
    db.close();
  }
}

/** A `dim station` on a free loopback port of `dir`, with `env`. */
function station(
  dir: string,
  env: Record<string, string>,
  flags: readonly string[] = [],
): Promise<StationChild> {
  return startLocalStation(dir, flags, [], env);
}

Deno.test("dim station self warm-up: logged, its temporary files gone, and the real store holds what a station without it holds", async () => {
  using dir = tempDir();
  const tmp = `${dir.path}/tmp`;
  Deno.mkdirSync(tmp);
  const warm = await station(`${dir.path}/warm`, {
    DIM_STATION_SELF_WARMUP: "300",
    TMPDIR: tmp,
  });
  const log = warm.log();
  assert.equal((await stopStation(warm, "SIGTERM")).code, 0);
  const match = WARMED.exec(log);
  assert.ok(match !== null, log);
  assert.equal(Number(match[2]), 300);
  assert.equal(Number(match[1]), 20, "10 users, arrays then single receipts");
  assert.ok(
    log.indexOf("self warm-up: 20") < log.indexOf("listening on"),
    "warmed before listening",
  );
  assert.deepEqual([...Deno.readDirSync(tmp)], [], "temporary files removed");

  const cold = await station(`${dir.path}/cold`, {});
  assert.doesNotMatch(cold.log(), /self warm-up/);
  assert.equal((await stopStation(cold, "SIGTERM")).code, 0);
  const warmRows = tableRows(`${dir.path}/warm/dim.db`);
  assert.ok(Object.keys(warmRows).length > 10, Object.keys(warmRows).join());
  assert.deepEqual(warmRows, tableRows(`${dir.path}/cold/dim.db`));
});

Deno.test("dim station after its self warm-up: a real client's text is delivered and /metrics counts only that", async () => {
  using dir = tempDir();
  const admin = freePort();
  const child = await station(dir.path, { DIM_STATION_SELF_WARMUP: "200" }, [
    "--admin",
    `127.0.0.1:${admin}`,
  ]);
  const value = async (name: string, labels: Record<string, string>) =>
    sampleValue(
      parseExposition(
        await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text(),
      ),
      name,
      labels,
    ) ?? 0;
  const [alice, bob] = await accounts(2);
  const peers = await online(child.port, [alice, bob], { world: new World() });
  try {
    assert.match(child.log(), WARMED);
    await peers[0].sendContent(bob.id, TextContent.create("after warm-up"));
    const got = await peers[1].next((r) =>
      r.instant?.content instanceof TextContent
    );
    assert.equal(
      (got.instant?.content as TextContent).text,
      "after warm-up",
    );
    await peers[0].nextReceipt("Message delivered.");
    assert.equal(await value("dim_handshakes_total", { result: "success" }), 2);
    assert.equal(
      await value("dim_messages_routed_total", { route: "local" }),
      1,
    );
    assert.equal(
      await value("dim_messages_delivered_total", { source: "live" }),
      1,
    );
    assert.equal(
      await value("dim_connections_opened_total", { framing: "mtp" }),
      2,
    );
    assert.equal(await value("dim_self_warmup_texts", {}), 200);
    assert.ok(await value("dim_self_warmup_seconds", {}) > 0);
  } finally {
    await closeAll(peers);
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
  }
});

Deno.test("dim station: a failing self warm-up is a warning and the station starts; --no-self-warmup and --check skip it", async () => {
  using dir = tempDir();
  // no temporary directory can be made: the warm-up fails
  const failing = await station(dir.path, {
    DIM_STATION_SELF_WARMUP: "100",
    TMPDIR: `${dir.path}/missing`,
  });
  try {
    assert.match(
      failing.log(),
      /WARN {2}self warm-up failed: .*starting without it/,
    );
    const page = await fetch(`http://127.0.0.1:${failing.port}/`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
  } finally {
    assert.equal((await stopStation(failing, "SIGTERM")).code, 0);
  }

  const skipped = await station(dir.path, { DIM_STATION_SELF_WARMUP: "100" }, [
    "--no-self-warmup",
  ]);
  assert.equal((await stopStation(skipped, "SIGTERM")).code, 0);
  assert.doesNotMatch(skipped.log(), /self warm-up/);

  const check = await dim(["--data-dir", dir.path, "station", "--check"], {
    env: { DIM_STATION_SELF_WARMUP: "100" },
  });
  assert.doesNotMatch(check.stdout + check.stderr, /self warm-up/);
});

Deno.test("dim station: SIGTERM during the self warm-up exits 0 without listening and removes its files", async () => {
  using dir = tempDir();
  const tmp = `${dir.path}/tmp`;
  Deno.mkdirSync(tmp);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...localStationArgs(dir.path)],
    env: { NO_COLOR: "1", DIM_STATION_SELF_WARMUP: "50000", TMPDIR: tmp },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let seen = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      seen += value;
    }
  })();
  let exited = false;
  void child.status.then(() => exited = true);
  // a bound, not a measurement: a station that ignores SIGTERM is killed
  let bound = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    while (!/routing 50000 texts/.test(seen) && !exited) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // into the warm-up's traffic (its stand-in started, users made)
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill("SIGTERM");
    clearTimeout(bound);
    bound = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const status = await child.status;
    await reading;
    assert.equal(status.code, 0, seen);
    assert.doesNotMatch(seen, /listening on/);
    assert.doesNotMatch(seen, WARMED);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "temporary files removed");
  } finally {
    clearTimeout(bound);
  }
});
