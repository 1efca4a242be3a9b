/**
 * The live view and controls of a running station (real station process,
 * real peers over loopback) through the admin listener and the commands:
 * `dim status`, `dim sessions [--user]`, `dim kick`, `dim block` / `unblock`, the status gauges, the index page,
 * `/health` naming its checks, loopback-only unless a bearer token is set.
 */
import assert from "node:assert/strict";
import {
  accounts,
  closeAll,
  online,
  TestPeer,
  World,
} from "../station/_peer.ts";
import { startStation, stopStation } from "../station/_child.ts";
import { dim, tempDir } from "./_dim.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** An address of this host that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Deno.networkInterfaces().find((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.")
  )?.address;
}

Deno.test("dim status | sessions | kick against a running station; the admin index page; /health names listener, store, neighbours, bots", async () => {
  using dir = tempDir();
  const admin = freePort();
  const child = await startStation([
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
    "--admin",
    `127.0.0.1:${admin}`,
  ]);
  const [alice, bob] = await accounts(2);
  const peers = await online(child.port, [alice, bob], { world: new World() });
  const at = ["--admin", `127.0.0.1:${admin}`];
  try {
    const status = await dim(["status", ...at, "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.station, child.id);
    assert.deepEqual(s.sessions, {
      total: 2,
      user: 2,
      station: 0,
      anonymous: 0,
    });
    assert.deepEqual(s.framings, { mtp: 2 });
    assert.equal(s.usersOnline, 2);
    assert.deepEqual(s.offline, { messages: 0, receivers: 0 });
    assert.ok(s.store.bytes > 0);
    // the same as gauges, read at scrape time
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`))
      .text();
    for (
      const line of [
        'dim_sessions{kind="user"} 2',
        'dim_sessions{kind="station"} 0',
        "dim_users_online 2",
        "dim_offline_messages 0",
        "dim_neighbours_up 0",
        "dim_bots_up 0",
      ]
    ) {
      assert.ok(metrics.split("\n").includes(line), line);
    }
    assert.match(metrics, /^dim_store_bytes [1-9]\d*$/m);
    assert.match(metrics, /^# TYPE dim_sessions gauge$/m);
    const text = await dim(["status", ...at]);
    assert.match(
      text.stdout,
      /^sessions {6}2 \(users 2, stations 0, not logged in 0; mtp 2\)$/m,
    );
    assert.match(text.stdout, /^users online {2}2$/m);

    const all = await dim(["sessions", ...at, "--json"]);
    const rows = all.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.map((r) => r.user).sort(),
      [alice.id.value, bob.id.value].sort(),
    );
    assert.ok(rows.every((r) => r.kind === "user" && r.framing === "mtp"));
    assert.match(rows[0].remote, /^127\.0\.0\.1:\d+$/);
    const one = await dim(["sessions", ...at, "--user", bob.id.value]);
    assert.equal(one.stdout.trimEnd().split("\n").length, 2, one.stdout);
    assert.match(
      one.stdout,
      new RegExp(`${bob.id.value} +user +mtp +127\\.0\\.0\\.1:`),
    );

    const kick = await dim(["kick", ...at, bob.id.value]);
    assert.equal(kick.code, 0, kick.stderr);
    assert.equal(kick.stdout, `closed 1 connection(s) of ${bob.id.value}\n`);
    await peers[1].conn.done;
    const after = await dim([
      "sessions",
      ...at,
      "--json",
      "--user",
      bob.id.value,
    ]);
    assert.equal(after.stdout, "");
    const nobody = await dim(["kick", ...at, bob.id.value]);
    assert.equal(nobody.code, 1);

    // block: alice's session closed, her next handshake refused; unblock: back
    const block = await dim(["block", ...at, alice.id.value]);
    assert.equal(block.code, 0, block.stderr);
    assert.equal(
      block.stdout,
      `blocked ${alice.id.value}; closed 1 connection(s)\n`,
    );
    await peers[0].conn.done;
    const refused = await TestPeer.connect(child.port, alice, {
      world: new World(),
    });
    await assert.rejects(refused.handshake());
    await refused.conn.done;
    await refused.close();
    const listed = await fetch(`http://127.0.0.1:${admin}/blocked`);
    assert.deepEqual((await listed.json()).blocked, [alice.id.value]);
    const unblock = await dim(["unblock", ...at, alice.id.value]);
    assert.equal(unblock.stdout, `unblocked ${alice.id.value}\n`);
    const back = await online(child.port, [alice], { world: new World() });
    await closeAll(back);
    assert.match(
      child.log(),
      /WARN {2}handshake refused .*reason="blocked by the station's operator"/,
    );

    const index = await fetch(`http://127.0.0.1:${admin}/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /\/status.*\n.*\/sessions/s);
    const health = await fetch(`http://127.0.0.1:${admin}/health`, {
      headers: { accept: "application/json" },
    });
    const report = await health.json();
    assert.deepEqual(report.checks.map((c: { name: string }) => c.name), [
      "listener",
      "store",
      "neighbours",
      "bots",
    ]);
    assert.equal(health.status, 200);
    const off = await dim(["status"]);
    assert.equal(off.code, 2);
    assert.match(off.stderr, /the admin listener is off/);
  } finally {
    await closeAll(peers);
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
  }
  // the station gone: a sentence, exit 1
  const gone = await dim(["status", ...at]);
  assert.equal(gone.code, 1);
  assert.match(
    gone.stderr,
    /^dim: nothing answers at http:\/\/127\.0\.0\.1:\d+\/status/,
  );
});

Deno.test("admin listener: clients from other hosts are refused unless a bearer token is set; with one, every request needs it", async () => {
  const outside = outsideAddress();
  using dir = tempDir();
  const admin = freePort();
  const ini = `${dir.path}/dim.ini`;
  Deno.writeTextFileSync(ini, `[admin]\nlisten = 0.0.0.0:${admin}\n`);
  const args = [
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ];
  const open = await startStation(args);
  try {
    const local = await fetch(`http://127.0.0.1:${admin}/health`);
    assert.equal(local.status, 200);
    await local.body?.cancel();
    if (outside !== undefined) {
      const remote = await fetch(`http://${outside}:${admin}/status`);
      assert.equal(remote.status, 403);
      assert.match(
        await remote.text(),
        /loopback clients only: set \[admin\] token/,
      );
    }
  } finally {
    await stopStation(open, "SIGTERM");
  }
  Deno.writeTextFileSync(
    ini,
    `[admin]\nlisten = 0.0.0.0:${admin}\ntoken = s3cret\n`,
  );
  const guarded = await startStation(args);
  try {
    const host = outside ?? "127.0.0.1";
    const bare = await fetch(`http://${host}:${admin}/status`);
    assert.equal(bare.status, 401);
    await bare.body?.cancel();
    const good = await fetch(`http://${host}:${admin}/status`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(good.status, 200);
    await good.body?.cancel();
    // the commands send the configured token
    const status = await dim(["--config", ini, "status", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const shown = await dim(["--config", ini, "config", "show"]);
    assert.match(shown.stdout, /^token = \(set\) /m);
    assert.doesNotMatch(shown.stdout, /s3cret/);
  } finally {
    await stopStation(guarded, "SIGTERM");
  }
});
