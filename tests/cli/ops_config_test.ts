import assert from "node:assert/strict";
import { ConfigValueError, loadConfig, parseConfig } from "../../cli/config.ts";
import { loggerFor, readOpsConfig } from "../../cli/ops_config.ts";

const SHIPPED = new URL("../../etc/dim.ini", import.meta.url);

Deno.test("ops config: no file means info, text, admin off", () => {
  assert.deepEqual(readOpsConfig(parseConfig(undefined)), {
    log: { level: "info", format: "text" },
    admin: undefined,
  });
  // and so does the shipped etc/dim.ini as it is
  assert.deepEqual(readOpsConfig(loadConfig(SHIPPED.pathname, {})), {
    log: { level: "info", format: "text" },
    admin: undefined,
  });
});

Deno.test("ops config: etc/dim.ini with every key uncommented documents [log] and [admin] listen", () => {
  const all = Deno.readTextFileSync(SHIPPED).replace(/^# ([a-z_]+ =)/gm, "$1");
  assert.deepEqual(readOpsConfig(parseConfig(all, { source: "dim.ini" })), {
    log: { level: "info", format: "text" },
    admin: { hostname: "127.0.0.1", port: 9395 },
  });
});

Deno.test("ops config: the file, then DIM_* variables, then flags", () => {
  const ini = "[log]\nlevel = debug\nformat = json\n[admin]\nlisten = 9400\n";
  const fromFile = readOpsConfig(parseConfig(ini, { source: "dim.ini" }));
  assert.deepEqual(fromFile, {
    log: { level: "debug", format: "json" },
    admin: { hostname: "127.0.0.1", port: 9400 },
  });
  const env = parseConfig(ini, {
    source: "dim.ini",
    env: {
      DIM_LOG_LEVEL: "warning",
      DIM_LOG_FORMAT: "text",
      DIM_ADMIN_LISTEN: "0",
    },
  });
  assert.deepEqual(readOpsConfig(env), {
    log: { level: "warn", format: "text" },
    admin: undefined,
  });
  assert.deepEqual(
    readOpsConfig(env, {
      logLevel: "error",
      logFormat: "json",
      admin: "[::1]:9500",
    }),
    {
      log: { level: "error", format: "json" },
      admin: { hostname: "::1", port: 9500 },
    },
  );
});

Deno.test("ops config: bad values name where they were written", () => {
  const cases: [string, Record<string, string>, { admin?: string }, RegExp][] =
    [
      [
        "[log]\nlevel = loud\n",
        {},
        {},
        /^dim\.ini:2: \[log\] level must be one of debug, info, warn, error, quiet, not "loud"$/,
      ],
      [
        "[log]\nformat = xml\n",
        {},
        {},
        /^dim\.ini:2: \[log\] format must be one of json, text, not "xml"$/,
      ],
      [
        "[admin]\nlisten = localhost\n",
        {},
        {},
        /^dim\.ini:2: \[admin\] listen must be PORT, HOST:PORT or \[IPv6\]:PORT, not "localhost"$/,
      ],
      [
        "",
        { DIM_ADMIN_LISTEN: "99999" },
        {},
        /^environment DIM_ADMIN_LISTEN: \[admin\] listen must be 0\.\.65535 \(0: off\), not 99999/,
      ],
      [
        "",
        {},
        { admin: "x:y" },
        /^the command line: \[admin\] listen must be PORT/,
      ],
    ];
  for (const [ini, env, flags, message] of cases) {
    assert.throws(
      () => readOpsConfig(parseConfig(ini, { source: "dim.ini", env }), flags),
      (e: unknown) => {
        assert.ok(e instanceof ConfigValueError, String(e));
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

Deno.test("ops config: loggerFor makes the logger the settings describe", () => {
  const lines: string[] = [];
  const log = loggerFor(
    readOpsConfig(parseConfig("[log]\nlevel = warn\nformat = json\n")),
    { sink: (line) => lines.push(line), fields: { process: "station" } },
  );
  log.info("hidden");
  log.warn("shown");
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.msg, "shown");
  assert.equal(line.process, "station");
  assert.equal(log.level, "warn");
});
