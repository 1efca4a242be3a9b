import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  Database,
  type Migration,
  MIGRATIONS,
  ReadOnlyStoreError,
  SchemaVersionError,
  Store,
  StoreBusyError,
  StoreError,
} from "../../store/mod.ts";
import { tempDir } from "./_temp.ts";
import { denoForNobody } from "../_nobody.ts";

function pragma(db: Database, name: string): unknown {
  return Object.values(db.statement(`PRAGMA ${name}`).get() ?? {})[0];
}

function tableNames(path: string): string[] {
  const raw = new DatabaseSync(path);
  try {
    return raw.prepare(
      "SELECT name FROM sqlite_schema WHERE type IN ('table', 'trigger') ORDER BY name",
    ).all().map((row) => row.name as string);
  } finally {
    raw.close();
  }
}

Deno.test("database: a new file in a new data dir is migrated from zero", () => {
  using dir = tempDir();
  const dataDir = join(dir.path, "nested", "data");
  const db = Database.open({ dataDir });
  try {
    assert.equal(db.path, join(dataDir, "dim.db"));
    assert.equal(db.schemaVersion, MIGRATIONS.length);
    assert.deepEqual(db.integrityCheck(), ["ok"]);
  } finally {
    db.close();
  }
  const names = tableNames(join(dataDir, "dim.db"));
  for (
    const table of [
      "private_keys",
      "metas",
      "documents",
      "document_search",
      "messages",
      "message_counts",
      "messages_counted",
      "messages_uncounted",
      "logins",
      "user_commands",
      "providers",
      "stations",
      "ans",
    ]
  ) {
    assert.ok(names.includes(table), `missing ${table}`);
  }
});

Deno.test("database: pragmas are WAL, synchronous NORMAL, busy timeout, foreign keys", () => {
  using dir = tempDir();
  const db = Database.open({ dataDir: dir.path, busyTimeoutMs: 1234 });
  try {
    assert.equal(pragma(db, "journal_mode"), "wal");
    assert.equal(pragma(db, "synchronous"), 1); // NORMAL
    assert.equal(pragma(db, "busy_timeout"), 1234);
    assert.equal(pragma(db, "foreign_keys"), 1);
  } finally {
    db.close();
  }
});

Deno.test("database: the path option wins over dataDir; no location is a StoreError", () => {
  using dir = tempDir();
  const path = join(dir.path, "elsewhere", "custom.db");
  const db = Database.open({ dataDir: join(dir.path, "unused"), path });
  db.close();
  assert.ok(Deno.statSync(path).isFile);
  assert.throws(() => Database.open({}), StoreError);
});

Deno.test("store: reopening keeps the data and does not migrate again", () => {
  using dir = tempDir();
  const first = Store.open({ dataDir: dir.path });
  first.ans.set("archivist", "archivist@x");
  first.close();
  const second = Store.open({ dataDir: dir.path });
  try {
    assert.equal(second.ans.get("archivist"), "archivist@x");
    assert.equal(second.db.schemaVersion, MIGRATIONS.length);
  } finally {
    second.close();
  }
});

const twoSteps: Migration[] = [
  { version: 1, name: "one", sql: "CREATE TABLE one (x)" },
  {
    version: 2,
    name: "two",
    sql: "CREATE TABLE two (y); INSERT INTO one VALUES (2)",
  },
];

Deno.test("database: an older file gets only the missing migrations", () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  const v1 = Database.open({ path, migrations: twoSteps.slice(0, 1) });
  v1.write(() => v1.statement("INSERT INTO one VALUES (1)").run());
  assert.equal(v1.schemaVersion, 1);
  v1.close();
  const v2 = Database.open({ path, migrations: twoSteps });
  try {
    assert.equal(v2.schemaVersion, 2);
    assert.deepEqual(
      v2.statement("SELECT x FROM one ORDER BY x").all().map((r) => r.x),
      [1, 2],
    );
  } finally {
    v2.close();
  }
});

Deno.test("database: a file newer than the code is refused and left untouched", () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  Database.open({ path, migrations: twoSteps }).close();
  const before = Deno.readFileSync(path);
  assert.throws(
    () => Database.open({ path, migrations: twoSteps.slice(0, 1) }),
    (e: unknown) =>
      e instanceof SchemaVersionError && e.found === 2 && e.supported === 1 &&
      /schema version 2.*at most 1.*upgrade dim/.test(e.message),
  );
  assert.deepEqual(Deno.readFileSync(path), before);
});

Deno.test("database: a failing migration is rolled back and named in the error", () => {
  using dir = tempDir();
  const path = join(dir.path, "dim.db");
  const broken: Migration[] = [
    twoSteps[0],
    {
      version: 2,
      name: "broken",
      sql: "CREATE TABLE half (z); SELECT * FROM nowhere",
    },
  ];
  assert.throws(
    () => Database.open({ path, migrations: broken }),
    (e: unknown) =>
      e instanceof StoreError &&
      /migration 2 \(broken\) failed/.test(e.message),
  );
  const raw = new DatabaseSync(path);
  try {
    assert.equal(raw.prepare("PRAGMA user_version").get()?.user_version, 1);
  } finally {
    raw.close();
  }
  assert.ok(!tableNames(path).includes("half"));
});

Deno.test("database: a migration list out of order is refused", () => {
  using dir = tempDir();
  assert.throws(
    () => Database.open({ dataDir: dir.path, migrations: [twoSteps[1]] }),
    (e: unknown) => e instanceof StoreError && /out of order/.test(e.message),
  );
});

Deno.test("database: write commits, and rolls back everything when fn throws", () => {
  using dir = tempDir();
  const db = Database.open({ dataDir: dir.path });
  try {
    const insert = db.statement("INSERT INTO ans (name, id) VALUES (?, ?)");
    assert.equal(db.write(() => insert.run("a", "a@x").changes), 1);
    assert.throws(
      () =>
        db.write(() => {
          insert.run("b", "b@x");
          throw new RangeError("caller's own error");
        }),
      RangeError,
    );
    // a SQLite error inside fn comes out as a StoreError
    assert.throws(() => db.write(() => insert.run("a", "again@x")), StoreError);
    assert.deepEqual(
      db.statement("SELECT name FROM ans ORDER BY name").all().map((r) =>
        r.name
      ),
      ["a"],
    );
    assert.equal(db.inTransaction, false);
  } finally {
    db.close();
  }
});

Deno.test("database: a nested write is a savepoint undone alone", () => {
  using dir = tempDir();
  const db = Database.open({ dataDir: dir.path });
  try {
    const insert = db.statement("INSERT INTO ans (name, id) VALUES (?, ?)");
    db.write(() => {
      insert.run("outer", "o@x");
      assert.throws(() =>
        db.write(() => {
          insert.run("inner", "i@x");
          throw new Error("inner fails");
        })
      );
      db.write(() => insert.run("kept", "k@x"));
    });
    assert.deepEqual(
      db.statement("SELECT name FROM ans ORDER BY name").all().map((r) =>
        r.name
      ),
      ["kept", "outer"],
    );
  } finally {
    db.close();
  }
});

Deno.test("database: write refuses an async fn and writes nothing", () => {
  using dir = tempDir();
  const db = Database.open({ dataDir: dir.path });
  try {
    assert.throws(
      () =>
        db.write(async () => {
          db.statement("INSERT INTO ans (name, id) VALUES ('x', 'x@x')").run();
          await Promise.resolve();
        }),
      (e: unknown) => e instanceof StoreError && /synchronous/.test(e.message),
    );
    assert.equal(db.statement("SELECT count(*) AS n FROM ans").get()?.n, 0);
  } finally {
    db.close();
  }
});

Deno.test("database: a durable write commits with FULL and goes back to NORMAL", () => {
  using dir = tempDir();
  const db = Database.open({ dataDir: dir.path });
  try {
    const seen = db.write(
      () => pragma(db, "synchronous"),
      { durable: true },
    );
    // the level is read inside the transaction: FULL (2) was set before BEGIN
    assert.equal(seen, 2);
    assert.equal(pragma(db, "synchronous"), 1);
    assert.throws(
      () => db.write(() => db.write(() => 0, { durable: true })),
      (e: unknown) => e instanceof StoreError && /durable/.test(e.message),
    );
    assert.equal(pragma(db, "synchronous"), 1);
  } finally {
    db.close();
  }
});

Deno.test("database: a write lock held too long by another connection gives StoreBusyError", () => {
  using dir = tempDir();
  const holder = Database.open({ dataDir: dir.path });
  const waiter = Database.open({ dataDir: dir.path, busyTimeoutMs: 50 });
  try {
    holder.write(() => {
      holder.statement("INSERT INTO ans (name, id) VALUES ('h', 'h@x')").run();
      assert.throws(
        () => waiter.write(() => 0),
        (e: unknown) =>
          e instanceof StoreBusyError &&
          /locked by another process/.test(e.message),
      );
    });
    // once released, the waiter writes
    assert.equal(waiter.write(() => 1), 1);
  } finally {
    waiter.close();
    holder.close();
  }
});

async function openAs(
  dataDir: string,
  asNobody: boolean,
  work: string,
): Promise<Record<string, unknown>> {
  if (!asNobody) {
    try {
      Store.open({ dataDir }).close();
      return { opened: true };
    } catch (error) {
      return {
        name: (error as Error).name,
        message: (error as Error).message,
        typed: error instanceof ReadOnlyStoreError,
        path: (error as ReadOnlyStoreError).path,
      };
    }
  }
  // root writes anywhere: check as the unprivileged user "nobody" instead
  const denoDir = join(work, "deno-dir");
  Deno.mkdirSync(denoDir, { recursive: true });
  Deno.chmodSync(denoDir, 0o777);
  const child = new Deno.Command(denoForNobody(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      new URL("./_open_child.ts", import.meta.url).pathname,
      dataDir,
    ],
    uid: 65534,
    gid: 65534,
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(stdout);
}

Deno.test("database: a read-only data directory gives ReadOnlyStoreError", async () => {
  using dir = tempDir();
  Deno.chmodSync(dir.path, 0o755);
  const asNobody = Deno.uid() === 0;
  // an existing store in a directory that became read-only
  const existing = join(dir.path, "existing");
  Store.open({ dataDir: existing }).close();
  // an empty read-only directory, and a missing one below it
  const empty = join(dir.path, "empty");
  Deno.mkdirSync(empty);
  for (const path of [existing, empty]) Deno.chmodSync(path, 0o555);
  try {
    for (const dataDir of [existing, empty, join(empty, "missing")]) {
      const outcome = await openAs(dataDir, asNobody, dir.path);
      assert.equal(outcome.name, "ReadOnlyStoreError", JSON.stringify(outcome));
      assert.equal(outcome.typed, true);
      assert.equal(outcome.path, join(dataDir, "dim.db"));
      assert.match(String(outcome.message), /cannot write the store .*dim\.db/);
      assert.match(String(outcome.message), /--data-dir/);
    }
  } finally {
    for (const path of [existing, empty]) Deno.chmodSync(path, 0o755);
  }
});
