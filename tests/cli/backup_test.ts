import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../../store/mod.ts";
import { inspectStoreFile } from "../../store/backup.ts";
import { dim, tempDir } from "./_dim.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";

/** The acking writer of the store tests: prints "acked <signature>" after each durable commit. */
function ackingWriter(dataDir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("../store/_acking_child.ts", import.meta.url).pathname,
      dataDir,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const acked: string[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  const reading = (async () => {
    let buffer = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        const match = /^acked (\S+)$/.exec(line);
        assert.ok(match, `unexpected output: ${line}`);
        acked.push(match[1]);
      }
      if (waiting && acked.length >= waiting.count) waiting.resolve();
    }
  })();
  return {
    acked,
    until(count: number): Promise<void> {
      if (acked.length >= count) return Promise.resolve();
      return new Promise((resolve) => (waiting = { count, resolve }));
    },
    async stop(): Promise<void> {
      child.kill("SIGKILL");
      await child.status;
      await reading;
    },
  };
}

Deno.test("dim backup under load: the copy is sound and holds every message acknowledged before it began; dim restore brings it back", async () => {
  using dir = tempDir();
  const live = join(dir.path, "live");
  const file = join(dir.path, "backup.db");
  const writer = ackingWriter(live);
  let ackedBefore: string[];
  let ackedDuring: number;
  try {
    await writer.until(300);
    ackedBefore = [...writer.acked];
    const run = await dim(["--data-dir", live, "backup", file]);
    ackedDuring = writer.acked.length - ackedBefore.length;
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.backup, file);
    assert.equal(out.source, join(live, "dim.db"));
    assert.equal(out.integrity, "ok");
    assert.equal(out.bytes, Deno.statSync(file).size);
    assert.match(
      run.stderr,
      /^dim: backed up .*live\/dim\.db to .*backup\.db \(.* MiB, schema \d+, integrity ok, \d+ ms\)\n$/,
    );

    // a restore over the store the writer has open is refused
    const refused = await dim(["--data-dir", live, "restore", file]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^dim: the store .*live\/dim\.db is open in another process .*stop it first, or pass --force/,
    );
    // a second backup to the same file needs --force
    const again = await dim(["--data-dir", live, "backup", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /backup\.db exists; pass --force to replace it/);
  } finally {
    await writer.stop();
  }
  // the writer kept committing while the backup ran: it was taken under load
  assert.ok(ackedDuring > 0, "no message was acknowledged during the backup");

  assert.deepEqual(inspectStoreFile(file).integrity, ["ok"]);
  const restoredDir = join(dir.path, "restored");
  const restore = await dim(["--data-dir", restoredDir, "restore", file]);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(JSON.parse(restore.stdout).store, join(restoredDir, "dim.db"));
  assert.match(
    restore.stderr,
    /^dim: restored .*backup\.db into .*restored\/dim\.db/,
  );

  const store = Store.open({ dataDir: restoredDir });
  try {
    assert.deepEqual(store.db.integrityCheck(), ["ok"]);
    const present = new Set(
      store.messages.load(BOB, 1_000_000).map((m) => m.signature),
    );
    const lost = ackedBefore.filter((s) => !present.has(s));
    assert.deepEqual(lost, [], `${lost.length} of ${ackedBefore.length} lost`);
    assert.ok(present.size >= ackedBefore.length);
  } finally {
    store.close();
  }
});

Deno.test("dim backup / restore: bad command lines and missing files", async () => {
  using dir = tempDir();
  const none = await dim([
    "--data-dir",
    join(dir.path, "empty"),
    "backup",
    join(dir.path, "b.db"),
  ]);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /^dim: no store at .*empty\/dim\.db\n/,
  );
  const noFile = await dim(["--data-dir", dir.path, "backup"]);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /backup takes one file, not 0/);
  const two = await dim(["--data-dir", dir.path, "restore", "a", "b"]);
  assert.equal(two.code, 2);
  const flag = await dim(["--data-dir", dir.path, "backup", "x", "--fast"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /backup: Unknown option '--fast'/);
  const missing = await dim([
    "--data-dir",
    dir.path,
    "restore",
    join(dir.path, "nope.db"),
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.db does not exist/);
  const help = await dim(["backup", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: dim backup <file> \[--force\]/);
});
