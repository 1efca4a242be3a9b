/**
 * The committed bundle of the chat page (`web/bundle.ts`) is what
 * `deno task bundle-web` makes from the sources now: a change to
 * `web/app/` or `dimp/` without a new bundle fails here.
 */
import assert from "node:assert/strict";
import { buildBundleModule } from "../../web/build.ts";

Deno.test("web: web/bundle.ts is up to date (else run `deno task bundle-web`)", async () => {
  const committed = await Deno.readTextFile(
    new URL("../../web/bundle.ts", import.meta.url),
  );
  const fresh = await buildBundleModule();
  assert.ok(
    committed === fresh,
    "web/bundle.ts is stale: run `deno task bundle-web` and commit it",
  );
  // the browser bundle never loads node:crypto (only the Deno branch names it)
  assert.doesNotMatch(fresh, /\bimport\s*[{*\w][^;]*from\s*\\?"node:/);
});
