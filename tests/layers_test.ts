/**
 * The layer rule as a test: imports only go down `dimp` → `store` → `client`
 * → `station` | `bots` → `cli` (`station/` and `bots/` are siblings), `dimp/`
 * imports nothing of ours outside itself, `mod.ts` re-exports `dimp/` only,
 * and no two files import each other, directly or round a longer cycle.
 *
 * The graph is read from the source (static `import`/`export … from` and
 * `import()` of a relative path), so a type-only import counts too.
 */
import assert from "node:assert/strict";
import {
  findImportCycles,
  forbiddenImports,
  readImportGraph,
} from "./_layers.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("layers: no import goes up or sideways between the layers", async () => {
  const graph = await readImportGraph(ROOT);
  assert.deepEqual(forbiddenImports(graph), []);
});

Deno.test("layers: no import cycle between files", async () => {
  const graph = await readImportGraph(ROOT);
  assert.deepEqual(findImportCycles(graph), []);
});

Deno.test("layers: the rule fails on an upward import and on a cycle", () => {
  const graph = new Map<string, string[]>([
    ["station/a.ts", ["bots/b.ts", "client/c.ts"]],
    ["bots/b.ts", ["station/a.ts"]],
    ["client/c.ts", ["cli/output.ts"]],
    ["dimp/x.ts", ["store/y.ts", "deno.json"]],
    ["store/y.ts", ["dimp/x.ts"]],
    ["mod.ts", ["dimp/x.ts", "store/y.ts"]],
    ["cli/main.ts", ["station/a.ts", "bots/b.ts", "deno.json"]],
  ]);
  assert.deepEqual(forbiddenImports(graph), [
    "bots/b.ts imports station/a.ts",
    "client/c.ts imports cli/output.ts",
    "dimp/x.ts imports deno.json",
    "dimp/x.ts imports store/y.ts",
    "mod.ts imports store/y.ts",
    "station/a.ts imports bots/b.ts",
  ]);
  assert.deepEqual(findImportCycles(graph), [
    "bots/b.ts → station/a.ts → bots/b.ts",
    "dimp/x.ts → store/y.ts → dimp/x.ts",
  ]);
});
