/**
 * A full garbage collection on demand: V8's `gc()`, exposed for this with
 * `node:v8`'s `setFlagsFromString("--expose-gc")` and fetched from a new
 * `node:vm` context. The station runs it once a handshake storm is over
 * ({@link StormCollector}); `dim bench` runs it before its clock starts, so
 * that V8 does not mark and sweep the packing's garbage on the generator's
 * account.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined | null = null;

/**
 * Collects garbage now (a full, stop-the-world mark-compact); returns
 * `false`, having done nothing, where the runtime does not allow it.
 *
 * @example
 * ```ts
 * import { collectGarbage } from "./collect_garbage.ts";
 * collectGarbage(); // true in Deno
 * ```
 */
export function collectGarbage(): boolean {
  if (gc === null) {
    try {
      setFlagsFromString("--expose-gc");
      const found: unknown = runInNewContext("gc");
      gc = typeof found === "function" ? found as () => void : undefined;
    } catch {
      gc = undefined;
    }
  }
  if (gc === undefined) return false;
  gc();
  return true;
}
