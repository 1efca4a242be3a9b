/**
 * The process's file descriptor table, grown once at start to hold every
 * connection the station may accept.
 *
 * Linux grows a process's descriptor table by doubling it when a new
 * descriptor does not fit (64, 128, … slots), and in a process with more
 * than one thread — the station's workers — every growth waits for an RCU
 * grace period (`expand_files` calls `synchronize_rcu`) in the thread that
 * opened the descriptor: for the station that is the main thread in
 * `accept`, which then routes nothing for 9–29 ms. A station that went from
 * nothing to 1,000 connections grew its table three or four times during
 * that storm, and a text between two connected users waited behind each
 * (issue 18, docs/performance/sessions.md "Twenty-first round"). Growing
 * it once before the station listens pays that wait once, where nobody
 * waits for it; a table never shrinks.
 *
 * The table is grown by duplicating a standard descriptor onto the highest
 * slot wanted and closing it again (libc's `dup2` and `close` through FFI,
 * so `--allow-ffi`), never past the open-files limit (`RLIMIT_NOFILE`).
 * What it costs: 8 bytes of kernel memory per slot (128 KiB for 16,384).
 *
 * @module
 */

/** `RLIMIT_NOFILE` in Linux's `getrlimit`. */
const RLIMIT_NOFILE = 7;

/** No table grown past this many slots, whatever the limit says. */
const MAX_SLOTS = 1 << 20;

const LIBC_SYMBOLS = {
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

/** What {@link growFdTable} did. */
export interface FdTableGrowth {
  /** Descriptors the table holds at least now (0 when it was left as it was). */
  readonly descriptors: number;
  /** How long it took (ms). */
  readonly ms: number;
  /** Why the table was left as it was. */
  readonly skipped?: string;
}

/**
 * Grows this process's descriptor table to hold at least `descriptors`
 * (at most the open-files limit), so that opening that many later never
 * grows it. Never throws: where it cannot (not Linux, no `--allow-ffi`, no
 * glibc), `skipped` says why and the table grows on demand as before.
 *
 * @example
 * ```ts
 * import { growFdTable } from "./fd_table.ts";
 * const grown = growFdTable(1024);
 * grown.descriptors > 0 || grown.skipped !== undefined; // true
 * ```
 */
export function growFdTable(descriptors: number): FdTableGrowth {
  const start = performance.now();
  const done = (held: number, skipped?: string): FdTableGrowth => ({
    descriptors: held,
    ms: performance.now() - start,
    ...(skipped === undefined ? {} : { skipped }),
  });
  if (Deno.build.os !== "linux") return done(0, "not Linux");
  let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  } catch (error) {
    return done(0, `libc.so.6 not loaded: ${(error as Error).message}`);
  }
  try {
    const limit = new BigUint64Array(2);
    if (libc.symbols.getrlimit(RLIMIT_NOFILE, limit) !== 0) {
      return done(0, "getrlimit failed");
    }
    const soft = limit[0] > BigInt(MAX_SLOTS) ? MAX_SLOTS : Number(limit[0]);
    const highest = Math.min(Math.floor(descriptors), soft, MAX_SLOTS) - 1;
    if (highest < 3) return done(0, "nothing to grow");
    // open already (dup2 onto itself says so and changes nothing): the
    // table holds it, and dup2 from another one would close it
    if (libc.symbols.dup2(highest, highest) === highest) {
      return done(highest + 1);
    }
    for (const standard of [2, 1, 0]) {
      if (libc.symbols.dup2(standard, highest) === highest) {
        libc.symbols.close(highest);
        return done(highest + 1);
      }
    }
    return done(0, "no standard descriptor open to duplicate");
  } finally {
    libc.close();
  }
}
