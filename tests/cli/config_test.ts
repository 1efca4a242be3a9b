import assert from "node:assert/strict";
import {
  ConfigError,
  ConfigSyntaxError,
  ConfigValueError,
  ConfigValuesError,
  DEFAULT_STATION_HOST,
  DEFAULT_STATION_PORT,
  loadConfig,
  parseConfig,
  resolveStoreLocation,
  STATION_DEFAULTS,
} from "../../cli/config.ts";
import {
  CONFIG_KEYS,
  didYouMean,
  restartChanges,
} from "../../cli/config_keys.ts";
import { parseIni } from "../../cli/ini.ts";

const SHIPPED = new URL("../../etc/dim.ini", import.meta.url);

// the Python station's layout, with sections and keys dim does not read
const PYTHON_LAYOUT = `# -*- coding: utf-8 -*-
;   station config in the dimples layout

[database]
root      = /var/dim
public    = /var/dim/public
protected = /var/dim/protected
private   = /var/dim/private

[redis]
# host = 'localhost'
enable = off

[station]
host = 192.0.2.10
port = 9395
id   = gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC

[neighbors]
source = http://example.com/v1/stations.json
output = /var/dim/cfg_stations.json

[ans]
archivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9
Monitor: monitor@2sHT1d2y81sKUzAUJGbXjL5jXcjo3keX1P
apns      =

[monitor]
users_listeners =

[admin]
supervisors = hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj,
    moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk
`;

Deno.test("config: no file gives working defaults", () => {
  const config = parseConfig(undefined);
  assert.equal(config.source, undefined);
  assert.deepEqual(config.database, { root: undefined, path: undefined });
  assert.equal(config.station.id, undefined);
  assert.equal(config.station.host, DEFAULT_STATION_HOST);
  assert.equal(config.station.port, DEFAULT_STATION_PORT);
  assert.equal(config.ans.size, 0);
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.neighbors, {
    stations: [],
    source: undefined,
    output: undefined,
  });
});

Deno.test("config: the Python station's INI layout is read unchanged", () => {
  const config = parseConfig(PYTHON_LAYOUT, { source: "config.ini" });
  assert.equal(config.database.root, "/var/dim");
  assert.equal(config.station.host, "192.0.2.10");
  assert.equal(config.station.port, 9395);
  assert.equal(
    config.station.id?.value,
    "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC",
  );
  assert.equal(config.neighbors.source, "http://example.com/v1/stations.json");
  assert.equal(config.neighbors.output, "/var/dim/cfg_stations.json");
  // keys lower-cased, ':' as delimiter, empty values left out
  assert.deepEqual([...config.ans.keys()], ["archivist", "monitor"]);
  // the Python station's own keys are left alone with a warning, never an error
  assert.deepEqual(
    config.warnings.map((w) => [w.origin, `${w.section}.${w.key}`, w.unknown]),
    [
      ["config.ini:6", "database.public", false],
      ["config.ini:7", "database.protected", false],
      ["config.ini:8", "database.private", false],
      ["config.ini:32", "admin.supervisors", false],
    ],
  );
  // what dim does not read is kept as read
  assert.equal(config.ini.get("redis")?.get("enable")?.value, "off");
  assert.equal(
    config.ini.get("database")?.get("private")?.origin,
    "config.ini:8",
  );
});

Deno.test("config: etc/dim.ini parses to the defaults, and with every key uncommented sets every field", () => {
  const shipped = Deno.readTextFileSync(SHIPPED);
  const plain = loadConfig(SHIPPED.pathname, {});
  assert.deepEqual(
    { ...plain, source: undefined, ini: undefined },
    { ...parseConfig(undefined), source: undefined, ini: undefined },
  );
  const all = parseConfig(
    shipped.replace(/^# ([a-z_]+ =)/gm, "$1"),
    { source: "dim.ini" },
  );
  assert.ok(all.database.root && all.database.path);
  assert.ok(all.station.id);
  assert.equal(all.station.host, "127.0.0.1");
  assert.equal(all.station.port, 9394);
  assert.ok(all.neighbors.source && all.neighbors.output);
  assert.deepEqual(all.neighbors.stations, [
    { host: "10.0.0.2", port: 9394 },
    { host: "10.0.0.3", port: 9394 },
  ]);
  assert.equal(all.ans.size, 2);
  assert.deepEqual(all.warnings, []);
  // every [station] key is there, and the value shown is its default
  const keys = [
    "id",
    "host",
    "port",
    "bind",
    "name",
    "check_sender",
    "broadcast_to_users",
    "verify_routed",
    "offline_retention",
    "offline_cap",
    "max_frame",
    "idle_timeout",
    "handshake_timeout",
    "max_connections",
    "signers",
    "decrypters",
    "handshake_threads",
    "crypto_engine",
    "ecdsa_engine",
    "gc_after_storm",
    "gc_after_storm_growth",
    "max_sessions_per_ip",
    "exempt_loopback",
    "message_rate",
    "message_burst",
    "byte_rate",
    "byte_burst",
    "login_timeout",
    "shutdown_timeout",
    "with_bots",
    "self_warmup",
    "preload_users",
  ];
  assert.deepEqual([...all.ini.get("station")!.keys()].sort(), keys.sort());
  for (const [field, value] of Object.entries(STATION_DEFAULTS)) {
    assert.equal(
      all.station[field as keyof typeof STATION_DEFAULTS],
      value,
      field,
    );
  }
});

Deno.test("config: DIM_* variables override the file", () => {
  const config = parseConfig(PYTHON_LAYOUT, {
    source: "config.ini",
    env: {
      DIM_STATION_PORT: "9400",
      DIM_STATION_HOST: "198.51.100.7",
      DIM_ANS_ASSISTANT: "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
      DIM_DB: "/tmp/other.db",
      DIM_REDIS_ENABLE: "on", // not a section dim reads from the environment
      DIM_CONFIG: "/ignored.ini",
    },
  });
  assert.equal(config.station.port, 9400);
  assert.equal(config.station.host, "198.51.100.7");
  assert.equal(config.ans.get("assistant")?.name, "assistant");
  assert.equal(config.ans.size, 3);
  assert.equal(config.database.path, "/tmp/other.db");
  assert.equal(config.database.root, "/var/dim");
  assert.equal(config.ini.get("redis")?.get("enable")?.value, "off");
});

Deno.test("config: bad files are typed errors with the line", () => {
  const bad: [string, string, new (...a: never[]) => Error, RegExp][] = [
    ["key = value\n", "a key before a section", ConfigSyntaxError, /x\.ini:1:/],
    ["[station]\n\nport 9394\n", "no '='", ConfigSyntaxError, /x\.ini:3:/],
    ["[station]\n= 1\n", "no key", ConfigSyntaxError, /x\.ini:2:/],
    [
      "[station]\nport = 1\nPORT = 2\n",
      "a duplicate key",
      ConfigSyntaxError,
      /x\.ini:3: key "port" again/,
    ],
    [
      "[ans]\n[ANS]\n",
      "a duplicate section",
      ConfigSyntaxError,
      /x\.ini:2:/,
    ],
    [
      "[station]\nport = 99999\n",
      "a port out of range",
      ConfigValueError,
      /x\.ini:2: \[station\] port/,
    ],
    [
      "[station]\nport = 9394 # comment\n",
      "an inline comment",
      ConfigValueError,
      /x\.ini:2:/,
    ],
    [
      "[station]\nid = not-an-id\n",
      "a station ID that does not parse",
      ConfigValueError,
      /x\.ini:2: \[station\] id is not an ID/,
    ],
    [
      "\n[ans]\narchivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur8\n",
      "an ANS ID with a wrong checksum",
      ConfigValueError,
      /x\.ini:3: \[ans\] archivist/,
    ],
    [
      "[neighbors]\nstations = 10.0.0.2:9394, 10.0.0.3\n",
      "a neighbour without a port",
      ConfigValueError,
      /x\.ini:2: \[neighbors\] stations must be host:port items/,
    ],
    [
      "[log]\nlevel = develop\n",
      "a log level dim does not have",
      ConfigValueError,
      /x\.ini:2: \[log\] level must be one of debug, info/,
    ],
    [
      "[admin]\nlisten = everywhere\n",
      "an admin address that is not one",
      ConfigValueError,
      /x\.ini:2: \[admin\] listen must be PORT/,
    ],
  ];
  for (const [text, what, error, message] of bad) {
    assert.throws(
      () => parseConfig(text, { source: "x.ini" }),
      (e) => e instanceof error && message.test((e as Error).message),
      what,
    );
  }
  assert.throws(
    () => parseConfig(undefined, { env: { DIM_STATION_PORT: "ninety" } }),
    /environment DIM_STATION_PORT: \[station\] port/,
  );
  assert.throws(
    () => loadConfig("/nonexistent/dim.ini", {}),
    (e) => e instanceof ConfigError && /does not exist/.test(e.message),
  );
});

Deno.test("store location: --db, --data-dir, DIM_DB, DIM_DATA_DIR, [database] path, root, defaults", () => {
  const file = parseConfig("[database]\nroot = /f\npath = /f/x.db\n");
  const rootOnly = parseConfig("[database]\nroot = /f\n");
  const none = parseConfig(undefined);
  const env = { HOME: "/h" };
  const cases: [
    { dataDir?: string; db?: string },
    Record<string, string>,
    typeof file,
    [string, string],
  ][] = [
    [{ db: "/a.db", dataDir: "/d" }, env, file, ["/d", "/a.db"]],
    [{ dataDir: "/d" }, env, file, ["/d", "/d/dim.db"]],
    [{}, env, file, ["/f", "/f/x.db"]],
    [{}, env, rootOnly, ["/f", "/f/dim.db"]],
    [{}, { ...env, STATE_DIRECTORY: "/s" }, none, ["/s", "/s/dim.db"]],
    [{}, env, none, ["/h/.local/share/dim", "/h/.local/share/dim/dim.db"]],
  ];
  for (const [options, variables, config, [dataDir, path]] of cases) {
    assert.deepEqual(resolveStoreLocation(options, variables, config), {
      dataDir,
      path,
    });
  }
  // the environment is read into the config: DIM_DATA_DIR moves the file too
  const text = "[database]\nroot = /f\npath = /f/x.db\n";
  const withDir = parseConfig(text, { env: { DIM_DATA_DIR: "/e" } });
  assert.deepEqual(resolveStoreLocation({}, { DIM_DATA_DIR: "/e" }, withDir), {
    dataDir: "/e",
    path: "/e/dim.db",
  });
  const withDb = parseConfig(text, {
    env: { DIM_DATA_DIR: "/e", DIM_DB: "/e.db" },
  });
  assert.deepEqual(resolveStoreLocation({}, {}, withDb), {
    dataDir: "/e",
    path: "/e.db",
  });
});

/** Each `[station]` line is refused with "x.ini:2: [station] <key> must be …". */
function assertRefused(lines: readonly string[]): void {
  for (const line of lines) {
    assert.throws(
      () => parseConfig(`[station]\n${line}\n`, { source: "x.ini" }),
      (e: Error) =>
        e instanceof ConfigValueError &&
        e.message.startsWith(
          `x.ini:2: [station] ${line.split(" ")[0]} must be`,
        ),
      line,
    );
  }
}

Deno.test("config: the station settings take units, and bad values name the key", () => {
  const defaults = parseConfig(undefined).station;
  assert.equal(defaults.checkSender, true);
  assert.equal(defaults.broadcastToUsers, true);
  assert.equal(defaults.verifyRouted, false);
  assert.equal(defaults.offlineRetention, 7 * 86400);
  assert.equal(defaults.offlineCap, 20480);
  assert.equal(defaults.maxFrameBytes, 1024 * 1024);
  assert.equal(defaults.idleTimeout, 128);
  assert.equal(defaults.handshakeTimeout, 16);
  assert.equal(defaults.maxConnections, 10000);
  assert.equal(defaults.signers, 1);
  assert.equal(defaults.selfWarmup, 10000);
  assert.equal(defaults.cryptoEngine, "auto");
  assert.equal(defaults.ecdsaEngine, "auto");
  assert.equal(defaults.bind, undefined);

  const set = parseConfig(
    "[station]\nbind = 127.0.0.1\ncheck_sender = off\nbroadcast_to_users = no\n" +
      "verify_routed = yes\noffline_retention = 2h\noffline_cap = 100\nmax_frame = 64K\n" +
      "idle_timeout = 500ms\nhandshake_timeout = 1m\nmax_connections = 5\nsigners = 2\n" +
      "self_warmup = 0\ncrypto_engine = runtime\necdsa_engine = runtime\n",
  ).station;
  assert.equal(set.bind, "127.0.0.1");
  assert.equal(set.checkSender, false);
  assert.equal(set.broadcastToUsers, false);
  assert.equal(set.verifyRouted, true);
  assert.equal(set.offlineRetention, 7200);
  assert.equal(set.offlineCap, 100);
  assert.equal(set.maxFrameBytes, 64 * 1024);
  assert.equal(set.idleTimeout, 0.5);
  assert.equal(set.handshakeTimeout, 60);
  assert.equal(set.maxConnections, 5);
  assert.equal(set.signers, 2);
  assert.equal(set.selfWarmup, 0);
  assert.equal(set.cryptoEngine, "runtime");
  assert.equal(set.ecdsaEngine, "runtime");

  assertRefused([
    "check_sender = maybe",
    "offline_retention = -1",
    "offline_retention = 0",
    "offline_cap = 0",
    "max_frame = 1T",
    "idle_timeout = soon",
    "signers = 65",
    "self_warmup = many",
    "self_warmup = 100001",
    "crypto_engine = fast",
    "ecdsa_engine = openssl",
  ]);
  assert.equal(
    parseConfig(undefined, { env: { DIM_STATION_CHECK_SENDER: "false" } })
      .station.checkSender,
    false,
  );
  assert.equal(
    parseConfig(undefined, { env: { DIM_STATION_SELF_WARMUP: "500" } })
      .station.selfWarmup,
    500,
  );
  assert.equal(
    parseConfig(undefined, { env: { DIM_STATION_CRYPTO_ENGINE: "openssl" } })
      .station.cryptoEngine,
    "openssl",
  );
  assert.equal(
    parseConfig(undefined, {
      env: { DIM_STATION_ECDSA_ENGINE: "libsecp256k1" },
    }).station.ecdsaEngine,
    "libsecp256k1",
  );
});

Deno.test("config: [station] limits — rates, per-IP, loopback, login and shutdown timeouts; 0 turns a limit off", () => {
  const defaults = parseConfig(undefined).station;
  assert.equal(defaults.maxSessionsPerIp, 64);
  assert.equal(defaults.exemptLoopback, true);
  assert.equal(defaults.messageRate, 100);
  assert.equal(defaults.messageBurst, 1000);
  assert.equal(defaults.byteRate, 1024 * 1024);
  assert.equal(defaults.byteBurst, 8 * 1024 * 1024);
  assert.equal(defaults.loginTimeout, 60);
  assert.equal(defaults.shutdownTimeout, 10);

  const set = parseConfig(
    "[station]\nmax_sessions_per_ip = 0\nexempt_loopback = no\nmessage_rate = 5\n" +
      "message_burst = 10\nbyte_rate = 64K\nbyte_burst = 2M\nlogin_timeout = 500ms\n" +
      "shutdown_timeout = 1m\n",
  ).station;
  assert.equal(set.maxSessionsPerIp, 0);
  assert.equal(set.exemptLoopback, false);
  assert.equal(set.messageRate, 5);
  assert.equal(set.messageBurst, 10);
  assert.equal(set.byteRate, 64 * 1024);
  assert.equal(set.byteBurst, 2 * 1024 * 1024);
  assert.equal(set.loginTimeout, 0.5);
  assert.equal(set.shutdownTimeout, 60);
  // a byte rate of 0 is off: the burst is not compared with the frame cap
  assert.equal(
    parseConfig("[station]\nbyte_rate = 0\nbyte_burst = 1K\n").station.byteRate,
    0,
  );

  assertRefused([
    "max_sessions_per_ip = -1",
    "exempt_loopback = sometimes",
    "message_rate = fast",
    "message_burst = 0",
    "byte_rate = 1T",
    "byte_burst = 0",
    "login_timeout = 0",
    "shutdown_timeout = never",
  ]);
  assert.throws(
    () =>
      parseConfig("[station]\nmax_frame = 4M\nbyte_burst = 2M\n", {
        source: "x.ini",
      }),
    (e: Error) =>
      e instanceof ConfigValueError &&
      e.message ===
        "x.ini:3: [station] byte_burst (2097152) must be at least max_frame (4194304): a frame that large would always be over the byte rate; raise byte_burst or lower max_frame",
  );
});

Deno.test("config: a mistyped key in a known section is a warning with 'did you mean'; unknown sections stay silent", () => {
  const config = parseConfig(
    "[station]\nprot = 40001\n\n[log]\nlevle = debug\n\n[redis]\nhots = x\n",
    { source: "x.ini", env: { DIM_STATION_BYTE_RAET: "1M" } },
  );
  assert.equal(config.station.port, DEFAULT_STATION_PORT);
  assert.deepEqual(config.warnings.map((w) => [w.message, w.unknown]), [
    [
      "x.ini:2: [station] prot is not a dim setting (did you mean port?): it is ignored",
      true,
    ],
    [
      "environment DIM_STATION_BYTE_RAET: [station] byte_raet is not a dim setting (did you mean byte_rate?): it is ignored",
      true,
    ],
    [
      "x.ini:5: [log] levle is not a dim setting (did you mean level?): it is ignored",
      true,
    ],
  ]);
  const far = parseConfig("[station]\nzzzzzz = 1\n", { source: "x.ini" });
  assert.equal(
    far.warnings[0].message,
    "x.ini:2: [station] zzzzzz is not a dim setting: it is ignored",
  );
});

Deno.test("config: every bad value is named in one pass", () => {
  const text = [
    "[station]",
    "port = 99999",
    "signers = many",
    "idle_timeout = soon",
    "[log]",
    "level = develop",
    "[ans]",
    "archivist = nobody@nowhere@",
  ].join("\n");
  assert.throws(
    () => parseConfig(text, { source: "x.ini" }),
    (e) => {
      assert.ok(e instanceof ConfigValuesError);
      assert.deepEqual(
        e.errors.map((error) => `${error.origin} ${error.key}`),
        [
          "x.ini:2 port",
          "x.ini:3 signers",
          "x.ini:4 idle_timeout",
          "x.ini:6 level",
          "x.ini:8 archivist",
        ],
      );
      assert.match(e.message, /^5 bad values:\n {2}x\.ini:2: \[station\] port/);
      return true;
    },
  );
});

Deno.test("config: the schema's defaults are the parser's defaults, and SIGHUP names the keys that need a restart", () => {
  const lines: string[] = [];
  for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
    if (keys === "any" || section === "database") continue;
    lines.push(`[${section}]`);
    for (const [key, about] of Object.entries(keys)) {
      if (about.default !== undefined && !/[ ,(]/.test(about.default)) {
        lines.push(`${key} = ${about.default}`);
      }
    }
  }
  const written = parseConfig(lines.join("\n"), { source: "defaults.ini" });
  assert.deepEqual(written.station, parseConfig(undefined).station);
  assert.deepEqual(written.warnings, []);

  const before = parseIni(
    "[station]\nport = 9394\nname = a\n[log]\nlevel = info\n[ans]\nx = y\n",
    "a",
  );
  const after = parseIni(
    "[station]\nport = 9395\nbind = 127.0.0.1\n[log]\nlevel = debug\n[ans]\nx = z\n",
    "b",
  );
  assert.deepEqual(restartChanges(before, after), [
    "[station] port changed from 9394 to 9395",
    "[station] bind changed from (unset) to 127.0.0.1",
    "[station] name changed from a to (unset)",
  ]);
  assert.equal(didYouMean("prot", ["host", "port"]), "port");
  assert.equal(
    didYouMean("ofline_cap", ["offline_cap", "port"]),
    "offline_cap",
  );
  assert.equal(didYouMean("x", ["host", "port"]), undefined);
});
