/**
 * The chat page in a real headless Chromium against a real `dim station`
 * process (issue 16): accounts made in the browser, texts both ways end to
 * end with their receipts, bad input shown in the page.
 */
import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import { tempDir } from "../cli/_dim.ts";
import { dim } from "../cli/_dim.ts";
import { DimProcess, StationProcess } from "../e2e/_processes.ts";
import { type PageDocument, TestBrowser } from "./_browser.ts";

declare const document: PageDocument;

Deno.test("web: two browser users chat both ways (one on a phone-sized screen); receipts show on the sender's side", async () => {
  using base = tempDir();
  await using station = await StationProcess.start(base.path);
  await using alice = await TestBrowser.launch();
  await using bob = await TestBrowser.launch();
  const url = `http://${station.address}/`;
  const alicePage = await alice.open(url);
  const bobPage = await bob.open(url, { phone: true });
  const [aliceId, bobId] = await Promise.all([
    alicePage.register("alice"),
    bobPage.register("bob"),
  ]);
  assert.notEqual(aliceId, bobId);

  await alicePage.openChat(bobId);
  await alicePage.send("hello bob, from a browser");
  await bobPage.waitForMessage("hello bob, from a browser");
  await alicePage.waitForState("hello bob, from a browser", "received");

  await bobPage.openChat(aliceId);
  await bobPage.send("hi alice, bob here");
  await alicePage.waitForMessage("hi alice, bob here");
  await bobPage.waitForState("hi alice, bob here", "received");

  assert.deepEqual(
    (await bobPage.messages()).map((m) => m.split("bob · ")[0]).length,
    2,
  );
  await bobPage.assertFitsWidth();
  alicePage.assertNoErrors();
  bobPage.assertNoErrors();
});

/** Registers `name` with `dim client register` in `dir`; its ID. */
async function registerCli(dir: string, name: string): Promise<string> {
  const run = await dim(["--data-dir", dir, "client", "register", name]);
  assert.equal(run.code, 0, run.stderr);
  return run.lastLine;
}

/** `dim --data-dir DIR client --station ADDRESS ...args`. */
function cliArgs(
  dir: string,
  station: StationProcess,
  args: string[],
): string[] {
  return ["--data-dir", dir, "client", "--station", station.address, ...args];
}

Deno.test("web: a browser user and `dim client` chat both ways", async () => {
  using base = tempDir();
  using carolDir = tempDir();
  await using station = await StationProcess.start(base.path);
  const carol = await registerCli(carolDir.path, "carol");
  await using listener = new DimProcess(cliArgs(carolDir.path, station, [
    "listen",
    "--as",
    "carol",
    "--count",
    "1",
    "--json",
    "--timeout",
    "60",
  ]));
  await listener.until(
    () => / connected to /.test(listener.stderr),
    "listen handshake",
  );
  await using browser = await TestBrowser.launch();
  const page = await browser.open(`http://${station.address}/`);
  const me = await page.register("webby");

  await page.openChat(carol);
  await page.send("hello carol, 你好 from the browser");
  assert.equal((await listener.finished()).code, 0, listener.stderr);
  const [got] = listener.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(got.sender, me);
  assert.equal(got.text, "hello carol, 你好 from the browser");
  await page.waitForState("hello carol, 你好 from the browser", "received");

  const sent = await dim(cliArgs(carolDir.path, station, [
    "send",
    "--from",
    "carol",
    "--to",
    me,
    "--wait-peer",
    "--json",
    "hi webby, carol on the command line",
  ]));
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(JSON.parse(sent.stdout).peer, "Message received.");
  await page.waitForMessage("hi webby, carol on the command line");
  page.assertNoErrors();
});

Deno.test("web: a message sent while the page was closed arrives when it opens again; a reload keeps the account and the chat", async () => {
  using base = tempDir();
  using daveDir = tempDir();
  await using station = await StationProcess.start(base.path);
  const dave = await registerCli(daveDir.path, "dave");
  await using browser = await TestBrowser.launch();
  const url = `http://${station.address}/`;
  const first = await browser.open(url);
  const me = await first.register("erin");
  await first.page.close();

  const sent = await dim(cliArgs(daveDir.path, station, [
    "send",
    "--from",
    "dave",
    "--to",
    me,
    "--json",
    "sent while you were away",
  ]));
  assert.equal(sent.code, 0, sent.stderr);
  // the station keeps it for the page that is away
  assert.equal(JSON.parse(sent.stdout).text, "Message cached.");

  const again = await browser.open(url);
  await again.online();
  assert.equal(await again.myId(), me);
  await again.waitForMessage("sent while you were away");

  await again.page.reload();
  await again.online();
  assert.equal(await again.myId(), me);
  // the history is kept with the account
  await again.waitForMessage("sent while you were away");
  assert.equal(
    (await again.messages()).filter((m) =>
      m.includes("sent while you were away")
    ).length,
    1,
  );
  // and the chat goes on from the reloaded page
  await again.openChat(dave);
  await again.send("back again");
  await again.waitForState("back again", "station");
  again.assertNoErrors();
});

Deno.test("web: bad input is shown in the page — not an ID, an ID the station does not know, an import that is not an account", async () => {
  using base = tempDir();
  using dir = tempDir();
  await using station = await StationProcess.start(base.path);
  await using browser = await TestBrowser.launch();
  const page = await browser.open(`http://${station.address}/`);

  const notAccount = `${dir.path}/not-account.json`;
  await Deno.writeTextFile(notAccount, JSON.stringify({ id: "nobody" }));
  await page.importFile(notAccount);
  await page.page.waitForFunction(
    (selector) => !document.querySelector(selector)!.hidden,
    {},
    page.testid("error"),
  );
  assert.match(await page.error(), /not a DIM account/);

  await page.register("frank");
  await page.openChat("this is not an id");
  assert.match(await page.error(), /is not a DIM ID/);

  // a well-formed ID nobody registered: the station has no visa for it
  const stranger = await registerCli(dir.path, "stranger");
  await page.openChat(stranger);
  await page.send("anyone there?");
  await page.waitForState("anyone there?", "failed");
  assert.match(await page.error(), /no visa for/);
  page.assertNoErrors();
});

Deno.test("web: an account exported by `dim register export --private` is imported; the station restarts and a queued message goes out after the reconnect", async () => {
  using base = tempDir();
  using dir = tempDir();
  let station = await StationProcess.start(base.path);
  try {
    const grace = await registerCli(dir.path, "grace");
    const heidi = await registerCli(dir.path, "heidi");
    const exported = await dim([
      "--data-dir",
      dir.path,
      "register",
      "export",
      grace,
      "--private",
    ]);
    assert.equal(exported.code, 0, exported.stderr);
    // heidi's visa reaches the station with her first handshake
    const once = await dim(cliArgs(dir.path, station, [
      "listen",
      "--as",
      "heidi",
      "--timeout",
      "10",
    ]));
    assert.equal(once.code, 0, once.stderr);
    const file = `${dir.path}/grace.json`;
    await Deno.writeTextFile(file, exported.stdout);

    await using browser = await TestBrowser.launch();
    const page = await browser.open(`http://${station.address}/`);
    await page.importFile(file);
    await page.online();
    assert.equal(await page.myId(), grace);

    const port = Number(station.address.split(":")[1]);
    await station.stop();
    await page.page.waitForFunction(
      (selector) =>
        document.querySelector(selector)?.textContent?.includes("offline"),
      {},
      page.testid("status"),
    );
    await page.openChat(heidi);
    await page.send("queued while the station was down");
    await page.waitForState("queued while the station was down", "queued");

    station = await StationProcess.start(base.path, ["--port", String(port)]);
    await using listener = new DimProcess(cliArgs(dir.path, station, [
      "listen",
      "--as",
      "heidi",
      "--count",
      "1",
      "--json",
      "--timeout",
      "60",
    ]));
    await page.online();
    assert.equal((await listener.finished()).code, 0, listener.stderr);
    assert.match(listener.stdout, /queued while the station was down/);
    await page.waitForState("queued while the station was down", "received");
    page.assertNoErrors();
  } finally {
    await station.stop();
  }
});

Deno.test("web: a browser user finds a user by name and founds a group with two `dim client` users (dim station --with-bots); texts go both ways through the assistant", async () => {
  using base = tempDir();
  using dir = tempDir();
  await using station = await StationProcess.start(base.path, ["--with-bots"]);
  const ivan = await registerCli(dir.path, "ivan");
  const judy = await registerCli(dir.path, "judy");
  // their visas reach the station with a first handshake
  await Promise.all(["ivan", "judy"].map(async (name) => {
    const once = await dim(cliArgs(dir.path, station, [
      "listen",
      "--as",
      name,
      "--timeout",
      "10",
    ]));
    assert.equal(once.code, 0, once.stderr);
  }));
  await using browser = await TestBrowser.launch();
  const page = await browser.open(`http://${station.address}/`);
  const me = await page.register("kim");

  // the archivist finds judy by her name
  await page.type("search-name", "judy");
  await page.click("search");
  await page.page.waitForFunction(
    (selector, id) =>
      (document.querySelector(selector)?.textContent ?? "").includes(id),
    {},
    page.testid("search-results"),
    judy,
  );

  await page.type("group-name", "Browser Club");
  await page.type("group-members", `${ivan}, ${judy}`);
  await page.click("create-group");
  await page.page.waitForFunction(
    (selector) =>
      (document.querySelector(selector)?.textContent ?? "").includes("@"),
    {},
    page.testid("peer"),
  );
  const team = await page.page.$eval(
    page.testid("peer"),
    (e) => e.textContent!,
  );
  assert.ok(parseId(team).isGroup, team);

  const listeners = ["ivan", "judy"].map((name) =>
    new DimProcess(cliArgs(dir.path, station, [
      "listen",
      "--as",
      name,
      "--count",
      "1",
      "--json",
      "--timeout",
      "60",
    ]))
  );
  try {
    for (const listener of listeners) {
      await listener.until(
        () => / connected to /.test(listener.stderr),
        "listen handshake",
      );
    }
    await page.send("hello club, from the browser");
    for (const listener of listeners) {
      assert.equal((await listener.finished(60_000)).code, 0, listener.stderr);
      const [got] = listener.stdout.trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.equal(got.text, "hello club, from the browser");
      assert.equal(got.sender, me);
      assert.equal(got.group, team);
    }
    // the assistant's answer, then the members' receipts
    await page.waitForState("hello club, from the browser", "received");
  } finally {
    for (const listener of listeners) await listener[Symbol.asyncDispose]();
  }

  const sent = await dim(cliArgs(dir.path, station, [
    "send",
    "--from",
    "judy",
    "--to",
    team,
    "--json",
    "hi kim, judy in the club",
  ]));
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(JSON.parse(sent.stdout).text, "Group message delivering.");
  await page.waitForMessage("hi kim, judy in the club");

  // a group judy founds with the browser user: opened by its ID, it works
  const made = await dim(cliArgs(dir.path, station, [
    "group",
    "create",
    "--as",
    "judy",
    "--name",
    "Judy's",
    me,
    ivan,
  ]));
  assert.equal(made.code, 0, made.stderr);
  const judys = made.lastLine;
  // ivan also gets judy's club text, kept for him while he was away
  await using ivanListens = new DimProcess(cliArgs(dir.path, station, [
    "listen",
    "--as",
    "ivan",
    "--json",
    "--timeout",
    "90",
  ]));
  await ivanListens.until(
    () => / connected to /.test(ivanListens.stderr),
    "listen handshake",
  );
  await page.openChat(judys);
  await page.send("kim joins in");
  await ivanListens.until(
    () => ivanListens.stdout.includes("kim joins in"),
    "ivan gets kim's text in judy's group",
    60_000,
  );
  const atIvan = ivanListens.stdout.trim().split("\n").map((l) => JSON.parse(l))
    .find((m) => m.text === "kim joins in");
  assert.equal(atIvan.sender, me);
  assert.equal(atIvan.text, "kim joins in");
  assert.equal(atIvan.group, judys);
  page.assertNoErrors();
});
