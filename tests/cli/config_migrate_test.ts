import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../cli/config.ts";
import { migrateConfig } from "../../cli/config_migrate.ts";
import {
  type PyAssignment,
  PySymbol,
  PythonConfigError,
  readPythonConfig,
} from "../../cli/python_config.ts";
import { dim, tempDir } from "./_dim.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const PY_2021 = join(FIXTURES, "config_2021.py");
const PY_LATE = join(FIXTURES, "config_2021_late.py");
const INI = join(FIXTURES, "station.ini");

function value(assignment: PyAssignment | undefined): unknown {
  assert.ok(assignment, "assigned");
  assert.ok("value" in assignment, JSON.stringify(assignment));
  return assignment.value;
}

Deno.test("python config: plain assignments are read as data, names resolved, code left alone", () => {
  const config = readPythonConfig(Deno.readTextFileSync(PY_2021), "config.py");
  const a = config.assignments;
  assert.equal(
    value(a.get("station_id")),
    "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD",
  );
  assert.equal(value(a.get("station_port")), 9395);
  assert.equal(value(a.get("apns_use_sandbox")), false);
  // the if block's body is conditional: the plain assignment stands
  assert.equal(value(a.get("base_dir")), "/data/.dim");
  assert.deepEqual(value(a.get("local_servers")), [
    "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD",
  ]);
  const all = value(a.get("all_stations")) as unknown[];
  assert.equal(all.length, 4);
  assert.equal(all[0], "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD");
  assert.deepEqual(
    all[2],
    new Map<string, unknown>([
      ["ID", "gsp-s203@vm2wp9y9X2tCPfwH3mY5JKgM3beFKcRxB"],
      ["host", "198.51.100.7"],
      ["port", 9394],
    ]),
  );
  const records = value(a.get("ans_reserved_records")) as Map<string, unknown>;
  assert.equal(
    records.get("assistant"),
    "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
  );
  assert.equal(records.get("hulk"), "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
  assert.deepEqual(a.get("tuling_keys"), {
    line: 48,
    unsupported:
      "Storage.read_json(path=os.path.join(etc, 'tuling', 'secret.js'))",
  });
  assert.deepEqual(
    config.skipped.map((s) => s.text),
    [
      "import os",
      "from libs.common import Storage",
      "if not os.path.exists(apns_credentials):",
    ],
  );
});

Deno.test("python config: the later 2021 forms — Log.LEVEL, ID.parse, raw strings, numbers, ';'", () => {
  const a = readPythonConfig(Deno.readTextFileSync(PY_LATE), "config.py")
    .assignments;
  assert.deepEqual(value(a.get("Log.LEVEL")), new PySymbol("Log.RELEASE"));
  assert.equal(value(a.get("station_id")), null);
  assert.equal(
    value(a.get("assistant_id")),
    "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
  );
  assert.equal(
    value(a.get("archivist_id")),
    "archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9",
  );
  assert.equal(value(a.get("base_dir")), "/var/dim");
  assert.deepEqual(value(a.get("tuling_ignores")), [4003, 16, -1, 1000]);
  assert.equal(value(a.get("note")), "a\tbc");
});

Deno.test("python config: nothing in the file is ever run", () => {
  using dir = tempDir();
  const marker = join(dir.path, "ran");
  const text = [
    `import os; os.system("touch ${marker}")`,
    `x = __import__("os").system("touch ${marker}")`,
    `y = open("${marker}", "w")`,
    `z = [f"{os.system('touch ${marker}')}"]`,
    `exec("open('${marker}', 'w')")`,
    `station_id = 'gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD'`,
  ].join("\n");
  const config = readPythonConfig(text, "evil.py");
  assert.throws(() => Deno.statSync(marker), Deno.errors.NotFound);
  for (const name of ["x", "y", "z"]) {
    assert.ok("unsupported" in config.assignments.get(name)!, name);
  }
  assert.equal(
    value(config.assignments.get("station_id")),
    "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD",
  );
  assert.equal(config.skipped.length, 3); // import, os.system(...), exec(...)
});

Deno.test("python config: text that is not Python gives PythonConfigError with its line", () => {
  const cases: [string, number, RegExp][] = [
    ["a = 1\nb = 'open\n", 2, /a string that does not end on its line/],
    ["a = '''never\nclosed\n", 1, /a string that does not end/],
    ["a = [1,\n 2\n", 3, /a bracket that does not close/],
    ["a = 1)\n", 1, /"\)" closes nothing/],
    ["a = 1\nb = $\n", 2, /"\$" is not Python/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(() => readPythonConfig(text, "bad.py"), (e: unknown) => {
      assert.ok(e instanceof PythonConfigError, text);
      assert.equal(e.name, "PythonConfigError");
      assert.equal(e.line, line, text);
      assert.match(e.message, new RegExp(`^bad\\.py:${line}: `));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("config migrate: the 2021 config.py becomes our settings, neighbours and notes", () => {
  const m = migrateConfig(Deno.readTextFileSync(PY_2021), "config.py");
  assert.equal(m.from, "config.py");
  const values = Object.fromEntries(
    [...m.values].map(([s, keys]) => [s, Object.fromEntries(keys)]),
  );
  assert.deepEqual(values, {
    station: {
      id: "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD",
      name: "Test Station (Lab)",
      bind: "0.0.0.0",
      port: "9395",
    },
    database: { root: "/data/.dim" },
    ans: {
      founder: "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
      assistant: "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
      archivist: "archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9",
      xiaoxiao: "xiaoxiao@2PhVByg7PhEtYPNzW5ALk9ygf6wop1gTccp",
      moki: "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
      hulk: "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
    },
  });
  assert.deepEqual(m.neighbors, [
    {
      ID: "gsp-s109@rSWMVqbwTz4radJFrpfcYzQo9XibhZC7w",
      host: "192.0.2.10",
      port: 9394,
    },
    {
      ID: "gsp-s203@vm2wp9y9X2tCPfwH3mY5JKgM3beFKcRxB",
      host: "198.51.100.7",
      port: 9394,
    },
  ]);
  const notes = m.notes.join("\n");
  assert.match(
    notes,
    /gsp-hk4@2AF3HkMockiHSXfABQuBGdGWbxaUVy7s83 has no host and port/,
  );
  assert.match(
    notes,
    /config\.py:\d+: tuling_keys = Storage\.read_json\(.*\) is code, not data/,
  );
  assert.match(
    notes,
    /config\.py:\d+: apns_credentials = os\.path\.join\(.*\) is code, not data/,
  );
  assert.match(notes, /apns_topic has no dim setting/);
  assert.match(notes, /local_servers has no dim setting/);
  assert.match(notes, /dim keeps one SQLite file \(dim\.db\) in \/data\/\.dim/);
});

Deno.test("config migrate: the later 2021 form — bind/local names, log level, ID.parse, station_id from gsp.js", () => {
  const m = migrateConfig(Deno.readTextFileSync(PY_LATE), "config.py");
  const get = (s: string, k: string) => m.values.get(s)?.get(k);
  assert.equal(get("station", "bind"), "0.0.0.0");
  assert.equal(get("station", "port"), "9394");
  assert.equal(get("station", "host"), "203.0.113.5");
  assert.equal(get("station", "id"), undefined);
  assert.equal(get("log", "level"), "warn");
  assert.equal(
    get("ans", "assistant"),
    "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
  );
  assert.equal(get("database", "root"), "/var/dim");
  assert.match(
    m.notes.join("\n"),
    /station_id is not set \(it came from gsp\.js\): set \[station\] id/,
  );
  assert.match(m.notes.join("\n"), /gsp_conf = os\.path\.join/);
});

Deno.test("config migrate: a bad ID is a note, not a setting", () => {
  const m = migrateConfig(
    "station_id = 'not an id'\narchivist_id = 42\n",
    "config.py",
  );
  assert.equal(m.values.get("station")?.get("id"), undefined);
  assert.match(m.notes.join("\n"), /station_id = "not an id" is not an ID/);
  assert.match(m.notes.join("\n"), /archivist_id is 42, not an ID/);
});

Deno.test("config migrate: today's station.ini keeps what dim reads, lists what it drops", () => {
  const m = migrateConfig(Deno.readTextFileSync(INI), "station.ini");
  assert.equal(m.from, "ini");
  const values = Object.fromEntries(
    [...m.values].map(([s, keys]) => [s, Object.fromEntries(keys)]),
  );
  assert.deepEqual(values, {
    database: { root: "/var/dim" },
    station: {
      id: "gsp-s002@wpjUWg1oYDnkHh74tHQFPxii6q9j3ymnyW",
      host: "198.51.100.20",
      port: "9394",
      bind: "0.0.0.0",
    },
    neighbors: {
      source: "http://example.invalid/v1/stations.json",
      output: "/var/dim/stations.json",
    },
    ans: {
      archivist: "archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9",
      announcer: "announcer@2eeuFaNRGPYZo8axm2q7sH98UaFCQedqsE",
      assistant: "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
    },
  });
  const notes = m.notes.join("\n");
  assert.match(notes, /\[redis\] has no dim settings/);
  assert.match(notes, /\[announcer\] has no dim settings/);
  assert.match(
    notes,
    /station\.ini:4: \[database\] public is not read by dim \(dim keeps everything in one SQLite file\): not migrated/,
  );
  assert.match(
    notes,
    /station\.ini:31: \[admin\] supervisors is not read by dim \(the Python station's supervisors have no role in dim/,
  );
  // each note once
  assert.equal(new Set(m.notes).size, m.notes.length);
  assert.equal(m.notes.filter((n) => /public/.test(n)).length, 1);
});

Deno.test("config migrate: every skipped statement of config.py is a note with its line; values dim refuses are dropped with a note", () => {
  const py = [
    "import os",
    "from dimples import ID",
    "station_port = 9395",
    "if os.environ.get('DEBUG'):",
    "    station_port = 9999",
    "try:",
    "    base_dir = '/srv'",
    "except Exception:",
    "    pass",
    "print('hello')",
    "",
  ].join("\n");
  const m = migrateConfig(py, "config.py");
  assert.equal(m.values.get("station")?.get("port"), "9395");
  assert.deepEqual(m.notes, [
    'config.py:1: "import os" is code, not a plain assignment: skipped',
    'config.py:2: "from dimples import ID" is code, not a plain assignment: skipped',
    `config.py:4: "if os.environ.get('DEBUG'):" is code, not a plain assignment: skipped`,
    'config.py:6: "try:" is code, not a plain assignment: skipped',
    'config.py:8: "except Exception:" is code, not a plain assignment: skipped',
    `config.py:10: "print('hello')" is code, not a plain assignment: skipped`,
  ]);

  const ini = migrateConfig(
    "[station]\nport = 9394\nsigners = lots\n[log]\nlevel = develop\nformat = text\n",
    "station.ini",
  );
  assert.equal(ini.values.get("log")?.get("level"), undefined);
  assert.equal(ini.values.get("log")?.get("format"), "text");
  assert.equal(ini.values.get("station")?.get("signers"), undefined);
  assert.deepEqual(ini.notes, [
    'station.ini: [station] signers = lots is refused by dim (must be a count 0..64, not "lots"): not migrated',
    'station.ini: [log] level = develop is refused by dim (must be one of debug, info, warn, error, quiet, not "develop"): not migrated',
  ]);
});

Deno.test("dim config migrate: stdout is a config dim loads; --output / --neighbors write files", async () => {
  using dir = tempDir();
  const run = await dim(["config", "migrate", PY_2021]);
  assert.equal(run.code, 0, run.stderr);
  const loaded = parseConfig(run.stdout, { source: "migrated" });
  assert.equal(
    loaded.station.id?.value,
    "gsp-s100@2Bsp9RYBeQeQxvmLaHJ6CZJRAterPYPDBD",
  );
  assert.equal(loaded.station.port, 9395);
  assert.equal(loaded.database.root, "/data/.dim");
  assert.equal(
    loaded.ans.get("archivist")?.value,
    "archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9",
  );
  assert.equal(loaded.ini.get("station")?.get("bind")?.value, "0.0.0.0");
  assert.match(run.stdout, /^#\s+- .*tuling_keys/m);
  assert.match(
    run.stdout,
    /^#\s+192\.0\.2\.10:9394 gsp-s109@rSWMVqbwTz4radJFrpfcYzQo9XibhZC7w$/m,
  );
  assert.match(run.stderr, /^dim: .*: (not migrated|skipped)$/m);
  assert.match(
    run.stderr,
    /dim: migrated .*config_2021\.py \(config\.py\): \d+ settings, 2 neighbours, \d+ notes\n$/,
  );

  const output = join(dir.path, "dim.ini");
  const neighbors = join(dir.path, "stations.json");
  const files = await dim([
    "config",
    "migrate",
    PY_2021,
    "--output",
    output,
    "--neighbors",
    neighbors,
  ]);
  assert.equal(files.code, 0, files.stderr);
  assert.equal(files.stdout, "");
  const written = parseConfig(Deno.readTextFileSync(output), {
    source: output,
  });
  assert.equal(written.neighbors.output, neighbors);
  assert.deepEqual(JSON.parse(Deno.readTextFileSync(neighbors)), {
    stations: [
      {
        ID: "gsp-s109@rSWMVqbwTz4radJFrpfcYzQo9XibhZC7w",
        host: "192.0.2.10",
        port: 9394,
      },
      {
        ID: "gsp-s203@vm2wp9y9X2tCPfwH3mY5JKgM3beFKcRxB",
        host: "198.51.100.7",
        port: 9394,
      },
    ],
  });
  const again = await dim(["config", "migrate", PY_2021, "--output", output]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /dim\.ini exists; pass --force to replace it/);
  const forced = await dim([
    "config",
    "migrate",
    INI,
    "--output",
    output,
    "--force",
  ]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(
    parseConfig(Deno.readTextFileSync(output)).station.host,
    "198.51.100.20",
  );
});

Deno.test("dim config migrate: bad command lines and files", async () => {
  using dir = tempDir();
  const bad = join(dir.path, "config.py");
  Deno.writeTextFileSync(bad, "station_id = 'gsp\nport = 1\n");
  const broken = await dim(["config", "migrate", bad]);
  assert.equal(broken.code, 1);
  assert.match(
    broken.stderr,
    /^dim: .*config\.py:1: a string that does not end on its line\n/,
  );
  const missing = await dim(["config", "migrate", join(dir.path, "none.py")]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^dim: cannot read .*none\.py: does not exist/,
  );
  const none = await dim(["config", "migrate"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /config migrate takes one file/);
  const action = await dim(["config", "explode"]);
  assert.equal(action.code, 2);
  assert.match(action.stderr, /config: unknown action "explode"/);
  const help = await dim(["config", "migrate", "--help"]);
  assert.equal(help.code, 0);
  assert.match(
    help.stdout,
    /^usage: dim config show .*\n {7}dim config migrate <path>/,
  );
});
