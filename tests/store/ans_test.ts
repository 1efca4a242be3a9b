import assert from "node:assert/strict";
import { InvalidRecordError } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

Deno.test("ans: set, replace, read, list and delete records", async () => {
  await withStore((store) => {
    assert.equal(store.ans.get("archivist"), undefined);
    store.ans.set("archivist", "archivist@old");
    store.ans.set("assistant", "assistant@x");
    store.ans.set("archivist", "archivist@new");
    assert.equal(store.ans.get("archivist"), "archivist@new");
    assert.deepEqual(store.ans.all(), {
      archivist: "archivist@new",
      assistant: "assistant@x",
    });
    assert.equal(store.ans.delete("assistant"), true);
    assert.equal(store.ans.delete("assistant"), false);
    assert.deepEqual(store.ans.all(), { archivist: "archivist@new" });
  });
});

Deno.test("ans: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    assert.throws(() => store.ans.set("", "a@x"), InvalidRecordError);
    assert.throws(() => store.ans.set("a", ""), InvalidRecordError);
    assert.throws(() => store.ans.set("a", "a@x/terminal"), InvalidRecordError);
    assert.deepEqual(store.ans.all(), {});
  });
});
