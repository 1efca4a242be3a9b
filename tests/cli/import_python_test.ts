/**
 * `dim import python DIR` on data the reference tools made: the reference
 * station (refstack's start_station.sh, its register tool) and two users
 * registered by the reference client (refstack's client.py) left
 * tests/cli/fixtures/python_station/ (its [database] root: public/ and
 * private/, copied unchanged). The 2021 layout is the same files under
 * their 2021 names (profile.js, members.txt); the group is one made by
 * `dim register` (the reference client makes none), its members the
 * fixture's users.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generatePrivateKey } from "../../dimp/crypto/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { dim, tempDir } from "./_dim.ts";

const FIXTURE = new URL("./fixtures/python_station", import.meta.url).pathname;
const STATION = "gsp-ref39521@q3wVaMERXPV1DkL3GsUrMjxUiEXAFsGCS";
const ALICE = "alice@1CvG52PhyMXBw4A9EjCSzqvEWmSY3eQrHP";
const BOB = "bob@1CKs9qE88EwDs59atgoUssDAoLPqgGf8nW";
const STATION_ADDRESS = STATION.split("@")[1];

/** A group account made by dim, exported (meta and documents). */
async function makeGroup(dir: string): Promise<Record<string, unknown>> {
  const inDir = ["--data-dir", dir, "register"];
  const founder = await dim([...inDir, "generate", "user", "--name", "F"]);
  assert.equal(founder.code, 0, founder.stderr);
  const group = await dim([
    ...inDir,
    "generate",
    "group",
    "--founder",
    founder.lastLine,
    "--name",
    "Team",
  ]);
  assert.equal(group.code, 0, group.stderr);
  const exported = await dim([...inDir, "export", group.lastLine]);
  return JSON.parse(exported.stdout);
}

Deno.test("dim import python: today's layout from the reference station — its ID and keys kept, users' metas and visas, a group's lists; again is a no-op", async () => {
  using dir = tempDir();
  const root = join(dir.path, "var-dim");
  Deno.mkdirSync(root);
  for (const top of ["public", "private"]) {
    Deno.mkdirSync(join(root, top));
    for (const entry of Deno.readDirSync(join(FIXTURE, top))) {
      Deno.mkdirSync(join(root, top, entry.name));
      for (const file of Deno.readDirSync(join(FIXTURE, top, entry.name))) {
        Deno.copyFileSync(
          join(FIXTURE, top, entry.name, file.name),
          join(root, top, entry.name, file.name),
        );
      }
    }
  }
  const group = await makeGroup(join(dir.path, "scratch"));
  const groupAddress = (group.id as string).split("@")[1];
  Deno.mkdirSync(join(root, "public", groupAddress));
  Deno.writeTextFileSync(
    join(root, "public", groupAddress, "meta.js"),
    JSON.stringify(group.meta),
  );
  Deno.writeTextFileSync(
    join(root, "public", groupAddress, "documents.js"),
    JSON.stringify(group.documents),
  );
  Deno.mkdirSync(join(root, "protected", groupAddress), { recursive: true });
  Deno.writeTextFileSync(
    join(root, "protected", groupAddress, "members.js"),
    JSON.stringify([ALICE, BOB]),
  );
  Deno.writeTextFileSync(
    join(root, "protected", groupAddress, "administrators.js"),
    JSON.stringify([BOB]),
  );
  Deno.mkdirSync(join(root, "public", "not-an-account"));
  Deno.mkdirSync(join(root, "mkm"));

  const data = join(dir.path, "data");
  const run = await dim(["--data-dir", data, "import", "python", root]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    run.stdout.trimEnd().split("\n").sort(),
    [ALICE, BOB, STATION, group.id as string].sort(),
  );
  assert.match(
    run.stderr,
    new RegExp(
      `dim: imported ${STATION} \\(meta, 1 document\\(s\\), 2 private key\\(s\\)\\) — this station: keep \\[station\\] id = ${STATION}\\n`,
    ),
  );
  assert.match(
    run.stderr,
    new RegExp(`dim: imported ${ALICE} \\(meta, 1 document\\(s\\)\\)\\n`),
  );
  assert.match(
    run.stderr,
    new RegExp(
      `dim: imported the lists of group ${group.id} \\(2 members, 1 administrators\\)`,
    ),
  );
  assert.match(
    run.stderr,
    /dim: public\/not-an-account: no meta\.js: skipped\n/,
  );
  assert.match(run.stderr, /dim: mkm\/: not station data dim keeps: skipped\n/);
  assert.match(
    run.stderr,
    /dim: took 4 accounts \(1 with private keys\) and 1 groups into .*; skipped 2, refused 0\n$/,
  );

  const store = Store.open({ dataDir: data });
  try {
    const accounts = new Accounts(store);
    assert.equal(accounts.identityKey(STATION) !== undefined, true);
    assert.equal(accounts.decryptionKeys(STATION).length, 1);
    assert.equal(accounts.visa(ALICE)?.getProperty("name"), "alice");
    assert.deepEqual(store.groupMembers.get(group.id as string), [ALICE, BOB]);
    assert.deepEqual(store.groupAdmins.get(group.id as string), [BOB]);
  } finally {
    store.close();
  }
  // the station runs as the Python station's ID
  const check = await dim([
    "--data-dir",
    data,
    "station",
    "--check",
    "--port",
    "0",
  ]);
  assert.match(
    check.stdout,
    new RegExp(
      `ok {4}identity: ${STATION} \\(meta, visa, signing key, 1 decryption key\\)`,
    ),
  );
  const again = await dim(["--data-dir", data, "import", "python", root]);
  assert.equal(again.code, 0, again.stderr);
});

Deno.test("dim import python: the 2021 layout (profile.js, members.txt); other keys in the store for the same ID are refused; not a data directory", async () => {
  using dir = tempDir();
  const root = join(dir.path, "dot-dim");
  for (const address of Deno.readDirSync(join(FIXTURE, "public"))) {
    const from = join(FIXTURE, "public", address.name);
    const to = join(root, "public", address.name);
    Deno.mkdirSync(to, { recursive: true });
    Deno.copyFileSync(join(from, "meta.js"), join(to, "meta.js"));
    const [profile] = JSON.parse(
      Deno.readTextFileSync(join(from, "documents.js")),
    );
    Deno.writeTextFileSync(join(to, "profile.js"), JSON.stringify(profile));
  }
  const secret = join(root, "private", STATION_ADDRESS);
  Deno.mkdirSync(secret, { recursive: true });
  for (const file of ["secret.js", "secret_keys.js"]) {
    Deno.copyFileSync(
      join(FIXTURE, "private", STATION_ADDRESS, file),
      join(secret, file),
    );
  }
  // members of a group without a meta: its lists are skipped, said so
  Deno.mkdirSync(join(root, "protected", "nogroup"), { recursive: true });
  Deno.writeTextFileSync(
    join(root, "protected", "nogroup", "members.txt"),
    `${ALICE}\n${BOB}\n`,
  );

  // a store that already holds another message key for the station's ID
  const data = join(dir.path, "data");
  const store = Store.open({ dataDir: data });
  const other = await generatePrivateKey("RSA");
  store.privateKeys.save(STATION, "V", other.toDictionary());
  store.close();

  const run = await dim(["--data-dir", data, "import", "python", root]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `dim: ${STATION}: the store holds other message private keys for it: refused \\(nothing of it written\\)\\n`,
    ),
  );
  assert.match(
    run.stderr,
    /dim: protected\/nogroup: no group meta in public\/nogroup: its lists are skipped\n/,
  );
  assert.match(
    run.stderr,
    /took 2 accounts \(0 with private keys\) and 0 groups/,
  );
  const after = Store.open({ dataDir: data });
  try {
    const accounts = new Accounts(after);
    assert.equal(accounts.meta(STATION), undefined, "nothing of it written");
    assert.equal(accounts.identityKey(STATION), undefined);
    assert.equal(accounts.visa(BOB)?.getProperty("name"), "bob");
  } finally {
    after.close();
  }

  const none = await dim(["--data-dir", data, "import", "python", dir.path]);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /has no public\/ directory: name the Python station's \[database\] root/,
  );
  const usage = await dim(["import", "mysql", root]);
  assert.equal(usage.code, 2);
});
