/**
 * A thread's nice value for `dim bench --sessions` (Linux: per thread):
 * the storm's thread may yield to the station (`--storm-nice`), the probe
 * pair's thread may go ahead of the bench's own (`--probe-nice`).
 *
 * @module
 */
import { getPriority, setPriority } from "node:os";

/**
 * Sets the calling thread's nice value (0: left as it is) and returns it as
 * read back: a value this process may not set (a negative one without
 * `CAP_SYS_NICE`) leaves the thread as it was, which the result then says.
 *
 * @example
 * ```ts
 * import { setThreadNice } from "./_thread_nice.ts";
 * setThreadNice(0); // this thread's nice value, unchanged
 * ```
 */
export function setThreadNice(nice: number): number {
  if (nice === 0) return getPriority(0);
  try {
    setPriority(0, nice);
  } catch {
    // not allowed here: read back what it is
  }
  return getPriority(0);
}
