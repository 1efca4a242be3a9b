import assert from "node:assert/strict";
import {
  MAX_KEYWORD_LENGTH,
  MAX_SEARCH_KEYWORDS,
  Store,
} from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

const ALICE = "alice@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk";
const BOB = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const CAROL = "carol@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";
const NOMETA = "ghost@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ";

function addUser(
  store: Store,
  id: string,
  name: string | undefined,
  created = 1,
  meta = true,
): void {
  if (meta) store.metas.save(id, { type: 1, seed: id.split("@")[0] });
  store.documents.save({
    id,
    type: "visa",
    createdTime: created,
    time: created,
    name,
    doc: { did: id, data: JSON.stringify({ name }), signature: `s${created}` },
  });
}

function setup(store: Store): void {
  addUser(store, ALICE, "Alice Wonder");
  addUser(store, BOB, "Bobby Ämberg");
  addUser(store, CAROL, undefined);
  addUser(store, NOMETA, "Alice Ghost", 1, false);
}

Deno.test("search: a keyword matches the name or the ID, ignoring case", async () => {
  await withStore((store) => {
    setup(store);
    assert.deepEqual(store.search.searchUsers(["ALICE"], 0, 50), [ALICE]);
    assert.deepEqual(store.search.searchUsers(["wonder"], 0, 50), [ALICE]);
    // the ID part, without a name, and across the ", " separator
    assert.deepEqual(store.search.searchUsers(["4yeven3a"], 0, 50), [CAROL]);
    assert.deepEqual(store.search.searchUsers(["der, ali"], 0, 50), [ALICE]);
    // non-ASCII letters fold too
    assert.deepEqual(store.search.searchUsers(["ÄMBERG"], 0, 50), [BOB]);
    assert.deepEqual(store.search.searchUsers(["nobody-here"], 0, 50), []);
  });
});

Deno.test("search: every keyword must match, short keywords included", async () => {
  await withStore((store) => {
    setup(store);
    assert.deepEqual(store.search.searchUsers(["alice", "wonder"], 0, 50), [
      ALICE,
    ]);
    assert.deepEqual(store.search.searchUsers(["alice", "bobby"], 0, 50), []);
    // one- and two-character keywords (below the trigram length)
    assert.deepEqual(store.search.searchUsers(["bo", "y"], 0, 50), [BOB]);
    assert.deepEqual(store.search.searchUsers(["wonder", "qq"], 0, 50), []);
    assert.deepEqual(store.search.searchUsers(["e"], 0, 50), [
      ALICE,
      BOB,
      CAROL,
    ]);
    // quotes in a keyword are matched literally, not as query syntax
    assert.deepEqual(store.search.searchUsers(['"alice"'], 0, 50), []);
    assert.deepEqual(store.search.searchUsers(["ali AND bob"], 0, 50), []);
  });
});

Deno.test("search: no keywords match everything; IDs without a meta are skipped", async () => {
  await withStore((store) => {
    setup(store);
    assert.deepEqual(store.search.searchUsers([], 0, 50), [ALICE, BOB, CAROL]);
    assert.deepEqual(store.search.searchUsers(["", ""], 0, 50), [
      ALICE,
      BOB,
      CAROL,
    ]);
    assert.ok(!store.search.searchUsers(["ghost"], 0, 50).includes(NOMETA));
  });
});

Deno.test("search: an ID with several matching documents is reported once; paging by start/limit", async () => {
  await withStore((store) => {
    setup(store);
    addUser(store, ALICE, "Alice on her phone", 2);
    assert.deepEqual(store.search.searchUsers(["alice"], 0, 50), [ALICE]);
    const all = store.search.searchUsers(["@"], 0, 50);
    assert.deepEqual(all, [ALICE, BOB, CAROL]);
    assert.deepEqual(store.search.searchUsers(["@"], 1, 1), [BOB]);
    assert.deepEqual(store.search.searchUsers(["@"], 2, 5), [CAROL]);
    assert.deepEqual(store.search.searchUsers(["@"], 3, 5), []);
    assert.deepEqual(store.search.searchUsers(["@"], 0, 0), []);
    assert.deepEqual(store.search.searchUsers(["@"], -4, 1), [ALICE]);
  });
});

Deno.test("search: the index follows a replaced document", async () => {
  await withStore((store) => {
    setup(store);
    addUser(store, BOB, "Robert", 1);
    assert.deepEqual(store.search.searchUsers(["bobby"], 0, 50), []);
    assert.deepEqual(store.search.searchUsers(["robert"], 0, 50), [BOB]);
  });
});

Deno.test("search: the index survives reopening", async () => {
  using dir = (await import("./_temp.ts")).tempDir();
  const { Store } = await import("../../store/mod.ts");
  const first = Store.open({ dataDir: dir.path });
  setup(first);
  first.close();
  const second = Store.open({ dataDir: dir.path });
  try {
    assert.deepEqual(second.search.searchUsers(["wonder"], 0, 50), [ALICE]);
  } finally {
    second.close();
  }
});

Deno.test("search: only accepted IDs count, for paging too", async () => {
  await withStore((store) => {
    setup(store);
    const notAlice = (id: string) => id !== ALICE;
    // "a" is in every ID and name; Alice is left out and not counted
    assert.deepEqual(store.search.searchUsers(["a"], 0, 50, notAlice), [
      BOB,
      CAROL,
    ]);
    assert.deepEqual(store.search.searchUsers(["a"], 1, 50, notAlice), [
      CAROL,
    ]);
    assert.deepEqual(store.search.searchUsers(["alice"], 0, 50, notAlice), []);
  });
});

Deno.test("search: a query built to be slow is bounded — more than MAX_SEARCH_KEYWORDS keywords or one longer than MAX_KEYWORD_LENGTH finds nothing", async () => {
  await withStore((store) => {
    setup(store);
    // 20,000 different keywords took 13 s here before the bound
    const many = Array.from({ length: 20_000 }, (_, i) => `k${i}x`);
    assert.deepEqual(store.search.searchUsers(["alice", ...many], 0, 50), []);
    // one keyword more than the bound, every one of them in Alice's text
    const text = `alice wonder, ${ALICE}`.toLowerCase();
    const prefixes = Array.from(
      { length: MAX_SEARCH_KEYWORDS + 1 },
      (_, i) => text.slice(0, i + 1),
    );
    assert.deepEqual(
      store.search.searchUsers(prefixes.slice(1), 0, 50),
      [ALICE],
      "at the bound: searched",
    );
    assert.deepEqual(store.search.searchUsers(prefixes, 0, 50), []);
    assert.deepEqual(
      store.search.searchUsers(
        [text.padEnd(MAX_KEYWORD_LENGTH + 1, "x")],
        0,
        50,
      ),
      [],
    );
    assert.deepEqual(
      store.search.searchUsers(["%".repeat(300_000)], 0, 50),
      [],
    );
    // at the bounds: still searched
    const sixteen = Array.from({ length: MAX_SEARCH_KEYWORDS }, () => "ali")
      .map((w, i) => i === 0 ? "wonder" : w);
    assert.deepEqual(store.search.searchUsers(sixteen, 0, 50), [ALICE]);
    const long = `alice wonder, ${ALICE}`.toLowerCase();
    assert.ok(long.length <= MAX_KEYWORD_LENGTH);
    assert.deepEqual(store.search.searchUsers([long], 0, 50), [ALICE]);
  });
});

/** The index rows there are, by document seq (what a search can find). */
function indexRows(store: Store): Map<number, string> {
  return new Map(
    store.db.statement("SELECT rowid, text FROM document_search").all().map((
      row,
    ) => [Number(row.rowid), String(row.text)]),
  );
}

Deno.test("search index: rows are written behind the documents, in one commit, and before a search", async () => {
  await withStore(async (store) => {
    setup(store);
    // nothing written yet: four documents wait for the index commit
    assert.equal(store.searchIndex.pending, 4);
    assert.equal(indexRows(store).size, 0);
    // the timer writes them (within ~150 ms)
    const deadline = Date.now() + 5_000;
    while (store.searchIndex.pending > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(store.searchIndex.pending, 0);
    assert.deepEqual(
      [...indexRows(store).values()].sort(),
      [
        `alice ghost, ${NOMETA}`.toLowerCase(),
        `alice wonder, ${ALICE}`.toLowerCase(),
        `bobby ämberg, ${BOB}`.toLowerCase(),
        CAROL.toLowerCase(),
      ].sort(),
    );
    // a document stored just now is found by the next search
    addUser(store, "dave@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk", "Dave Newman");
    assert.equal(store.searchIndex.pending, 1);
    assert.deepEqual(store.search.searchUsers(["newman"], 0, 50), [
      "dave@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
    ]);
    assert.equal(store.searchIndex.pending, 0);
  });
});

Deno.test("search index: documents stored a little apart share one index commit", async () => {
  await withStore(async (store) => {
    addUser(store, ALICE, "Alice Wonder");
    await new Promise((resolve) => setTimeout(resolve, 60));
    // still waiting for others to share its commit (it waited 50 ms before)
    assert.equal(store.searchIndex.pending, 1);
    assert.equal(indexRows(store).size, 0);
    addUser(store, BOB, "Bobby Ämberg");
    assert.equal(store.searchIndex.pending, 2);
    const deadline = Date.now() + 5_000;
    while (store.searchIndex.pending > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(store.searchIndex.pending, 0);
    assert.equal(indexRows(store).size, 2);
  });
});

Deno.test("search index: a row is made from the document stored, never for one rolled back or replaced", async () => {
  await withStore((store) => {
    // rolled back: no row, and the seq used again indexes the new document
    assert.throws(() =>
      store.db.write(() => {
        addUser(store, ALICE, "Alice Rolledback");
        throw new Error("undone");
      })
    );
    addUser(store, BOB, "Bobby Kept");
    // replaced (same type and created_time) before its row was written
    addUser(store, CAROL, "Carol Old", 5);
    addUser(store, CAROL, "Carol New", 5);
    store.searchIndex.flush();
    const rows = [...indexRows(store).values()];
    assert.equal(rows.length, 2);
    assert.ok(rows.some((text) => text.startsWith("bobby kept, ")));
    assert.ok(rows.some((text) => text.startsWith("carol new, ")));
    assert.deepEqual(store.search.searchUsers(["rolledback"], 0, 50), []);
    assert.deepEqual(store.search.searchUsers(["carol old"], 0, 50), []);
    assert.deepEqual(store.search.searchUsers(["carol new"], 0, 50), [CAROL]);
    // replaced after its row was written: the row goes with the document
    addUser(store, CAROL, "Carol Newest", 5);
    assert.deepEqual(store.search.searchUsers(["carol"], 0, 50), [CAROL]);
    assert.deepEqual(store.search.searchUsers(["carol new,"], 0, 50), []);
    assert.equal(indexRows(store).size, 2);
  });
});

Deno.test("search index: rows lost with a process (never written) are made by the next search, once", async () => {
  await withStore((store, dir) => {
    // another connection to the file: a process whose rows were pending
    // when it died is this store with rows still pending
    const crashed = Store.open({ dataDir: dir });
    try {
      addUser(crashed, ALICE, "Alice Wonder");
      addUser(crashed, BOB, "Bobby Ämberg");
      assert.equal(crashed.searchIndex.pending, 2);
      assert.equal(indexRows(store).size, 0);
      // the first search of a process makes every missing row
      assert.deepEqual(store.search.searchUsers(["alice"], 0, 50), [ALICE]);
      assert.equal(indexRows(store).size, 2);
      // the other side's own write finds them there: nothing twice
      crashed.searchIndex.flush();
      assert.equal(indexRows(store).size, 2);
      // later, the newest document without a row is noticed too
      addUser(crashed, CAROL, "Carol Late");
      assert.deepEqual(store.search.searchUsers(["late"], 0, 50), [CAROL]);
    } finally {
      crashed.close();
    }
    assert.equal(indexRows(store).size, 3);
  });
});
