import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  BackupError,
  backupStore,
  inspectStoreFile,
  restoreStore,
  storeInUse,
  verifyBackup,
} from "../../store/backup.ts";
import { MIGRATIONS, SchemaVersionError, Store } from "../../store/mod.ts";
import { tempDir } from "./_temp.ts";

const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";

function fill(dataDir: string, count: number, prefix = "m"): string {
  const store = Store.open({ dataDir });
  try {
    for (let n = 0; n < count; n++) {
      const signature = `${prefix}-${n}`;
      store.messages.store({
        receiver: BOB,
        signature,
        time: Date.now() / 1000 - 60 + n / 1000,
        msg: { receiver: BOB, signature, data: "x".repeat(200) },
      });
    }
    store.ans.set(
      "archivist",
      "archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9",
    );
    return store.db.path;
  } finally {
    store.close();
  }
}

function signatures(dataDir: string): string[] {
  const store = Store.open({ dataDir });
  try {
    return store.messages.load(BOB, 1_000_000).map((m) => m.signature).sort();
  } finally {
    store.close();
  }
}

function journalMode(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return String(db.prepare("PRAGMA journal_mode").get()?.journal_mode);
  } finally {
    db.close();
  }
}

Deno.test("backup: a copy of an open store is one sound file with every row", async () => {
  using dir = tempDir();
  const source = fill(join(dir.path, "data"), 500);
  const open = Store.open({ dataDir: join(dir.path, "data") }); // the station keeps it open
  try {
    const destination = join(dir.path, "backup.db");
    const result = await backupStore(source, destination);
    assert.deepEqual(result.integrity, ["ok"]);
    assert.equal(result.schemaVersion, MIGRATIONS.length);
    assert.equal(result.source, source);
    assert.equal(result.path, destination);
    assert.equal(result.bytes, Deno.statSync(destination).size);
    assert.equal(journalMode(destination), "delete");
    // nothing left beside it: no -wal, no partial file
    assert.deepEqual(
      [...Deno.readDirSync(dir.path)].map((e) => e.name).sort(),
      ["backup.db", "data"],
    );
    // the copy is a store with the same content
    const restored = join(dir.path, "restored");
    Deno.mkdirSync(restored);
    Deno.copyFileSync(destination, join(restored, "dim.db"));
    assert.deepEqual(signatures(restored), signatures(join(dir.path, "data")));
    assert.equal(signatures(restored).length, 500);
  } finally {
    open.close();
  }
});

Deno.test("backup: refuses a missing store, an existing destination, a missing directory", async () => {
  using dir = tempDir();
  const source = fill(join(dir.path, "data"), 3);
  await assert.rejects(
    backupStore(join(dir.path, "nothing.db"), join(dir.path, "b.db")),
    (e: unknown) =>
      e instanceof BackupError && e.name === "BackupError" &&
      /^no store at .*nothing\.db$/.test(e.message),
  );
  const taken = join(dir.path, "taken.db");
  Deno.writeTextFileSync(taken, "keep me");
  await assert.rejects(
    backupStore(source, taken),
    /taken\.db exists; pass --force to replace it/,
  );
  assert.equal(Deno.readTextFileSync(taken), "keep me");
  await backupStore(source, taken, { overwrite: true });
  assert.deepEqual(inspectStoreFile(taken).integrity, ["ok"]);
  await assert.rejects(
    backupStore(source, join(dir.path, "no", "such", "dir", "b.db")),
    /the directory .*no\/such\/dir does not exist/,
  );
});

Deno.test("backup: verifyBackup refuses garbage, a corrupt file, an empty database and a newer schema", async () => {
  using dir = tempDir();
  const garbage = join(dir.path, "garbage.db");
  Deno.writeTextFileSync(garbage, "this is not a database at all".repeat(200));
  assert.throws(() => verifyBackup(garbage), BackupError);
  assert.throws(
    () => verifyBackup(join(dir.path, "missing.db")),
    /does not exist/,
  );

  // a real backup with one b-tree page overwritten
  const good = join(dir.path, "good.db");
  await backupStore(fill(join(dir.path, "data"), 300), good);
  assert.equal(verifyBackup(good).schemaVersion, MIGRATIONS.length);
  const corrupt = join(dir.path, "corrupt.db");
  const bytes = Deno.readFileSync(good);
  const pageSize = (bytes[16] << 8) | bytes[17];
  // the b-tree page headers of every page after the first
  for (let page = 1; page * pageSize < bytes.length; page++) {
    bytes.fill(0x5a, page * pageSize, page * pageSize + 12);
  }
  Deno.writeFileSync(corrupt, bytes);
  assert.throws(() => verifyBackup(corrupt), (e: unknown) => {
    assert.ok(e instanceof BackupError);
    assert.match(e.message, /corrupt\.db/);
    return true;
  });

  const empty = join(dir.path, "empty.db");
  new DatabaseSync(empty).close();
  assert.throws(() => verifyBackup(empty), /is not a dim store/);

  const newer = join(dir.path, "newer.db");
  Deno.copyFileSync(good, newer);
  const db = new DatabaseSync(newer);
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => verifyBackup(newer), SchemaVersionError);
  await assert.rejects(
    restoreStore(newer, join(dir.path, "target", "dim.db")),
    SchemaVersionError,
  );
  assert.throws(
    () => Deno.statSync(join(dir.path, "target")),
    Deno.errors.NotFound,
  );
});

Deno.test("backup: storeInUse sees another connection, in this process or another", async () => {
  using dir = tempDir();
  const path = fill(join(dir.path, "data"), 1);
  assert.equal(storeInUse(join(dir.path, "missing.db")), false);
  assert.equal(storeInUse(path), false);
  const here = Store.open({ dataDir: join(dir.path, "data") });
  try {
    assert.equal(storeInUse(path), true);
  } finally {
    here.close();
  }
  assert.equal(storeInUse(path), false);
  // another process holding the file open, idle
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { DatabaseSync } from "node:sqlite";
       const db = new DatabaseSync(${JSON.stringify(path)});
       db.prepare("SELECT count(*) FROM ans").get();
       console.log("open");
       for await (const _ of Deno.stdin.readable) {}
       db.close();`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value?.trim(), "open");
  try {
    assert.equal(storeInUse(path), true);
  } finally {
    await child.stdin.close();
    await reader.cancel();
    await child.status;
  }
  assert.equal(storeInUse(path), false);
});

Deno.test("restore: into a new place, not over a store without --force, and with it", async () => {
  using dir = tempDir();
  const backup = join(dir.path, "backup.db");
  await backupStore(fill(join(dir.path, "a"), 50, "a"), backup);

  // a fresh data directory (made when missing)
  const fresh = join(dir.path, "fresh", "deeper", "dim.db");
  const result = await restoreStore(backup, fresh);
  assert.deepEqual(result.integrity, ["ok"]);
  assert.equal(result.wasInUse, false);
  assert.equal(journalMode(fresh), "wal");
  assert.equal(signatures(join(dir.path, "fresh", "deeper")).length, 50);

  // an existing store with other content
  const other = fill(join(dir.path, "b"), 7, "b");
  await assert.rejects(
    restoreStore(backup, other),
    /b\/dim\.db exists; pass --force to replace it with the backup/,
  );
  assert.equal(signatures(join(dir.path, "b"))[0], "b-0");
  await restoreStore(backup, other, { force: true });
  const now = signatures(join(dir.path, "b"));
  assert.equal(now.length, 50);
  assert.ok(now.every((s) => s.startsWith("a-")));
});

Deno.test("restore: a store open elsewhere is refused, and --force restores under it consistently", async () => {
  using dir = tempDir();
  const backup = join(dir.path, "backup.db");
  await backupStore(fill(join(dir.path, "a"), 20, "a"), backup);
  const target = fill(join(dir.path, "live"), 5, "live");
  const running = Store.open({ dataDir: join(dir.path, "live") });
  try {
    await assert.rejects(
      restoreStore(backup, target),
      (e: unknown) =>
        e instanceof BackupError &&
        /open in another process .*stop it first, or pass --force/.test(
          e.message,
        ),
    );
    assert.equal(running.messages.count(BOB), 5);
    const result = await restoreStore(backup, target, { force: true });
    assert.equal(result.wasInUse, true);
    // the running connection reads the restored content
    assert.equal(running.messages.count(BOB), 20);
    assert.deepEqual(running.db.integrityCheck(), ["ok"]);
    // and can write on
    running.messages.store({
      receiver: BOB,
      signature: "after",
      time: Date.now() / 1000,
      msg: {},
    });
  } finally {
    running.close();
  }
  assert.equal(signatures(join(dir.path, "live")).length, 21);
});
