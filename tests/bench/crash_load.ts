/**
 * The long crash run (`deno task crash [pairs=20] [cycles=20]`): like
 * `tests/station/crash_test.ts` with more senders and more `kill -9`
 * cycles; prints the report as one JSON line and exits 1 when an answered
 * message was lost.
 *
 * @module
 */
import { crashRun } from "../station/_crash.ts";
import { print } from "./_process.ts";

const [pairs = 20, cycles = 20] = Deno.args.map(Number);
const report = await crashRun({
  pairs,
  cycles,
  window: 16,
  minMs: 200,
  maxMs: 3000,
  drainMs: 60_000,
});
print(JSON.stringify({ pairs, cycles, ...report }));
if (report.lost > 0) Deno.exit(1);
