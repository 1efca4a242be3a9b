/**
 * The libcrypto loader (`station/libcrypto.ts`): a process that exits while
 * its worker threads are inside libcrypto calls exits cleanly — OpenSSL's
 * own exit handler, which frees the locks those calls take, is not
 * registered. Real libcrypto in real child processes; ignored, with the
 * reason, where libcrypto does not load.
 */
import assert from "node:assert/strict";
import { DEFAULT_LIBCRYPTO, openLibcrypto } from "../../station/libcrypto.ts";

let missing = "";
try {
  openLibcrypto(DEFAULT_LIBCRYPTO, {
    OpenSSL_version_num: { parameters: [], result: "u64" },
  }).close();
} catch (error) {
  missing = `libcrypto does not load: ${(error as Error).message}`;
}

/** Runs the child once: its exit code and whether it got to its exit. */
async function exitWhileBusy(): Promise<{ code: number; exiting: boolean }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-ffi",
      "--allow-read",
      new URL("./_libcrypto_exit_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return {
    code: output.code,
    exiting: new TextDecoder().decode(output.stdout).includes("exiting"),
  };
}

Deno.test({
  name: missing === ""
    ? "libcrypto: a process exits cleanly while two threads are inside libcrypto calls (24 runs; without OPENSSL_INIT_NO_ATEXIT about one in three crashed)"
    : `libcrypto: exit while threads call it (ignored: ${missing})`,
  ignore: missing !== "",
  fn: async () => {
    const runs: { code: number; exiting: boolean }[] = [];
    for (let batch = 0; batch < 6; batch++) {
      runs.push(...await Promise.all([0, 1, 2, 3].map(() => exitWhileBusy())));
    }
    for (const run of runs) assert.ok(run.exiting, JSON.stringify(runs));
    assert.deepEqual(
      runs.map((run) => run.code),
      runs.map(() => 0),
    );
  },
});
