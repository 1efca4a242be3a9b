import assert from "node:assert/strict";
import { join } from "node:path";

const UNITS_DIR = new URL("../../etc/systemd/", import.meta.url).pathname;
const UNITS = [
  "dim-station.service",
  "dim-archivist.service",
  "dim-assistant.service",
];

function has(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const SYSTEMD_ANALYZE = has("systemd-analyze", ["--version"]);
const STRACE = SYSTEMD_ANALYZE &&
  has("strace", ["-f", "-qq", "-o", "/dev/null", "true"]);
const NO_ANALYZE = SYSTEMD_ANALYZE
  ? ""
  : " (skipped: no systemd-analyze here; Debian: apt-get install systemd)";
const NO_STRACE = STRACE
  ? ""
  : SYSTEMD_ANALYZE
  ? " (skipped: strace not usable here; apt-get install strace)"
  : NO_ANALYZE;
for (const reason of new Set([NO_ANALYZE, NO_STRACE])) {
  if (reason !== "") {
    Deno.stderr.writeSync(new TextEncoder().encode(`systemd tests${reason}\n`));
  }
}

/** The unit's [Service] (and other) keys; repeated keys keep every value. */
function readUnit(name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = "";
  for (const raw of Deno.readTextFileSync(join(UNITS_DIR, name)).split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const at = line.indexOf("=");
    assert.ok(at > 0, `${name}: "${line}" is not key=value`);
    const key = `${section}.${line.slice(0, at)}`;
    keys.set(key, [...(keys.get(key) ?? []), line.slice(at + 1)]);
  }
  return keys;
}

/** Copies of the units whose ExecStart names an executable that exists. */
function unitsWithBinary(dir: string, extra = ""): string[] {
  const binary = join(dir, "dim");
  Deno.writeTextFileSync(binary, "#!/bin/sh\nexit 0\n");
  Deno.chmodSync(binary, 0o755);
  return UNITS.map((name) => {
    const path = join(dir, name);
    const text = Deno.readTextFileSync(join(UNITS_DIR, name))
      .replaceAll("/usr/local/bin/dim", binary) + extra;
    Deno.writeTextFileSync(path, text);
    return path;
  });
}

for (const name of UNITS) {
  Deno.test(`systemd: ${name} is hardened as promised`, () => {
    const unit = readUnit(name);
    const one = (key: string) => {
      const values = unit.get(`Service.${key}`);
      assert.ok(values, `${name}: no ${key}`);
      return values.at(-1);
    };
    const bot = name.replace(/^dim-|\.service$/g, "");
    assert.equal(
      one("ExecStart"),
      `/usr/local/bin/dim ${bot} --config /etc/dim/dim.ini`,
    );
    // the station says READY once listening, a bot after its handshake
    assert.equal(one("Type"), "notify");
    assert.equal(one("NotifyAccess"), "main");
    assert.equal(one("Restart"), "on-failure");
    assert.equal(one("DynamicUser"), "yes");
    assert.equal(
      one("User"),
      "dim",
      "one dynamic user shared by station and bots",
    );
    assert.equal(one("StateDirectory"), "dim");
    assert.equal(one("ConfigurationDirectory"), "dim");
    assert.equal(one("ProtectSystem"), "strict");
    assert.equal(one("ProtectHome"), "yes");
    assert.equal(one("PrivateTmp"), "yes");
    assert.equal(one("NoNewPrivileges"), "yes");
    assert.equal(one("RestrictAddressFamilies"), "AF_INET AF_INET6 AF_UNIX");
    assert.equal(one("LimitNOFILE"), "65536");
    assert.equal(one("CapabilityBoundingSet"), "");
    assert.match(one("SystemCallFilter")!, /^@system-service( |$)/);
    assert.equal(one("SystemCallErrorNumber"), "EPERM");
    assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert.equal(unit.get("Install.WantedBy")?.[0], "multi-user.target");
    // V8's JIT needs W+X pages
    assert.equal(unit.has("Service.MemoryDenyWriteExecute"), false);
  });
}

Deno.test({
  name: "systemd: systemd-analyze verify accepts every unit without a warning" +
    NO_ANALYZE,
  ignore: !SYSTEMD_ANALYZE,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-systemd-test-" });
    try {
      const output = await new Deno.Command("systemd-analyze", {
        args: ["verify", "--man=no", ...unitsWithBinary(dir)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      assert.equal(stderr, "");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "systemd: the verify step does catch a bad key and a missing binary" +
    NO_ANALYZE,
  ignore: !SYSTEMD_ANALYZE,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-systemd-test-" });
    try {
      const [station] = unitsWithBinary(dir, "[Service]\nLimitNOFILEX=1\n");
      const bad = await new Deno.Command("systemd-analyze", {
        args: ["verify", "--man=no", station],
        stderr: "piped",
      }).output();
      assert.match(
        new TextDecoder().decode(bad.stderr),
        /Unknown key 'LimitNOFILEX'/,
      );
      Deno.removeSync(join(dir, "dim"));
      const missing = await new Deno.Command("systemd-analyze", {
        args: ["verify", "--man=no", station],
        stderr: "piped",
      }).output();
      assert.notEqual(missing.code, 0);
      assert.match(
        new TextDecoder().decode(missing.stderr),
        /is not executable/,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "systemd: the offline security exposure of every unit is at most 2.0" +
    NO_ANALYZE,
  ignore: !SYSTEMD_ANALYZE,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-systemd-test-" });
    try {
      for (const unit of unitsWithBinary(dir)) {
        const output = await new Deno.Command("systemd-analyze", {
          args: ["security", "--offline=yes", "--threshold=20", unit],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(output.stdout);
        assert.equal(output.code, 0, text.split("\n").slice(-3).join("\n"));
        assert.match(
          text,
          /Overall exposure level for dim-\w+\.service: [0-2]\.\d/,
        );
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

/** Every system call in a systemd syscall-filter group, groups expanded. */
async function expandFilter(filter: string[]): Promise<Set<string>> {
  const output = await new Deno.Command("systemd-analyze", {
    args: ["syscall-filter"],
    stdout: "piped",
  }).output();
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of new TextDecoder().decode(output.stdout).split("\n")) {
    if (raw.startsWith("@")) {
      current = [];
      groups.set(raw.trim(), current);
    } else if (current && raw.trim() !== "" && !raw.trim().startsWith("#")) {
      current.push(raw.trim().split(/\s/)[0]);
    }
  }
  const allowed = new Set<string>();
  const add = (item: string) => {
    if (!item.startsWith("@")) return void allowed.add(item);
    for (const member of groups.get(item) ?? []) add(member);
  };
  filter.forEach(add);
  assert.ok(allowed.size > 200, "the groups were read");
  return allowed;
}

Deno.test({
  name:
    "systemd: every system call a station-like Deno workload makes passes the units' seccomp filter" +
    NO_STRACE,
  ignore: !STRACE,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-systemd-test-" });
    try {
      const trace = join(dir, "trace");
      const run = await new Deno.Command("strace", {
        args: [
          "-f",
          "-qq",
          "-o",
          trace,
          Deno.execPath(),
          "run",
          "--allow-all",
          new URL("./_workload_child.ts", import.meta.url).pathname,
          join(dir, "work"),
        ],
        stdout: "null",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, stderr);
      assert.match(stderr, /workload done/);
      const used = new Set<string>();
      for (const line of Deno.readTextFileSync(trace).split("\n")) {
        const match = /^\d+\s+([a-z0-9_]+)\(/.exec(line);
        if (match) used.add(match[1]);
      }
      assert.ok(used.has("openat") && used.has("bind"), "the trace was read");
      const filter = readUnit("dim-station.service").get(
        "Service.SystemCallFilter",
      )!.at(-1)!.split(/\s+/);
      const allowed = await expandFilter(filter);
      // execve starts the traced program itself (systemd runs it before the filter applies)
      const refused = [...used].filter((s) =>
        !allowed.has(s) && s !== "execve"
      );
      assert.deepEqual(refused, [], `refused by SystemCallFilter: ${refused}`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
