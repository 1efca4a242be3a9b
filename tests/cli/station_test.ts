/**
 * `dim station` through the real CLI process: the first run makes and
 * stores an identity and stays on 127.0.0.1; later runs find it and bind
 * every interface; the log line; stop by signal; bad command lines and
 * configs.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { EntityType, parseId } from "../../dimp/identity/mod.ts";
import {
  type CipherKeyCache,
  MemoryCipherKeyCache,
} from "../../dimp/message/mod.ts";
import { accounts, closeAll, online, World } from "../station/_peer.ts";
import { parseExposition, sampleValue } from "../station/_prometheus.ts";
import { startStation, stopStation } from "../station/_child.ts";
import { copyPublicAccount, dim, generateStation, tempDir } from "./_dim.ts";

Deno.test("dim station: the first run makes a station identity and listens on 127.0.0.1; the next run finds it and listens on 0.0.0.0", async () => {
  using dir = tempDir();
  const first = await startStation([
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ]);
  const id = parseId(first.id);
  assert.equal(id.type, EntityType.STATION);
  assert.equal(first.host, "127.0.0.1");
  assert.match(
    first.log(),
    new RegExp(
      `^dim station ${id.value} listening on 127\\.0\\.0\\.1:\\d+ \\(store ${dir.path}/dim\\.db; identity made on this run\\)\\n`,
    ),
  );
  // it answers on that port (the status page names the station)
  const page = await fetch(`http://127.0.0.1:${first.port}/`, {
    headers: { accept: "application/json" },
  });
  assert.equal((await page.json()).station, id.value);
  assert.equal((await stopStation(first, "SIGTERM")).code, 0);

  const second = await startStation([
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ]);
  assert.equal(second.id, id.value);
  assert.equal(second.host, "0.0.0.0");
  assert.doesNotMatch(second.log(), /identity made/);
  assert.equal((await stopStation(second, "SIGINT")).code, 0);

  // the identity is an ordinary account of the store
  const listed = await dim(["--data-dir", dir.path, "register", "list"]);
  assert.match(listed.stdout, new RegExp(id.value));
});

Deno.test("dim station: --host and [station] bind choose the address; [station] id chooses among several station accounts", async () => {
  using dir = tempDir();
  const ids: string[] = [];
  for (const seed of ["gsp-s009", "gsp-s010"]) {
    ids.push(await generateStation(dir.path, seed));
  }

  const ambiguous = await dim([
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ]);
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.stderr, /2 station accounts.*\[station\] id/);

  const ini = `${dir.path}/dim.ini`;
  Deno.writeTextFileSync(
    ini,
    `[station]\nid = ${ids[0]}\nbind = 127.0.0.1\n`,
  );
  const child = await startStation([
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ]);
  assert.equal(child.id, ids[0]);
  assert.equal(child.host, "127.0.0.1");
  await stopStation(child, "SIGTERM");

  const flagged = await startStation([
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  assert.equal(flagged.host, "127.0.0.1");
  await stopStation(flagged, "SIGTERM");
});

Deno.test("dim station: bad command lines exit 2, bad configs and unknown identities exit 1", async () => {
  using dir = tempDir();
  const base = ["--data-dir", dir.path, "station"];
  for (
    const args of [
      ["--port", "x"],
      ["--port", "70000"],
      ["--log", "loud"],
      ["extra"],
      ["--nope"],
      ["--neighbor", "nowhere"],
      ["--neighbor", "10.0.0.2:0"],
    ]
  ) {
    const run = await dim([...base, ...args]);
    assert.equal(run.code, 2, `${args}: ${run.stderr}`);
  }
  const help = await dim([...base, "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: dim station/);

  const ini = `${dir.path}/bad.ini`;
  for (
    const [text, pattern] of [
      [
        "[station]\ncheck_sender = maybe\n",
        /check_sender must be true or false/,
      ],
      [
        "[station]\noffline_retention = soon\n",
        /offline_retention must be a duration/,
      ],
      ["[station]\nmax_frame = 1T\n", /max_frame must be a size/],
      [
        "[neighbors]\nstations = 10.0.0.2\n",
        /\[neighbors\] stations must be host:port items/,
      ],
      [
        "[station]\nid = hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj\n",
        /not a station ID/,
      ],
      [
        "[station]\nid = gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC\n",
        /not in the store/,
      ],
    ] as const
  ) {
    Deno.writeTextFileSync(ini, text);
    const run = await dim(["--config", ini, ...base, "--port", "0"]);
    assert.equal(run.code, 1, `${text}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
  }
});

Deno.test("dim station: a station account without its private keys (imported from a public export) refuses to run", async () => {
  using made = tempDir();
  using here = tempDir();
  const id = await generateStation(made.path, "gsp-s011");
  await copyPublicAccount(id, made.path, here.path);
  const ini = `${here.path}/dim.ini`;
  Deno.writeTextFileSync(ini, `[station]\nid = ${id}\n`);
  const run = await dim([
    "--config",
    ini,
    "--data-dir",
    here.path,
    "station",
    "--port",
    "0",
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^dim: the store has no signing key/m,
  );
});

/** A port free right now on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("dim station --admin: /health ok and /metrics counting handshakes, routed and delivered messages; SIGHUP re-reads [log] level", async () => {
  using dir = tempDir();
  const ini = `${dir.path}/dim.ini`;
  Deno.writeTextFileSync(ini, "[log]\nlevel = info\n");
  const admin = freePort();
  const child = await startStation([
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
    "--admin",
    `127.0.0.1:${admin}`,
  ]);
  const [alice, bob] = await accounts(2);
  const world = new World();
  const peers = await online(child.port, [alice, bob], { world });
  try {
    await peers[0].sendContent(bob.id, TextContent.create("counted"));
    await peers[1].next((r) => r.instant?.content instanceof TextContent);
    await peers[0].nextReceipt("Message delivered.");
    const health = await fetch(`http://127.0.0.1:${admin}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "ok\n");
    const families = parseExposition(
      await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text(),
    );
    const value = (name: string, labels: Record<string, string>) =>
      sampleValue(families, name, labels) ?? NaN;
    assert.equal(value("dim_handshakes_total", { result: "success" }), 2);
    assert.equal(value("dim_handshakes_total", { result: "again" }), 2);
    assert.equal(value("dim_messages_routed_total", { route: "local" }), 1);
    assert.equal(value("dim_messages_delivered_total", { source: "live" }), 1);
    assert.equal(value("dim_connections_open", { framing: "mtp" }), 2);
    assert.ok(value("dim_messages_received_total", { framing: "mtp" }) >= 5);
    assert.ok(
      value("dim_store_latency_seconds_count", { op: "load_messages" }) >= 2,
    );

    // SIGHUP: the level from the file again (now warn: no more info lines)
    Deno.writeTextFileSync(ini, "[log]\nlevel = warn\n");
    child.process.kill("SIGHUP");
    await waitFor(() => /reloading the config/.test(child.log()));
    await closeAll(peers);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = child.log().slice(
      child.log().indexOf("reloading the config") + 30,
    );
    assert.doesNotMatch(after, /INFO/, "no info lines after the reload");
  } finally {
    await closeAll(peers);
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
  }
  assert.match(
    child.log(),
    /INFO {2}connection open process=station conn=\d+ remote=127\.0\.0\.1:\d+ framing=mtp\n/,
  );
});

/** The value of one series on a station's `/metrics`. */
async function metric(
  admin: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const families = parseExposition(
    await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text(),
  );
  const value = sampleValue(families, name, labels);
  assert.ok(value !== undefined, `${name} on /metrics`);
  return value;
}

Deno.test("dim station restarted on the same store: a returning client's handshake and text cost no RSA decryption (dim_key_decryptions_total)", async () => {
  using dir = tempDir();
  const [alice, bob] = await accounts(2);
  const world = new World();
  world.know(bob);
  /** A station on `dir`: alice's handshake and a text for bob (offline); the RSA decryptions. */
  const session = async (cipherKeys?: CipherKeyCache): Promise<number> => {
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
    try {
      const [a] = await online(child.port, [alice], { world, cipherKeys });
      await a.sendContent(bob.id, TextContent.create("for later"));
      await a.nextReceipt("Message cached.");
      assert.equal(
        await metric(admin, "dim_handshakes_total", { result: "success" }),
        1,
      );
      await closeAll([a]);
      return await metric(admin, "dim_key_decryptions_total");
    } finally {
      assert.equal((await stopStation(child, "SIGTERM")).code, 0);
    }
  };
  // alice's client stays up while the station restarts: it keeps its keys
  const aliceKeys = new MemoryCipherKeyCache();
  assert.ok(await session(aliceKeys) >= 1, "the first time: RSA");
  assert.equal(
    await session(aliceKeys),
    0,
    "after the restart: the stored key",
  );
  // a client with a new key still gets in (its key opened with RSA)
  assert.ok(await session() >= 1);
});

async function waitFor(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("dim station under systemd: READY=1 once listening, RELOADING=1 / READY=1 on SIGHUP, STOPPING=1 on SIGTERM", async () => {
  using dir = tempDir();
  const path = `${dir.path}/notify`;
  const socket = Deno.listenDatagram({ path, transport: "unixpacket" });
  const next = async () =>
    new TextDecoder().decode((await socket.receive())[0]);
  try {
    const child = await startStation(
      ["--data-dir", dir.path, "station", "--port", "0"],
      { NOTIFY_SOCKET: path },
    );
    assert.equal(
      await next(),
      `READY=1\nSTATUS=listening on 127.0.0.1:${child.port}\n`,
    );
    child.process.kill("SIGHUP");
    assert.equal(await next(), "RELOADING=1\n");
    assert.equal(await next(), "READY=1\n");
    child.process.kill("SIGTERM");
    assert.equal(await next(), "STOPPING=1\n");
    assert.equal((await child.process.status).code, 0);
    await child.draining;
  } finally {
    socket.close();
  }
});

Deno.test("dim station: mistyped keys and a loopback host on every address warn at start; SIGHUP names the keys that need a restart; a taken port is named", async () => {
  using dir = tempDir();
  await generateStation(dir.path, "gsp-s011");
  const ini = `${dir.path}/dim.ini`;
  const port = freePort();
  const text = (p: number) =>
    `[station]\nport = ${p}\nbind = 0.0.0.0\nhost = 127.0.0.1\nprot = 1\n\n[log]\nlevle = debug\n`;
  Deno.writeTextFileSync(ini, text(port));
  const child = await startStation([
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
  ]);
  try {
    assert.match(
      child.log(),
      /WARN {2}.*dim\.ini:5: \[station\] prot is not a dim setting \(did you mean port\?\): it is ignored/,
    );
    assert.match(
      child.log(),
      /levle is not a dim setting \(did you mean level\?\)/,
    );
    assert.match(
      child.log(),
      /WARN {2}listening on every address \(0\.0\.0\.0\) while advertising the loopback host 127\.0\.0\.1/,
    );
    // the same port taken by a second station: the error names the address
    const second = await dim([
      "--config",
      ini,
      "--data-dir",
      dir.path,
      "station",
    ]);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(
        `^dim: 0\\.0\\.0\\.0:${port} is in use: stop what listens there \\(a station already running\\?\\) or choose another with \\[station\\] port or --port`,
        "m",
      ),
    );
    assert.doesNotMatch(second.stderr, /AddrInUse|os error/);
    Deno.writeTextFileSync(ini, text(port + 1).replace("bind = 0.0.0.0\n", ""));
    child.process.kill("SIGHUP");
    await waitFor(() => /bind changed/.test(child.log()));
    assert.match(
      child.log(),
      new RegExp(
        `WARN {2}\\[station\\] port changed from ${port} to ${
          port + 1
        }: needs a restart \\(kept as it was\\)`,
      ),
    );
    assert.match(
      child.log(),
      /\[station\] bind changed from 0\.0\.0\.0 to \(unset\): needs a restart/,
    );
  } finally {
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
  }
});
