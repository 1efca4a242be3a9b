/**
 * `dim station --check` through the real CLI process: a good setup passes
 * every check (exit 0), and each broken one fails with its exact line
 * (exit 1): a bad INI line, a bad port, an ID that is not a station or not
 * in the store, an ID without its private keys, a read-only data directory
 * (as "nobody" when root), a port in use, an admin address on the station
 * port. Nothing is made by a check.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS, Store } from "../../store/mod.ts";
import {
  copyPublicAccount,
  dim,
  type DimOptions,
  generateStation,
  nobodyDenoDir,
  tempDir,
} from "./_dim.ts";

/** Runs `dim <global> station --check <flags>` and splits its output into lines. */
async function check(
  global: readonly string[],
  flags: readonly string[] = [],
  options: DimOptions = {},
): Promise<{ code: number; lines: string[]; stderr: string }> {
  const run = await dim([...global, "station", "--check", ...flags], options);
  return {
    code: run.code,
    lines: run.stdout.trimEnd().split("\n"),
    stderr: run.stderr,
  };
}

/** A port free right now on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

Deno.test("dim station --check: a good setup passes every check, one line each, exit 0", async () => {
  using dir = tempDir();
  const id = await generateStation(dir.path, "gsp-s001");
  Deno.chmodSync(dir.path, 0o700); // tempDir() is open to nobody's tests
  const port = freePort();
  const admin = freePort();
  const ini = join(dir.path, "dim.ini");
  Deno.writeTextFileSync(
    ini,
    `[station]\nid = ${id}\nbind = 127.0.0.1\nport = ${port}\n\n[admin]\nlisten = 127.0.0.1:${admin}\n`,
  );
  const run = await check(["--config", ini, "--data-dir", dir.path]);
  assert.equal(run.code, 0, run.lines.join("\n"));
  assert.deepEqual(run.lines, [
    `ok    config: ${ini}`,
    `ok    data dir: ${dir.path} (writable)`,
    `ok    store: ${dir.path}/dim.db (schema version ${
      MIGRATIONS.at(-1)!.version
    })`,
    `ok    identity: ${id} (meta, visa, signing key, 1 decryption key)`,
    `ok    port: 127.0.0.1:${port} is free`,
    `ok    admin: 127.0.0.1:${admin} is free`,
    "all 6 checks passed",
  ]);
  assert.equal(run.stderr, "");
});

Deno.test("dim station --check: with nothing at all, the first run is described and nothing is made", async () => {
  using dir = tempDir();
  const dataDir = join(dir.path, "new", "data");
  const run = await check(["--data-dir", dataDir]);
  assert.equal(run.code, 0, run.lines.join("\n"));
  assert.deepEqual(run.lines.slice(0, 4), [
    "ok    config: no file: defaults and DIM_* variables",
    `ok    data dir: ${dataDir} does not exist yet: the first run makes it`,
    `ok    store: ${dataDir}/dim.db does not exist yet: the first run makes it`,
    "ok    identity: none yet: the first run makes a station identity (and listens on 127.0.0.1 then)",
  ]);
  // the port line names the first run's address (9394 may be taken here)
  assert.match(run.lines[4], /^(ok {4}port: 127\.0\.0\.1:9394 is free|FAIL)/);
  assert.throws(
    () => Deno.statSync(join(dir.path, "new")),
    Deno.errors.NotFound,
  );
});

Deno.test("dim station --check: broken configs fail with the exact line, the checks after a bad config are skipped, exit 1", async () => {
  using dir = tempDir();
  const cases: [string, string][] = [
    [
      "[station]\nport 9394\n",
      'FAIL  config: INI:2: "port 9394" is not "key = value" (fix that line)',
    ],
    [
      "[station]\nport = 99999\n",
      'FAIL  config: INI:2: [station] port must be a number 1..65535, not "99999" (fix the value, or remove the line for the default)',
    ],
    [
      "[log]\nlevel = loud\n",
      'FAIL  config: INI:2: [log] level must be one of debug, info, warn, error, quiet, not "loud" (fix the value, or remove the line for the default)',
    ],
    [
      "[station]\nmax_frame = 16M\n",
      "FAIL  config: INI:2: [station] byte_burst (8388608) must be at least max_frame (16777216): a frame that large would always be over the byte rate; raise byte_burst or lower max_frame (fix the value, or remove the line for the default)",
    ],
  ];
  await Promise.all(cases.map(async ([text, expected], index) => {
    const ini = join(dir.path, `bad${index}.ini`);
    Deno.writeTextFileSync(ini, text);
    const run = await check([
      "--config",
      ini,
      "--data-dir",
      join(dir.path, "data"),
    ]);
    assert.equal(run.code, 1, text);
    assert.deepEqual(run.lines, [
      expected.replace("INI", ini),
      "skip  data dir: the config did not load",
      "skip  store: the config did not load",
      "skip  identity: the config did not load",
      "skip  port: the config did not load",
      "skip  admin: the config did not load",
      "1 of 6 checks failed (5 skipped)",
    ]);
  }));
  // a bad flag is a bad command line, as for dim station itself
  const flag = await dim(["station", "--check", "--admin", "nowhere:port"]);
  assert.equal(flag.code, 2);
  assert.match(
    flag.stderr,
    /^dim: station: the command line: \[admin\] listen /,
  );
  const missing = await check(["--config", join(dir.path, "nope.ini")]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.lines[0],
    `FAIL  config: cannot read the config file ${
      join(dir.path, "nope.ini")
    }: does not exist (check the path given by --config or DIM_CONFIG)`,
  );
});

Deno.test("dim station --check: identities that cannot run — not a station, not in the store, no private keys", async () => {
  using made = tempDir();
  using here = tempDir();
  const id = await generateStation(made.path, "gsp-s002");
  // a public export imported elsewhere: meta and visa, no private keys
  await copyPublicAccount(id, made.path, here.path);
  Deno.chmodSync(made.path, 0o700);
  Deno.chmodSync(here.path, 0o700);
  const unknown = "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC";
  const cases: [string, string, string][] = [
    [
      here.path,
      "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
      '[station] id hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj is not a station ID: name a station (made by "dim register generate station")',
    ],
    [
      here.path,
      unknown,
      `${unknown} is not in the store: make it with "dim register generate station" or import it`,
    ],
    [
      join(here.path, "empty"),
      unknown,
      `[station] id ${unknown} is not in the store (there is no store yet): make it with "dim register generate station" or import it with "dim register import"`,
    ],
    [
      here.path,
      id,
      `the store has no signing key of ${id} (the private key of its meta key): import the account with its private keys (dim register export --private, then dim register import)`,
    ],
  ];
  for (const [dataDir, station, expected] of cases) {
    const ini = join(here.path, "dim.ini");
    Deno.writeTextFileSync(ini, `[station]\nid = ${station}\n`);
    const run = await check(["--config", ini, "--data-dir", dataDir], [
      "--port",
      "0",
    ]);
    assert.equal(run.code, 1, run.lines.join("\n"));
    assert.equal(run.lines[3], `FAIL  identity: ${expected}`);
    assert.equal(run.lines.at(-1), "1 of 6 checks failed");
  }

  // two station accounts and no [station] id
  await generateStation(made.path, "gsp-s003");
  const ambiguous = await check(["--data-dir", made.path]);
  assert.equal(ambiguous.code, 1);
  assert.match(
    ambiguous.lines[3],
    /^FAIL {2}identity: the store holds 2 station accounts \(.*\): choose one with \[station\] id$/,
  );
});

Deno.test("dim station --check: a read-only data directory (as nobody when root) says so and how to fix it", async () => {
  using dir = tempDir();
  const readOnly = join(dir.path, "ro");
  Deno.mkdirSync(readOnly);
  const existing = join(dir.path, "existing");
  Deno.mkdirSync(existing);
  const asNobody = Deno.uid() === 0;
  const options: DimOptions = asNobody
    ? {
      uid: 65534,
      denoDir: await nobodyDenoDir(dir.path),
      env: { HOME: dir.path },
    }
    : {};
  const who = asNobody ? "uid 65534" : `uid ${Deno.uid()}`;
  // a store made by another user, in a directory this one cannot write
  Store.open({ dataDir: existing }).close();
  Deno.chmodSync(readOnly, 0o555);
  Deno.chmodSync(existing, 0o555);
  Deno.chmodSync(join(existing, "dim.db"), 0o444);
  try {
    const fix =
      "chown it to the user that runs the station, or choose another with --data-dir or [database] root";
    for (
      const [dataDir, expected] of [
        [
          readOnly,
          `FAIL  data dir: ${readOnly} is not writable by ${who} (permission denied): ${fix}`,
        ],
        [
          join(readOnly, "sub"),
          `FAIL  data dir: ${readOnly}/sub does not exist and cannot be made: ${readOnly} is not writable by ${who} (permission denied): make it, or ${fix}`,
        ],
        [
          existing,
          `FAIL  data dir: ${existing} is not writable by ${who} (permission denied): ${fix}`,
        ],
      ]
    ) {
      const run = await check(
        ["--data-dir", dataDir],
        ["--port", "0"],
        options,
      );
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(run.lines.slice(1, 4), [
        expected,
        "skip  store: the data directory is not usable",
        "skip  identity: the store is not usable",
      ]);
      assert.equal(run.lines.at(-1), "1 of 6 checks failed (2 skipped)");
    }
  } finally {
    Deno.chmodSync(readOnly, 0o755);
    Deno.chmodSync(existing, 0o755);
  }
});

Deno.test("dim station --check: a port in use, and an admin address on the station port", async () => {
  using dir = tempDir();
  Deno.chmodSync(dir.path, 0o700);
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  try {
    const ini = join(dir.path, "dim.ini");
    Deno.writeTextFileSync(
      ini,
      `[station]\nbind = 127.0.0.1\nport = ${port}\n`,
    );
    const busy = await check(["--config", ini, "--data-dir", dir.path]);
    assert.equal(busy.code, 1);
    assert.equal(
      busy.lines[4],
      `FAIL  port: 127.0.0.1:${port} is in use: stop what listens there (a station already running?) or choose another with [station] port or --port`,
    );
    assert.equal(busy.lines.at(-1), "1 of 6 checks failed");

    const free = freePort();
    const clash = await check(["--data-dir", dir.path], [
      "--host",
      "127.0.0.1",
      "--port",
      String(free),
      "--admin",
      `127.0.0.1:${free}`,
    ]);
    assert.equal(clash.code, 1);
    assert.equal(clash.lines[4], `ok    port: 127.0.0.1:${free} is free`);
    assert.equal(
      clash.lines[5],
      `FAIL  admin: 127.0.0.1:${free} is in use: stop what listens there (a station already running?) or choose another with [admin] listen or --admin`,
    );
  } finally {
    taken.close();
  }
});

Deno.test("dim station --check: a store that is not SQLite, or from a newer dim", async () => {
  using dir = tempDir();
  const junk = join(dir.path, "junk");
  Deno.mkdirSync(junk);
  Deno.writeTextFileSync(
    join(junk, "dim.db"),
    "not a database at all, " + "x".repeat(200),
  );
  const newer = join(dir.path, "newer");
  Store.open({ dataDir: newer }).close();
  const db = new DatabaseSync(join(newer, "dim.db"));
  db.exec("PRAGMA user_version = 99");
  db.close();
  const junkRun = await check(["--data-dir", junk], ["--port", "0"]);
  assert.equal(junkRun.code, 1);
  assert.equal(
    junkRun.lines[2],
    `FAIL  store: ${junk}/dim.db is not a SQLite database (file is not a database): move it away, or restore a backup with dim restore`,
  );
  assert.equal(junkRun.lines[3], "skip  identity: the store is not usable");
  const newerRun = await check(["--data-dir", newer], ["--port", "0"]);
  assert.equal(newerRun.code, 1);
  assert.equal(
    newerRun.lines[2],
    `FAIL  store: ${newer}/dim.db has schema version 99, this dim knows up to ${MIGRATIONS.length}: run a newer dim`,
  );
});

Deno.test("dim station --check: mistyped keys fail with 'did you mean', every bad value in one run, a loopback host on every address warns", async () => {
  using dir = tempDir();
  const data = join(dir.path, "data");
  const typos = join(dir.path, "typos.ini");
  const port = freePort();
  Deno.writeTextFileSync(
    typos,
    `[station]\nprot = 40001\nport = ${port}\nbind = 0.0.0.0\nhost = 127.0.0.1\n\n[log]\nlevle = debug\n\n[admin]\nsupervisors = hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj\n`,
  );
  const run = await check(["--config", typos, "--data-dir", data]);
  assert.equal(run.code, 1, run.lines.join("\n"));
  assert.deepEqual(run.lines.slice(0, 3), [
    `FAIL  config: ${typos}:2: [station] prot is not a dim setting (did you mean port?): it is ignored (fix the name, or remove the line)`,
    `FAIL  config: ${typos}:8: [log] levle is not a dim setting (did you mean level?): it is ignored (fix the name, or remove the line)`,
    `WARN  config: ${typos}:11: [admin] supervisors is not read by dim: the Python station's supervisors have no role in dim (dim's controls are the admin listener and the dim commands)`,
  ]);
  assert.ok(
    run.lines.includes(
      "WARN  port: listening on every address (0.0.0.0) while advertising the loopback host 127.0.0.1: other hosts can connect but are told to dial 127.0.0.1; set [station] host to the public name, or [station] bind = 127.0.0.1 to stay local",
    ),
    run.lines.join("\n"),
  );
  assert.equal(run.lines.at(-1), "2 of 9 checks failed, 2 warnings");

  const values = join(dir.path, "values.ini");
  Deno.writeTextFileSync(
    values,
    "[station]\nport = 99999\nsigners = many\n\n[log]\nlevel = develop\n",
  );
  const bad = await check(["--config", values, "--data-dir", data]);
  assert.equal(bad.code, 1);
  assert.deepEqual(bad.lines.slice(0, 3).map((l) => l.slice(0, 40)), [
    `FAIL  config: ${values}:2: [station] port`.slice(0, 40),
    `FAIL  config: ${values}:3: [station] signers`.slice(0, 40),
    `FAIL  config: ${values}:6: [log] level`.slice(0, 40),
  ]);
  assert.match(bad.lines[2], /:6: \[log\] level must be one of/);
  assert.equal(bad.lines.at(-1), "3 of 8 checks failed (5 skipped)");
});

Deno.test("dim station --check: a data directory or store open to other users is a warning naming the chmod", async () => {
  using dir = tempDir();
  const data = join(dir.path, "data");
  await generateStation(data, "gsp-s004");
  // made by dim: 0700 and 0600 whatever the umask (the test runs under 022)
  assert.equal(Deno.statSync(data).mode! & 0o777, 0o700);
  assert.equal(Deno.statSync(join(data, "dim.db")).mode! & 0o777, 0o600);
  const quiet = await check(["--data-dir", data], ["--port", "0"]);
  assert.equal(quiet.code, 0, quiet.lines.join("\n"));
  assert.equal(quiet.lines.at(-1), "all 6 checks passed");

  Deno.chmodSync(data, 0o755);
  Deno.chmodSync(join(data, "dim.db"), 0o644);
  const open = await check(["--data-dir", data], ["--port", "0"]);
  assert.equal(open.code, 0, "a warning does not fail the check");
  assert.deepEqual(open.lines.slice(6), [
    `WARN  data dir: ${data} is open to other users (mode 0755) and holds private keys: chmod 700 ${data}`,
    `WARN  store: ${data}/dim.db is open to other users (mode 0644) and holds private keys: chmod 600 ${data}/dim.db`,
    "all 6 checks passed, 2 warnings",
  ]);
});
