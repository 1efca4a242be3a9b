/**
 * `dim station` through the real CLI process: the first run makes and
 * stores an identity and stays on 127.0.0.1; later runs find it and bind
 * every interface; the log line; stop by signal; bad command lines and
 * configs.
 */
import assert from "node:assert/strict";
import { EntityType, parseId } from "../../dimp/identity/mod.ts";
import { startStation, stopStation } from "../station/_child.ts";
import { dim, tempDir } from "./_dim.ts";

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
    const made = await dim([
      "--data-dir",
      dir.path,
      "register",
      "generate",
      "station",
      "--seed",
      seed,
      "--yes",
    ]);
    assert.equal(made.code, 0, made.stderr);
    ids.push(made.lastLine);
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
    const args of [["--port", "x"], ["--port", "70000"], ["--log", "loud"], [
      "extra",
    ], ["--nope"]]
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
  const generated = await dim([
    "--data-dir",
    made.path,
    "register",
    "generate",
    "station",
    "--seed",
    "gsp-s011",
    "--yes",
  ]);
  assert.equal(generated.code, 0, generated.stderr);
  const id = generated.lastLine;
  const exported = await dim([
    "--data-dir",
    made.path,
    "register",
    "export",
    id,
  ]);
  assert.equal(exported.code, 0, exported.stderr);
  const file = `${here.path}/station.json`;
  Deno.writeTextFileSync(file, exported.stdout);
  const imported = await dim([
    "--data-dir",
    here.path,
    "register",
    "import",
    file,
  ]);
  assert.equal(imported.code, 0, imported.stderr);
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
    /StationIdentityError: the store has no signing key/,
  );
});
