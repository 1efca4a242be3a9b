import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { Database, type DatabaseOptions } from "../../store/mod.ts";
import { tempDir } from "./_temp.ts";

const TABLE =
  "CREATE TABLE IF NOT EXISTS blobs (n INTEGER PRIMARY KEY, data BLOB)";

function open(path: string, options: Partial<DatabaseOptions> = {}): Database {
  const db = Database.open({ path, migrations: [], ...options });
  db.write(() => db.statement(TABLE).run());
  return db;
}

/** Writes `count` rows of 4 KiB (a WAL frame or more each), one commit each. */
function fill(db: Database, from: number, count: number): void {
  const data = new Uint8Array(4096).fill(7);
  for (let n = from; n < from + count; n++) {
    db.write(() =>
      db.statement("INSERT INTO blobs (n, data) VALUES (?, ?)").run(n, data)
    );
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function walBytes(path: string): number {
  try {
    return Deno.statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

Deno.test("checkpointer: the writing connection never checkpoints; the worker's connection copies the whole WAL", async () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  const db = open(path, { checkpointer: { intervalMs: 20 } });
  try {
    assert.equal(
      Number(
        db.statement("PRAGMA wal_autocheckpoint").get()?.wal_autocheckpoint,
      ),
      0,
    );
    fill(db, 0, 1500); // past SQLite's automatic threshold of 1,000 pages
    await until("a checkpoint of every frame", () => {
      const stats = db.checkpoints!;
      return stats.checkpoints > 0 && stats.walFrames > 0 &&
        stats.backfilledFrames === stats.walFrames;
    });
    assert.equal(db.checkpoints!.truncates, 0);
    assert.equal(db.checkpoints!.failures, 0);
    // another connection sees nothing left to copy, and every row in the file
    const other = new DatabaseSync(path);
    try {
      const row = other.prepare("PRAGMA wal_checkpoint(PASSIVE)").get()!;
      assert.equal(row.checkpointed, row.log);
    } finally {
      other.close();
    }
  } finally {
    db.close();
  }
  // the last connection of the process checkpointed and removed the WAL
  assert.equal(walBytes(path), 0);
  const raw = new DatabaseSync(path, { readOnly: true });
  try {
    assert.equal(raw.prepare("SELECT count(*) AS n FROM blobs").get()!.n, 1500);
    assert.equal(
      raw.prepare("PRAGMA integrity_check").get()!.integrity_check,
      "ok",
    );
  } finally {
    raw.close();
  }
});

Deno.test("checkpointer: a WAL past its limit is truncated once a reader that pinned it lets go", async () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  const db = open(path, {
    checkpointer: {
      intervalMs: 20,
      limitFrames: 50,
      truncateAfterMs: 100,
      busyTimeoutMs: 50,
    },
  });
  const reader = new DatabaseSync(path);
  try {
    fill(db, 0, 1);
    // a read transaction pins the snapshot: nothing after it can be copied
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM blobs").get();
    fill(db, 1, 200);
    await until(
      "a TRUNCATE checkpoint tried",
      () => db.checkpoints!.truncates > 0,
    );
    assert.ok(walBytes(path) > 200 * 4096, "the WAL grew while pinned");
    reader.exec("COMMIT");
    await until("the WAL emptied", () => walBytes(path) === 0);
    assert.equal(db.checkpoints!.walFrames, 0);
    // and the writer goes on
    fill(db, 201, 10);
    assert.equal(
      db.statement("SELECT count(*) AS n FROM blobs").get()!.n,
      211,
    );
  } finally {
    reader.close();
    db.close();
  }
});

Deno.test("checkpointer: a WAL past its limit starts again from its beginning without a TRUNCATE while the writer goes on", async () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  const db = open(path, {
    // the fallback far away: only PASSIVE checkpoints may empty it
    checkpointer: { intervalMs: 20, limitFrames: 50, truncateAfterMs: 60_000 },
  });
  try {
    let n = 0;
    let over = false;
    let restarted = false;
    const deadline = performance.now() + 10_000;
    // a writer that never stops for long: a frame or two every ~2 ms
    while (!restarted && performance.now() < deadline) {
      fill(db, n++, 1);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const frames = db.checkpoints!.walFrames;
      if (frames > 50) over = true;
      else if (over && frames > 0) restarted = true;
    }
    assert.ok(over, "the WAL passed its limit");
    assert.ok(restarted, "the WAL started again from its beginning");
    assert.equal(db.checkpoints!.truncates, 0);
    assert.equal(db.checkpoints!.failures, 0);
    assert.ok(walBytes(path) < 4 * 50 * 4096, `WAL ${walBytes(path)} bytes`);
    assert.equal(
      db.statement("SELECT count(*) AS n FROM blobs").get()!.n,
      n,
    );
  } finally {
    db.close();
  }
});

Deno.test("checkpointer: commits leave the file alone until the worker's turn; without it SQLite copies inside the commits", () => {
  using dir = tempDir();
  const quiet = join(dir.path, "quiet.db");
  const inline = join(dir.path, "inline.db");
  const withWorker = open(quiet, { checkpointer: { intervalMs: 60_000 } });
  const without = open(inline);
  try {
    const before = Deno.statSync(quiet).size;
    fill(withWorker, 0, 1500);
    fill(without, 0, 1500);
    assert.equal(Deno.statSync(quiet).size, before);
    assert.ok(walBytes(quiet) > 1500 * 4096);
    assert.ok(Deno.statSync(inline).size > 1000 * 4096);
  } finally {
    withWorker.close();
    without.close();
  }
  assert.ok(Deno.statSync(quiet).size > 1500 * 4096, "copied at close");
});

Deno.test("checkpointer: without the option SQLite checkpoints itself; :memory: takes none", () => {
  using dir = tempDir();
  const db = open(join(dir.path, "dim.db"));
  const memory = open(":memory:", { checkpointer: true });
  try {
    assert.equal(db.checkpoints, undefined);
    assert.equal(memory.checkpoints, undefined);
    assert.equal(
      Number(
        db.statement("PRAGMA wal_autocheckpoint").get()?.wal_autocheckpoint,
      ),
      1000,
    );
  } finally {
    db.close();
    memory.close();
  }
});
