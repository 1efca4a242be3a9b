/**
 * `dim client` and `dim station` as real processes on loopback: the CLI
 * sends and listens through the station (issue 5, "dim client sends and
 * receives through dim station in a test driven through the real CLI
 * process").
 */
import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import { dim, tempDir } from "../cli/_dim.ts";
import { DimProcess, StationProcess } from "./_processes.ts";

/** Registers `name` in `dir`; returns its ID. */
async function register(dir: string, name: string): Promise<string> {
  const run = await dim(["--data-dir", dir, "client", "register", name]);
  assert.equal(run.code, 0, run.stderr);
  const id = run.lastLine;
  parseId(id);
  return id;
}

/** `dim --data-dir DIR client --station … --framing F ...args`. */
function clientArgs(
  dir: string,
  station: StationProcess,
  args: string[],
  framing = "mtp",
): string[] {
  return [
    "--data-dir",
    dir,
    "client",
    "--station",
    station.address,
    "--framing",
    framing,
    ...args,
  ];
}

/** `dim client listen` in the background, ready once its handshake is done. */
async function listening(
  dir: string,
  station: StationProcess,
  args: string[],
  framing = "mtp",
): Promise<DimProcess> {
  const listener = new DimProcess(
    clientArgs(dir, station, ["listen", ...args], framing),
  );
  await listener.until(
    () => / connected to /.test(listener.stderr),
    "listen handshake",
  );
  return listener;
}

/** Runs `dim client` (send, listen) to its end. */
function client(
  dir: string,
  station: StationProcess,
  args: string[],
  framing = "mtp",
) {
  return dim(clientArgs(dir, station, args, framing));
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.trim() === ""
    ? []
    : text.trim().split("\n").map((line) => JSON.parse(line));
}

for (const framing of ["mtp", "ws"]) {
  Deno.test(`e2e [${framing}]: bob listens, alice sends — bob prints it (--json), alice exits 0 with the station's and bob's receipts`, async () => {
    using base = tempDir();
    using aliceDir = tempDir();
    using bobDir = tempDir();
    await using station = await StationProcess.start(base.path);
    const alice = await register(aliceDir.path, "alice");
    const bob = await register(bobDir.path, "bob");
    await using listener = await listening(bobDir.path, station, [
      "--as",
      "bob",
      "--count",
      "1",
      "--json",
      "--timeout",
      "30",
    ], framing);
    const before = Date.now() / 1000;
    const sent = await client(aliceDir.path, station, [
      "send",
      "--from",
      "alice",
      "--to",
      bob,
      "--wait-peer",
      "--json",
      "hello bob, 你好",
    ], framing);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /station receipt from .*: Message delivered\./);
    assert.match(sent.stderr, /receipt from .*: Message received\./);
    const [receipt] = jsonLines(sent.stdout);
    assert.equal(receipt.text, "Message delivered.");
    assert.equal(receipt.peer, "Message received.");
    assert.equal(receipt.receiver, bob);

    const status = await listener.finished();
    assert.equal(status.code, 0, listener.stderr);
    const [message] = jsonLines(listener.stdout);
    assert.equal(message.sender, alice);
    assert.equal(message.receiver, bob);
    assert.equal(message.type, 1);
    assert.equal(message.text, "hello bob, 你好");
    assert.equal(message.sn, receipt.sn);
    assert.ok(
      typeof message.time === "number" && message.time >= before - 60,
    );
    assert.equal(message.group, undefined);
  });
}

Deno.test("e2e: bob away — alice's texts are cached; bob gets them at his next listen, in order and once (one store, two names)", async () => {
  using base = tempDir();
  using dir = tempDir();
  await using station = await StationProcess.start(base.path);
  await register(dir.path, "alice");
  const bob = await register(dir.path, "bob");
  // bob's meta and visa reach the station with his first handshake
  const first = await client(dir.path, station, [
    "listen",
    "--as",
    "bob",
    "--timeout",
    "1",
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "");
  for (const text of ["first", "second", "third"]) {
    const sent = await client(dir.path, station, [
      "send",
      "--from",
      "alice",
      "--to",
      "bob",
      text,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /Message cached\./);
  }
  const later = await client(dir.path, station, [
    "listen",
    "--as",
    bob,
    "--count",
    "3",
    "--json",
    "--timeout",
    "20",
  ]);
  assert.equal(later.code, 0, later.stderr);
  assert.deepEqual(jsonLines(later.stdout).map((m) => m.text), [
    "first",
    "second",
    "third",
  ]);
  const again = await client(dir.path, station, [
    "listen",
    "--as",
    "bob",
    "--count",
    "1",
    "--timeout",
    "2",
  ]);
  assert.equal(again.code, 1);
  assert.equal(again.stdout, "");
  assert.match(again.stderr, /timed out after 0 of 1 message/);
});

Deno.test("e2e: a receiver the station never saw, and a station that is gone → exit 1 with a clear message", async () => {
  using base = tempDir();
  using dir = tempDir();
  using elsewhere = tempDir();
  await using station = await StationProcess.start(base.path);
  await register(dir.path, "alice");
  const stranger = await register(elsewhere.path, "stranger"); // never connected
  const unknown = await client(dir.path, station, [
    "send",
    "--from",
    "alice",
    "--to",
    stranger,
    "--timeout",
    "10",
    "hi",
  ]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no visa key/);
  assert.match(unknown.stderr, new RegExp(stranger));
  await station.stop();
  const gone = await client(dir.path, station, [
    "send",
    "--from",
    "alice",
    "--to",
    stranger,
    "hi",
  ]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /cannot reach a station at 127\.0\.0\.1/);
});

Deno.test("e2e: chat — lines on stdin go to the receiver as texts; /to changes it; unknown /commands are refused; //text sends /text; end of input ends it", async () => {
  using base = tempDir();
  using dir = tempDir();
  await using station = await StationProcess.start(base.path);
  await register(dir.path, "alice");
  const bob = await register(dir.path, "bob");
  const carol = await register(dir.path, "carol");
  await using bobListens = await listening(dir.path, station, [
    "--as",
    "bob",
    "--count",
    "3",
    "--json",
    "--timeout",
    "30",
  ]);
  await using carolListens = await listening(dir.path, station, [
    "--as",
    carol,
    "--count",
    "1",
    "--json",
    "--timeout",
    "30",
  ]);
  await using chat = new DimProcess(
    clientArgs(dir.path, station, ["chat", "--as", "alice", "--to", bob]),
    "one\n/who\n/topics for today\ntwo\n//etc is a folder\n/to carol\nthree\n",
  );
  assert.equal((await chat.finished()).code, 0, chat.stderr);
  assert.equal(chat.stderr.match(/✓ Message delivered\./g)?.length, 4);
  assert.match(chat.stderr, new RegExp(`lines go to ${bob}`));
  // a command is matched whole: /topics is refused with the help, not sent
  assert.match(
    chat.stderr,
    /dim client: \/topics is not a command; commands: \/to/,
  );
  assert.equal((await bobListens.finished()).code, 0, bobListens.stderr);
  assert.deepEqual(jsonLines(bobListens.stdout).map((m) => m.text), [
    "one",
    "two",
    "/etc is a folder",
  ]);
  assert.equal((await carolListens.finished()).code, 0);
  assert.deepEqual(jsonLines(carolListens.stdout).map((m) => m.text), [
    "three",
  ]);
});

Deno.test("e2e: listen exits 1 when the station drops the connection", async () => {
  using base = tempDir();
  using dir = tempDir();
  await using station = await StationProcess.start(base.path);
  await register(dir.path, "bob");
  await using bobListens = await listening(dir.path, station, [
    "--as",
    "bob",
    "--timeout",
    "60",
  ]);
  await station.stop();
  const { code } = await bobListens.finished();
  assert.equal(code, 1, bobListens.stderr);
  assert.match(bobListens.stderr, /dim client: the connection closed\n/);
});
