/**
 * The log of a real `dim station` process, in both formats: one line per
 * connection open and close, per handshake (with the ID), and per error —
 * and no session key or private key anywhere, even at debug level.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { parseId } from "../../dimp/identity/mod.ts";
import { encodeMtpPackage, MtpType } from "../../dimp/transport/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { startLocalStation, type StationChild, stopStation } from "./_child.ts";
import { accounts, closeAll, online, type Received, World } from "./_peer.ts";
import { RawClient } from "./transport/_helpers.ts";

const [alice, bob] = await accounts(2);
const isText = (r: Received) => r.instant?.content instanceof TextContent;

/** What the scenario leaves behind to look for in the log. */
interface Scenario {
  readonly child: StationChild;
  readonly log: string;
  /** The session keys the station gave alice and bob. */
  readonly sessionKeys: string[];
  /** The station's private keys as stored (their `data`). */
  readonly privateKeys: string[];
}

/**
 * Runs a station with `logArgs`; alice and bob handshake, alice sends bob a
 * text; a raw MTP client sends a line that is not UTF-8, then a frame
 * over the cap; all close; the station stops.
 */
async function scenario(logArgs: string[]): Promise<Scenario> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-logs-" });
  try {
    const child = await startLocalStation(dir, logArgs);
    const world = new World();
    const peers = await online(child.port, [alice, bob], { world });
    const sessionKeys = peers.map((peer) => peer.sessionKey!);
    try {
      await peers[0].sendContent(bob.id, TextContent.create("logged?"));
      await peers[1].next(isText);
      const raw = await RawClient.connect(child.port);
      const frame = (body: Uint8Array) =>
        encodeMtpPackage({
          type: MtpType.MESSAGE,
          sn: crypto.getRandomValues(new Uint8Array(8)),
          body,
        });
      await raw.write(frame(new Uint8Array([0xff, 0xfe, 0xfd])));
      await raw.readSome(300);
      // a header announcing 2 GiB: over the frame cap, a framing error
      const header = frame(new Uint8Array(0));
      new DataView(header.buffer).setUint32(header.length - 4, 0x7fffffff);
      await raw.write(header);
      assert.equal((await raw.readToEnd(3000)).eof, true);
      raw.close();
    } finally {
      await closeAll(peers);
    }
    // the station sees the closes before it stops
    const deadline = Date.now() + 5000;
    while (
      (child.log().match(/connection closed/g) ?? []).length < 3 &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
    const store = Store.open({ dataDir: dir });
    const privateKeys: string[] = [];
    try {
      const accountsFacade = new Accounts(store);
      const id = parseId(child.id);
      for (
        const key of [
          accountsFacade.identityKey(id),
          ...accountsFacade.decryptionKeys(id),
        ]
      ) {
        privateKeys.push(String(key!.toDictionary().data));
      }
    } finally {
      store.close();
    }
    return { child, log: child.log(), sessionKeys, privateKeys };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function assertNothingSecret(run: Scenario): void {
  assert.equal(run.sessionKeys.length, 2);
  for (const key of run.sessionKeys) {
    assert.equal(key.length, 64);
    assert.ok(!run.log.includes(key), "a session key in the log");
  }
  assert.ok(run.privateKeys.length >= 2);
  for (const data of run.privateKeys) {
    // a PEM body or a hex key: look for a good part of it
    const probe = data.replace(/-----[A-Z ]+-----|\s/g, "").slice(0, 40);
    assert.ok(probe.length >= 40);
    assert.ok(!run.log.includes(probe), "a private key in the log");
  }
  assert.doesNotMatch(run.log, /PRIVATE KEY/);
}

Deno.test("logs (json, debug): one line per connection open and close, per handshake with the ID, per error; nothing secret", async () => {
  const run = await scenario(["--log", "debug", "--log-format", "json"]);
  const lines = run.log.trimEnd().split("\n").map((line) => JSON.parse(line));
  for (const line of lines) {
    assert.equal(typeof line.time, "string");
    assert.ok(["debug", "info", "warn", "error"].includes(line.level));
    assert.equal(typeof line.msg, "string");
  }
  const named = (msg: string) => lines.filter((line) => line.msg === msg);
  const handshakes = named("handshake");
  assert.deepEqual(
    handshakes.map((line) => line.user).sort(),
    [alice.id.value, bob.id.value].sort(),
    "one line per handshake, with the ID",
  );
  for (const handshake of handshakes) {
    assert.equal(handshake.level, "info");
    assert.equal(handshake.framing, "mtp");
    assert.match(handshake.remote, /^127\.0\.0\.1:\d+$/);
    const conn = handshake.conn;
    const opens = named("connection open").filter((l) => l.conn === conn);
    assert.equal(opens.length, 1);
    assert.equal(opens[0].level, "info");
    assert.equal(opens[0].remote, handshake.remote);
    const closes = named("connection closed").filter((l) => l.conn === conn);
    assert.equal(closes.length, 1);
    assert.equal(closes[0].user, handshake.user);
    assert.equal(closes[0].reason, "peer");
    assert.ok(closes[0].bytesIn > 0 && closes[0].bytesOut > 0);
    assert.equal(typeof closes[0].seconds, "number");
  }
  // the raw client: its bad line and its junk, then its close
  const errors = named("connection error");
  assert.equal(errors.length, 2, JSON.stringify(errors));
  assert.equal(errors[0].level, "warn");
  assert.match(
    errors[0].error,
    /^DiscardedLinesError: 1 line\(s\) dropped: .*UTF-8/,
  );
  assert.match(errors[1].error, /^FramingError: /);
  const rawClose = named("connection closed").filter((l) =>
    l.conn === errors[0].conn
  );
  assert.equal(rawClose.length, 1);
  assert.equal(rawClose[0].reason, "framing-error");
  assert.equal(rawClose[0].user, undefined);
  assert.equal(named("connection open").length, 3);
  assert.equal(named("connection closed").length, 3);
  // debug has the offer answered with DIM? too — without the key
  assert.ok(named("handshake: session key sent (DIM?)").length >= 2);
  assertNothingSecret(run);
});

Deno.test("logs (text, info): the same lines, readable; nothing secret", async () => {
  const run = await scenario(["--log-format", "text"]);
  const log = run.log;
  const time = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
  const remote = String.raw`127\.0\.0\.1:\d+`;
  for (const id of [alice.id.value, bob.id.value]) {
    const handshake = new RegExp(
      `^${time} INFO {2}handshake process=station conn=(\\d+) remote=${remote} framing=mtp user=${id}$`,
      "m",
    ).exec(log);
    assert.ok(handshake, `a handshake line for ${id}:\n${log}`);
    const conn = handshake[1];
    assert.match(
      log,
      new RegExp(
        `^${time} INFO {2}connection open process=station conn=${conn} remote=${remote} framing=mtp$`,
        "m",
      ),
    );
    assert.match(
      log,
      new RegExp(
        `^${time} INFO {2}connection closed process=station conn=${conn} remote=${remote} framing=mtp user=${id} reason=peer seconds=[\\d.]+ bytesIn=\\d+ bytesOut=\\d+$`,
        "m",
      ),
    );
  }
  assert.match(
    log,
    new RegExp(
      `^${time} WARN {2}connection error process=station conn=\\d+ remote=${remote} framing=mtp error="DiscardedLinesError: 1 line\\(s\\) dropped: [^"]*"$`,
      "m",
    ),
  );
  assert.match(
    log,
    new RegExp(
      `^${time} INFO {2}connection closed process=station conn=\\d+ remote=${remote} framing=mtp reason=framing-error error="FramingError: [^"]*" seconds=`,
      "m",
    ),
  );
  // info level: no per-message debug lines
  assert.doesNotMatch(log, / DEBUG /);
  assertNothingSecret(run);
});
