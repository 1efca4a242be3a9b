/**
 * Helpers of the native engines' tests (`openssl_rsa_test.ts`,
 * `libsecp256k1_test.ts`): a shared library built with gcc over the real
 * one (a shim that changes one symbol), and a child process run without
 * `--allow-ffi`.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Builds `source` (C) with gcc into a shared library linked against
 * `library` (a soname, every symbol the shim does not define comes from
 * it) in `dir`; its path.
 *
 * @throws {Error} it cannot be built (no C compiler, a compile error): gcc
 *   is on every machine of this kind (with node-gyp), so a test says so
 *   rather than pass
 */
export function buildShim(
  dir: string,
  source: string,
  library: string,
): string {
  const file = `${dir}/shim.c`;
  const path = `${dir}/libshim.so`;
  Deno.writeTextFileSync(file, source);
  let result: Deno.CommandOutput;
  try {
    result = new Deno.Command("gcc", {
      args: [
        "-shared",
        "-fPIC",
        "-o",
        path,
        file,
        "-Wl,--no-as-needed",
        `-l:${library}`,
        "-ldl",
      ],
      stderr: "piped",
    }).outputSync();
  } catch (error) {
    throw new Error(
      `cannot build the test library: no C compiler: ${
        (error as Error).message
      }`,
    );
  }
  if (result.code !== 0) {
    throw new Error(
      `cannot build the test library: ${
        new TextDecoder().decode(result.stderr).trim()
      }`,
    );
  }
  return path;
}

/**
 * Runs the script `child` with `--allow-read --allow-env` only (no
 * `--allow-ffi`) and returns its stdout; asserts that it exits 0.
 */
export async function runWithoutFfi(child: URL): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", child.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}
