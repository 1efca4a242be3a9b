/**
 * The operator's store commands against a running station's store (real
 * station process, real peers over loopback): `dim store stats`,
 * `dim queue show|purge`, `dim register delete`, `dim store vacuum`.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { accounts, closeAll, online, World } from "../station/_peer.ts";
import { startStation, stopStation } from "../station/_child.ts";
import { dim, tempDir } from "./_dim.ts";

Deno.test("dim store stats | queue show | queue purge | register delete | store vacuum, while the station runs", async () => {
  using dir = tempDir();
  const child = await startStation([
    "--data-dir",
    dir.path,
    "station",
    "--port",
    "0",
  ]);
  const inDir = ["--data-dir", dir.path];
  const [alice, bob] = await accounts(2);
  const world = new World();
  world.know(bob);
  const peers = await online(child.port, [alice], { world });
  try {
    for (const text of ["for later", "and this"]) {
      await peers[0].sendContent(bob.id, TextContent.create(text));
      await peers[0].nextReceipt("Message cached.");
    }
    const stats = await dim([...inDir, "store", "stats", "--json"]);
    assert.equal(stats.code, 0, stats.stderr);
    const parsed = JSON.parse(stats.stdout);
    assert.equal(parsed.offlineMessages, 2);
    assert.equal(parsed.offlineReceivers, 1);
    assert.equal(parsed.localAccounts, 1, "the station's own");
    assert.ok(parsed.accounts >= 2 && parsed.bytes > 0);
    const text = await dim([...inDir, "store", "stats"]);
    assert.match(text.stdout, /^offline messages {2}2 for 1 receivers$/m);

    const show = await dim([...inDir, "queue", "show", bob.id.value]);
    assert.equal(show.code, 0, show.stderr);
    const lines = show.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0],
      new RegExp(`^\\S+Z {2}from ${alice.id.value} {2}\\S+$`),
    );
    assert.match(
      show.stderr,
      new RegExp(`2 offline message\\(s\\) for ${bob.id.value}`),
    );
    const json = await dim([...inDir, "queue", "show", bob.id.value, "--json"]);
    assert.equal(
      JSON.parse(json.stdout.split("\n")[0]).msg.sender,
      alice.id.value,
    );

    const purge = await dim([...inDir, "queue", "purge", bob.id.value]);
    assert.equal(
      purge.stdout,
      `purged 2 offline message(s) for ${bob.id.value}\n`,
    );
    const empty = await dim([...inDir, "queue", "show", bob.id.value]);
    assert.equal(empty.stdout, "");

    const deleted = await dim([...inDir, "register", "delete", alice.id.value]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(
      deleted.stdout,
      new RegExp(`^deleted ${alice.id.value}: .*metas 1`),
    );
    const shown = await dim([...inDir, "register", "show", alice.id.value]);
    assert.equal(shown.code, 1);
    const again = await dim([...inDir, "register", "delete", alice.id.value]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /unknown ID/);

    const vacuum = await dim([...inDir, "store", "vacuum"]);
    assert.equal(vacuum.code, 0, vacuum.stderr);
    assert.match(
      vacuum.stdout,
      /^vacuumed .*dim\.db: [\d.]+ MiB → [\d.]+ MiB\n$/,
    );

    const bad = await dim([...inDir, "queue", "show", "not an id"]);
    assert.equal(bad.code, 2);
    const none = await dim([
      "--data-dir",
      `${dir.path}/none`,
      "store",
      "stats",
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^dim: there is no store at /);
  } finally {
    await closeAll(peers);
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
  }
});
