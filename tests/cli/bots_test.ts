/**
 * `dim archivist`, `dim assistant` and `dim station --with-bots` through the
 * real CLI process: the command line, the identity (made on the first run,
 * kept; a configured one without its keys refused), a station that is not
 * there, and the systemd notifications of a bot (READY after the
 * handshake, RELOADING on SIGHUP, STOPPING on SIGTERM).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dim, tempDir } from "./_dim.ts";
import { startStation, stopStation } from "../station/_child.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/** A free TCP port nobody listens on (bound, then closed). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

for (const kind of ["archivist", "assistant"]) {
  Deno.test(`dim ${kind}: help, bad command lines, no station there (exit 1, clear); the identity made on the first run is kept`, async () => {
    using dir = tempDir();
    const base = ["--data-dir", dir.path, kind];
    const help = await dim([...base, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`usage: dim ${kind}`));
    for (
      const args of [["--nope"], ["extra"], ["--station", "nowhere"], [
        "--log",
        "loud",
      ]]
    ) {
      const run = await dim([...base, ...args]);
      assert.equal(run.code, 2, `${args}: ${run.stderr}`);
    }
    const port = closedPort();
    const first = await dim([...base, "--station", `127.0.0.1:${port}`]);
    assert.equal(first.code, 1);
    assert.match(
      first.stderr,
      new RegExp(`cannot reach a station at 127\\.0\\.0\\.1:${port}`),
    );
    const list = await dim([
      "--data-dir",
      dir.path,
      "register",
      "list",
      "--local",
    ]);
    const [id, type, name] = list.stdout.trim().split("\t");
    assert.equal(type, "bot");
    assert.equal(name, kind);
    assert.ok(id.startsWith(`${kind}@`));
    await dim([...base, "--station", `127.0.0.1:${port}`]);
    const again = await dim([
      "--data-dir",
      dir.path,
      "register",
      "list",
      "--local",
    ]);
    assert.equal(again.stdout, list.stdout, "the same identity, no second one");
  });
}

Deno.test("dim archivist / station --with-bots: an [ans] ID whose keys are not in the store is refused (exit 1)", async () => {
  using dir = tempDir();
  const ini = join(dir.path, "dim.ini");
  Deno.writeTextFileSync(
    ini,
    "[ans]\narchivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9\n",
  );
  const bot = await dim(["--config", ini, "--data-dir", dir.path, "archivist"]);
  assert.equal(bot.code, 1);
  assert.match(
    bot.stderr,
    /archivist: \[ans\] archivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9, but its meta and private key are not in the store/,
  );
  const station = await dim([
    "--config",
    ini,
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
    "--with-bots",
  ]);
  assert.equal(station.code, 1);
  assert.match(
    station.stderr,
    /but its meta and private key are not in the store/,
  );
});

Deno.test("dim assistant under systemd: READY=1 after the handshake, RELOADING/READY on SIGHUP, STOPPING=1 on SIGTERM, exit 0", async () => {
  using dir = tempDir();
  const station = await startStation([
    "--data-dir",
    dir.path,
    "station",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  const path = join(dir.path, "notify");
  const socket = Deno.listenDatagram({ path, transport: "unixpacket" });
  const decoder = new TextDecoder();
  const next = async () => decoder.decode((await socket.receive())[0]);
  const bot = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "--data-dir",
      dir.path,
      "assistant",
      "--station",
      `127.0.0.1:${station.port}`,
    ],
    env: { NOTIFY_SOCKET: path, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(bot.stderr).text();
  try {
    assert.match(
      await next(),
      /^READY=1\nSTATUS=connected to 127\.0\.0\.1:\d+\n$/,
    );
    bot.kill("SIGHUP");
    assert.equal(await next(), "RELOADING=1\n");
    assert.equal(await next(), "READY=1\n");
    bot.kill("SIGTERM");
    assert.equal(await next(), "STOPPING=1\n");
    const status = await bot.status;
    const log = await stderr;
    assert.equal(status.code, 0, log);
    assert.match(
      log,
      /dim assistant assistant@\S+ connected to \S+ at 127\.0\.0\.1/,
    );
    assert.match(log, /reloaded the log level/);
  } finally {
    try {
      bot.kill("SIGKILL");
    } catch {
      // ended
    }
    await bot.status;
    await stderr;
    socket.close();
    await stopStation(station, "SIGTERM");
  }
});
