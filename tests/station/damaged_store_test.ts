/**
 * Issue 19: a store file damaged on disk is detected when `dim station`
 * starts — not a SQLite file, or pages that do not check out — and the
 * station refuses to start with a clear message that points to
 * `dim restore`; the file is left as it was.
 */
import assert from "node:assert/strict";
import { startLocalStation, stopStation } from "./_child.ts";

/** Starts and stops a station once, so that its store exists. */
async function storeOnce(dir: string): Promise<string> {
  const child = await startLocalStation(dir);
  await stopStation(child, "SIGTERM");
  return `${dir}/dim.db`;
}

/** Starts `dim station` on a damaged store: its stderr (it must not start). */
async function refused(dir: string): Promise<string> {
  try {
    const child = await startLocalStation(dir);
    await stopStation(child, "SIGTERM");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("dim station started on a damaged store");
}

for (
  const [what, damage] of [
    [
      "a header that is no SQLite header",
      (bytes: Uint8Array) =>
        bytes.set(new TextEncoder().encode("garbage garbage!"), 0),
    ],
    [
      "pages past the first overwritten",
      (bytes: Uint8Array) => bytes.fill(0xab, 4096 * 2, bytes.length),
    ],
  ] as const
) {
  Deno.test(`damaged store (${what}): dim station does not start, says so and points to dim restore; the file is left as it was`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-damaged-" });
    try {
      const path = await storeOnce(dir);
      const bytes = Deno.readFileSync(path);
      damage(bytes);
      Deno.writeFileSync(path, bytes);
      const stderr = await refused(dir);
      assert.match(stderr, /the store .*dim\.db is damaged/);
      assert.match(stderr, /dim restore <backup file>/);
      assert.deepEqual(Deno.readFileSync(path), bytes, "left as it was");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
