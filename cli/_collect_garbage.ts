/**
 * A full garbage collection on demand (private to `cli/`): the bench
 * collects what packing and the handshakes left before its clock starts,
 * so that V8 does not mark and sweep it in the timed phase, on the
 * generator's account; `dim station` collects what its self warm-up left
 * before it listens.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined | null = null;

/**
 * Collects garbage now (V8's `gc()`, exposed for this); does nothing where
 * the runtime does not allow it.
 *
 * @example
 * ```ts
 * import { collectGarbage } from "./_collect_garbage.ts";
 * collectGarbage();
 * ```
 */
export function collectGarbage(): void {
  if (gc === null) {
    try {
      setFlagsFromString("--expose-gc");
      const found: unknown = runInNewContext("gc");
      gc = typeof found === "function" ? found as () => void : undefined;
    } catch {
      gc = undefined;
    }
  }
  gc?.();
}
