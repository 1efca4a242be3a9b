/**
 * The Deno executable as the unprivileged user "nobody" (uid 65534) can run
 * it, for the tests that check read-only directories as root: the binary
 * itself where every folder above it lets others through, else a copy in
 * the temp directory (npx keeps it under root's home, which is closed to
 * others).
 *
 * @module
 */
import { dirname } from "node:path";

function _othersMayRun(path: string): boolean {
  for (let at = path; at !== dirname(at); at = dirname(at)) {
    const mode = Deno.statSync(at).mode;
    if (mode === null || (mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * A path of the running Deno that uid 65534 may execute.
 *
 * @example
 * ```ts
 * import { denoForNobody } from "./_nobody.ts";
 * const deno = denoForNobody();
 * new Deno.Command(deno, { args: ["--version"] });
 * ```
 */
export function denoForNobody(): string {
  const path = Deno.execPath();
  if (_othersMayRun(path)) return path;
  const copy = `${
    Deno.env.get("TMPDIR") ?? "/tmp"
  }/dim-test-deno-${Deno.version.deno}`;
  try {
    if (Deno.statSync(copy).size === Deno.statSync(path).size) return copy;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const partial = `${copy}.${Deno.pid}`;
  Deno.copyFileSync(path, partial);
  Deno.chmodSync(partial, 0o755);
  Deno.renameSync(partial, copy);
  return copy;
}
