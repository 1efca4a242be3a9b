import assert from "node:assert/strict";
import { VECTORS_DIR } from "./_vectors.ts";

const SHARED = new URL("../../shared/vectors/", import.meta.url);

function sharedPresent(): boolean {
  try {
    return Deno.statSync(SHARED).isDirectory;
  } catch {
    return false;
  }
}

for (
  const name of ["identity", "messages", "reference-generated", "transport"]
) {
  Deno.test({
    name:
      `vectors: tests/vectors/${name}.json equals ../shared/vectors/${name}.json`,
    ignore: !sharedPresent(),
    fn() {
      const copy = Deno.readFileSync(new URL(`${name}.json`, VECTORS_DIR));
      const original = Deno.readFileSync(new URL(`${name}.json`, SHARED));
      assert.deepEqual(copy, original);
    },
  });
}
