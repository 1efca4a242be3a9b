import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import {
  Logger,
  LogOptionError,
  parseLogFormat,
  parseLogLevel,
  redact,
  REDACTED,
} from "../../client/logger.ts";

const CLOCK = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

function capture(
  options: Parameters<typeof Logger.create>[0] = {},
): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Logger.create({
    now: CLOCK,
    sink: (line) => lines.push(line),
    ...options,
  });
  return { log, lines };
}

Deno.test("logger: JSON lines carry time, level, msg, then the fields in order", () => {
  const { log, lines } = capture({ format: "json", level: "debug" });
  log.info("connection open", { conn: 7, framing: "mtp", ok: true });
  log.debug("frame", { bytes: 42, list: [1, "a"], nested: { a: { b: 1 } } });
  assert.equal(
    lines[0],
    '{"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"connection open","conn":7,"framing":"mtp","ok":true}',
  );
  assert.deepEqual(JSON.parse(lines[1]), {
    time: "2026-01-02T03:04:05.678Z",
    level: "debug",
    msg: "frame",
    bytes: 42,
    list: [1, "a"],
    nested: { a: { b: 1 } },
  });
});

Deno.test("logger: a field named time, level or msg never replaces the fixed keys", () => {
  const { log, lines } = capture({ format: "json" });
  log.warn("real", { msg: "fake", level: "debug", time: 0 });
  const line = JSON.parse(lines[0]);
  assert.equal(line.msg, "real");
  assert.equal(line.level, "warn");
  assert.equal(line.time, "2026-01-02T03:04:05.678Z");
  assert.equal(line["field.msg"], "fake");
  assert.equal(line["field.level"], "debug");
});

Deno.test("logger: text lines are 'time LEVEL msg key=value' with quoting where needed", () => {
  const { log, lines } = capture({ format: "text" });
  log.info("handshake ok", {
    user: "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
    remote: "127.0.0.1:50122",
    note: 'two words "quoted"',
    empty: "",
    n: 3,
    obj: { a: 1 },
  });
  log.error("multi\nline\r\nmessage");
  assert.equal(
    lines[0],
    '2026-01-02T03:04:05.678Z INFO  handshake ok user=moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk remote=127.0.0.1:50122 note="two words \\"quoted\\"" empty="" n=3 obj="{\\"a\\":1}"',
  );
  assert.equal(lines[1], "2026-01-02T03:04:05.678Z ERROR multi line message");
});

Deno.test("logger: levels filter, quiet writes nothing, enabled() tells", () => {
  const { log, lines } = capture({ level: "warn", format: "json" });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ["w", "e"]);
  assert.equal(log.enabled("info"), false);
  assert.equal(log.enabled("warn"), true);
  log.setLevel("quiet");
  log.error("nothing");
  assert.equal(lines.length, 2);
  assert.equal(log.enabled("error"), false);
  assert.equal(log.level, "quiet");
});

Deno.test("logger: children bind fields; one setLevel changes the whole tree (SIGHUP)", () => {
  const { log, lines } = capture({
    format: "json",
    level: "info",
    fields: { station: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC" },
  });
  const conn = log.child({ conn: 1, framing: "ws" });
  const session = conn.child({
    user: "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
  });
  const sibling = log.child({ conn: 2 });
  session.debug("not yet");
  session.info("handshake ok", { conn: 99 });
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2026-01-02T03:04:05.678Z",
    level: "info",
    msg: "handshake ok",
    station: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC",
    conn: 99, // the call's fields win over bound ones
    framing: "ws",
    user: "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
  });
  session.setLevel("debug"); // set through a grandchild
  sibling.debug("now visible");
  log.debug("root too");
  assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l).msg), [
    "now visible",
    "root too",
  ]);
  assert.equal(log.level, "debug");
  assert.equal(sibling.level, "debug");
});

// a real RSA private key in the PEM forms dim and the reference use
const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
const PKCS1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const PKCS8 = rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const ECC_HEX =
  "3ad7c8a9e0b1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b";
const SESSION_KEY =
  "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

function secretsIn(line: string): string[] {
  const bodies = [PKCS1, PKCS8].map((pem) => pem.split("\n")[2]);
  return [...bodies, ECC_HEX, SESSION_KEY, "hunter2", "tok-123"].filter((s) =>
    line.includes(s)
  );
}

for (const format of ["json", "text"] as const) {
  Deno.test(`logger: nothing secret reaches a ${format} line`, () => {
    const { log, lines } = capture({ format, level: "debug" });
    log.info("keys", {
      privateKey: { algorithm: "ECC", data: ECC_HEX },
      private_key: PKCS1,
      account: {
        id: "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
        secretKey: { algorithm: "RSA", data: PKCS8 },
        msgKeys: [{ algorithm: "RSA", data: PKCS8 }],
      },
      password: "hunter2",
      deviceToken: "tok-123",
      session: SESSION_KEY,
      sessionKey: SESSION_KEY,
      command: { cmd: "handshake", title: "DIM?", session: SESSION_KEY },
    });
    log.warn(`imported a key: ${PKCS8} (done)`, { note: `pem ${PKCS1}` });
    log.error("failed", { error: new Error(`bad key ${PKCS1}`) });
    log.child({ key: { algorithm: "ECC", data: ECC_HEX } }).info("bound");
    assert.equal(lines.length, 4);
    for (const line of lines) assert.deepEqual(secretsIn(line), [], line);
    assert.ok(lines[0].includes(REDACTED));
    // what is not secret stays readable
    assert.ok(lines[0].includes("moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk"));
    assert.ok(lines[0].includes("handshake"));
    assert.ok(lines[1].includes("imported a key"));
    assert.ok(lines[1].includes("(done)"));
    if (format === "json") {
      const first = JSON.parse(lines[0]);
      assert.equal(first.privateKey, REDACTED);
      assert.equal(first.account.secretKey, REDACTED);
      assert.deepEqual(first.account.msgKeys, [REDACTED]);
      assert.equal(first.session, REDACTED);
      assert.equal(first.command.session, REDACTED);
      assert.equal(first.command.title, "DIM?");
      assert.equal(JSON.parse(lines[2]).error.name, "Error");
    }
  });
}

Deno.test("logger: a session field that is not a key stays (an address, a number)", () => {
  const { log, lines } = capture({ format: "json" });
  log.info("open", { session: "127.0.0.1:50122", sessions: 3 });
  const line = JSON.parse(lines[0]);
  assert.equal(line.session, "127.0.0.1:50122");
  assert.equal(line.sessions, 3);
});

Deno.test("logger: odd values become loggable (bigint, errors, bytes, cycles, maps, depth)", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  let deep: Record<string, unknown> = { end: true };
  for (let i = 0; i < 10; i++) deep = { deep };
  const cleaned = redact({
    big: 12345678901234567890n,
    error: new TypeError("nope"),
    bytes: new Uint8Array(5),
    cyclic,
    map: new Map([["a", 1]]),
    set: new Set(["x"]),
    nan: NaN,
    undef: undefined,
    date: new Date(0),
    deep,
  }) as Record<string, unknown>;
  assert.equal(cleaned.big, "12345678901234567890");
  assert.deepEqual(cleaned.error, { name: "TypeError", message: "nope" });
  assert.equal(cleaned.bytes, "<5 bytes>");
  assert.deepEqual(cleaned.cyclic, { name: "loop", self: "[circular]" });
  assert.deepEqual(cleaned.map, { a: 1 });
  assert.deepEqual(cleaned.set, ["x"]);
  assert.equal(cleaned.nan, "NaN");
  assert.equal(cleaned.undef, null);
  assert.equal(cleaned.date, "1970-01-01T00:00:00.000Z");
  assert.match(JSON.stringify(cleaned.deep), /"\[…\]"/);
  // a line with all of them is still one JSON object
  const { log, lines } = capture({ format: "json" });
  log.info("odd", cleaned);
  assert.equal(JSON.parse(lines[0]).msg, "odd");
});

Deno.test("logger: a sink that throws never reaches the caller", () => {
  const log = Logger.create({
    sink: () => {
      throw new Error("disk full");
    },
  });
  log.error("lost");
});

Deno.test("logger: parseLogLevel / parseLogFormat accept the words, refuse others", () => {
  assert.equal(parseLogLevel("DEBUG"), "debug");
  assert.equal(parseLogLevel(" warning "), "warn");
  assert.equal(parseLogLevel("quiet"), "quiet");
  assert.equal(parseLogFormat("JSON"), "json");
  assert.equal(parseLogFormat("text"), "text");
  for (const bad of ["loud", "", "trace"]) {
    assert.throws(() => parseLogLevel(bad), (e: unknown) => {
      assert.ok(e instanceof LogOptionError);
      assert.equal(e.name, "LogOptionError");
      assert.match(e.message, /debug, info, warn, error, quiet/);
      return true;
    });
  }
  assert.throws(() => parseLogFormat("xml"), LogOptionError);
  assert.throws(
    () => Logger.create().setLevel("loud" as "info"),
    LogOptionError,
  );
});

Deno.test("logger: the default sink is stderr, nothing on stdout", async () => {
  const script = `
    import { Logger } from ${
    JSON.stringify(new URL("../../client/logger.ts", import.meta.url).href)
  };
    Logger.create({ format: "json" }).info("to stderr", { n: 1 });
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stdout), "");
  const line = JSON.parse(new TextDecoder().decode(output.stderr));
  assert.equal(line.msg, "to stderr");
  assert.equal(line.n, 1);
  assert.equal(line.level, "info");
});
