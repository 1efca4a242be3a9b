/**
 * The archivist and the group assistant end to end, every party a real
 * `dim` process on loopback (issue 7, "Done means"): a user found by part
 * of her name, who is online, a group of three whose message reaches the
 * two others through the assistant (one of them offline then, later), a
 * non-member refused, a forged command from a non-owner refused, a member
 * who quits no longer served — once with the bots inside the station
 * (`--with-bots`), once as their own processes on the station's store.
 */
import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import { dim, tempDir } from "../cli/_dim.ts";
import { DimProcess, StationProcess } from "./_processes.ts";

/** `dim --data-dir DIR client --station … ...args` */
function client(dir: string, station: StationProcess, args: string[]) {
  return dim([
    "--data-dir",
    dir,
    "client",
    "--station",
    station.address,
    ...args,
  ]);
}

async function register(dir: string, name: string): Promise<string> {
  const run = await dim(["--data-dir", dir, "client", "register", name]);
  assert.equal(run.code, 0, run.stderr);
  parseId(run.lastLine);
  return run.lastLine;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.trim() === ""
    ? []
    : text.trim().split("\n").map((line) => JSON.parse(line));
}

/** `dim client listen` in the background, ready once connected. */
async function listening(
  dir: string,
  station: StationProcess,
  args: string[],
): Promise<DimProcess> {
  const listener = new DimProcess([
    "--data-dir",
    dir,
    "client",
    "--station",
    station.address,
    "listen",
    ...args,
  ]);
  await listener.until(() => / connected to /.test(listener.stderr), "listen");
  return listener;
}

/** Users online as the archivist says (asked until `test` holds, ≤ 10 s). */
async function onlineUntil(
  dir: string,
  station: StationProcess,
  as: string,
  test: (ids: string[]) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await client(dir, station, [
      "search",
      "--as",
      as,
      "--online",
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const ids = jsonLines(run.stdout).map((user) => user.id as string);
    if (test(ids) || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

Deno.test("e2e: dim station --with-bots — search, who is online, and a group of three through the assistant (offline member, non-member, forged reset, quit)", async () => {
  using base = tempDir();
  using users = tempDir();
  const dir = users.path;
  await using station = await StationProcess.start(base.path, ["--with-bots"]);
  assert.match(station.log, /archivist archivist@\S+ runs in this process/);
  assert.match(station.log, /assistant assistant@\S+ runs in this process/);
  const alice = await register(dir, "Alice Liddell");
  const bob = await register(dir, "bob");
  const carol = await register(dir, "carol");
  await register(dir, "eve");
  // carol and eve are known to the station (their visas), then offline
  for (const name of ["carol", "eve"]) {
    const once = await client(dir, station, [
      "listen",
      "--as",
      name,
      "--timeout",
      "1",
    ]);
    assert.equal(once.code, 0, once.stderr);
  }
  await using aliceListens = await listening(dir, station, [
    "--as",
    alice,
    "--json",
    "--timeout",
    "60",
  ]);

  // B searches by part of A's name and gets A's ID
  const found = await client(dir, station, [
    "search",
    "--as",
    "bob",
    "lidd",
    "--json",
  ]);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual(jsonLines(found.stdout), [{
    id: alice,
    name: "Alice Liddell",
  }]);
  const absurd = await client(dir, station, [
    "search",
    "--as",
    "bob",
    "--limit",
    "99999999999",
    "ALICE",
  ]);
  assert.equal(absurd.code, 0, absurd.stderr);
  assert.equal(absurd.stdout, `${alice}\tAlice Liddell\n`);
  const empty = await client(dir, station, ["search", "--as", "bob"]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /usage: dim client search/);

  // users lists who is online: alice (listening), not carol
  const online = await onlineUntil(
    dir,
    station,
    "bob",
    (ids) => ids.includes(alice),
  );
  assert.ok(online.includes(alice), `online: ${online}`);
  assert.ok(!online.includes(carol));

  // a group of three, made by alice with the assistant
  const made = await client(dir, station, [
    "group",
    "create",
    "--as",
    alice,
    "--name",
    "Tea Party",
    "bob",
    carol,
  ]);
  assert.equal(made.code, 0, made.stderr);
  const team = made.lastLine;
  assert.ok(parseId(team).isGroup);
  const members = await client(dir, station, [
    "group",
    "members",
    "--as",
    "bob",
    team,
    "--json",
  ]);
  assert.equal(members.code, 0, members.stderr);
  assert.deepEqual(jsonLines(members.stdout).map((m) => m.id), [
    alice,
    bob,
    carol,
  ]);

  // bob's message reaches alice now and carol (offline) later
  const sent = await client(dir, station, [
    "send",
    "--from",
    "bob",
    "--to",
    team,
    "--json",
    "hello, tea party",
  ]);
  assert.equal(sent.code, 0, sent.stderr);
  const [receipt] = jsonLines(sent.stdout);
  assert.equal(receipt.text, "Group message delivering.");
  assert.match(sent.stderr, /split for 2\/2 member\(s\)/);
  await aliceListens.until(
    () => aliceListens.stdout.includes("hello, tea party"),
    "alice gets the group message",
  );
  const atAlice = jsonLines(aliceListens.stdout).find((m) =>
    m.text === "hello, tea party"
  )!;
  assert.equal(atAlice.sender, bob);
  assert.equal(atAlice.group, team);
  const atCarol = await client(dir, station, [
    "listen",
    "--as",
    "carol",
    "--count",
    "1",
    "--json",
    "--timeout",
    "20",
  ]);
  assert.equal(atCarol.code, 0, atCarol.stderr);
  const [late] = jsonLines(atCarol.stdout);
  assert.equal(late.text, "hello, tea party");
  assert.equal(late.sender, bob);
  assert.equal(late.group, team);

  // a non-member is refused; a forged reset from a non-owner is refused
  const intruder = await client(dir, station, [
    "send",
    "--from",
    "eve",
    "--to",
    team,
    "let me in",
  ]);
  assert.equal(intruder.code, 1);
  assert.match(intruder.stderr, /refused: Permission denied\./);
  const forged = await client(dir, station, [
    "group",
    "remove",
    "--as",
    "bob",
    team,
    carol,
  ]);
  assert.equal(forged.code, 1);
  assert.match(
    forged.stderr,
    /Permission denied\. Not allowed to reset members of group/,
  );

  // carol quits and no longer receives
  const quit = await client(dir, station, [
    "group",
    "quit",
    "--as",
    "carol",
    team,
  ]);
  assert.equal(quit.code, 0, quit.stderr);
  const after = await client(dir, station, [
    "send",
    "--from",
    "bob",
    "--to",
    team,
    "after carol left",
  ]);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stderr, /split for 1\/1 member\(s\)/);
  await aliceListens.until(
    () => aliceListens.stdout.includes("after carol left"),
    "alice still gets group messages",
  );
  const gone = await client(dir, station, [
    "listen",
    "--as",
    "carol",
    "--timeout",
    "2",
    "--json",
  ]);
  assert.equal(gone.code, 0, gone.stderr);
  assert.ok(!gone.stdout.includes("after carol left"), gone.stdout);
  const left = await client(dir, station, [
    "group",
    "members",
    "--as",
    alice,
    team,
    "--json",
  ]);
  assert.deepEqual(jsonLines(left.stdout).map((m) => m.id), [alice, bob]);
});

Deno.test("e2e: dim archivist and dim assistant as their own processes on the station's store", async () => {
  using base = tempDir();
  using users = tempDir();
  const dir = users.path;
  await using station = await StationProcess.start(base.path);
  const bots = ["archivist", "assistant"].map((kind) =>
    new DimProcess([
      "--data-dir",
      base.path,
      kind,
      "--station",
      station.address,
    ])
  );
  try {
    for (const bot of bots) {
      await bot.until(
        () => / connected to .*identity made on this run/.test(bot.stderr),
        "bot handshake",
      );
    }
    const alice = await register(dir, "alice");
    const bob = await register(dir, "bob");
    await using aliceListens = await listening(dir, station, [
      "--as",
      "alice",
      "--json",
      "--timeout",
      "60",
    ]);
    // found through archivist@anywhere: the station reads the ANS record the
    // archivist wrote into the store after the station started
    const found = await client(dir, station, [
      "search",
      "--as",
      "bob",
      "alic",
      "--json",
    ]);
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(jsonLines(found.stdout), [{ id: alice, name: "alice" }]);
    const made = await client(dir, station, [
      "group",
      "create",
      "--as",
      "alice",
      "--name",
      "Pair",
      bob,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const team = made.lastLine;
    const sent = await client(dir, station, [
      "send",
      "--from",
      "bob",
      "--to",
      team,
      "hi pair",
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    await aliceListens.until(
      () => aliceListens.stdout.includes("hi pair"),
      "alice gets the group message",
    );
  } finally {
    for (const bot of bots) {
      const status = await bot.stop();
      assert.equal(status.code, 0, bot.stderr);
    }
  }
});

Deno.test("e2e (issue 15): the group's message waits for a member who never connected — across a station restart — and reaches it at its first connect; group members shows who waits for a visa", async () => {
  using base = tempDir();
  using users = tempDir();
  const dir = users.path;
  let station = await StationProcess.start(base.path, ["--with-bots"]);
  try {
    const ga = await register(dir, "ga");
    await register(dir, "gb");
    const gc = await register(dir, "gc");
    const made = await client(dir, station, [
      "group",
      "create",
      "--as",
      "ga",
      "--name",
      "Team",
      "gb",
      "gc",
    ]);
    assert.equal(made.code, 0, made.stderr);
    const team = made.lastLine;
    {
      await using gbListens = await listening(dir, station, [
        "--as",
        "gb",
        "--json",
        "--count",
        "1",
        "--timeout",
        "60",
      ]);
      const sent = await client(dir, station, [
        "send",
        "--from",
        "ga",
        "--to",
        team,
        "before gc came",
      ]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal((await gbListens.finished(30_000)).code, 0);
      assert.match(gbListens.stdout, /before gc came/);
    }
    // gc has not connected: ga sees it waits for a visa
    const waiting = await client(dir, station, [
      "group",
      "members",
      "--as",
      "ga",
      team,
      "--json",
    ]);
    assert.equal(waiting.code, 0, waiting.stderr);
    assert.deepEqual(
      jsonLines(waiting.stdout).map((m) => [m.id, m.waiting_for_visa]),
      [[ga, false], [jsonLines(waiting.stdout)[1].id, false], [gc, true]],
    );
    const text = await client(dir, station, [
      "group",
      "members",
      "--as",
      "ga",
      team,
    ]);
    assert.match(
      text.stdout,
      new RegExp(`^${gc}\tgc\twaiting for a visa$`, "m"),
    );
    assert.doesNotMatch(station.log, /cannot send to/);
    // the station restarts: what waits is in its store
    await station.stop();
    station = await StationProcess.start(base.path, ["--with-bots"]);
    const got = await client(dir, station, [
      "listen",
      "--as",
      "gc",
      "--json",
      "--count",
      "1",
      "--timeout",
      "30",
    ]);
    assert.equal(got.code, 0, got.stderr);
    const [message] = jsonLines(got.stdout);
    assert.equal(message.text, "before gc came");
    assert.equal(message.sender, ga);
    assert.equal(message.group, team);
    const after = await client(dir, station, [
      "group",
      "members",
      "--as",
      "ga",
      team,
      "--json",
    ]);
    assert.deepEqual(
      jsonLines(after.stdout).map((m) => m.waiting_for_visa),
      [false, false, false],
    );
  } finally {
    await station.stop();
  }
});
