/**
 * `deno task soak [--minutes N] [--seed S] [--restart-every R]`: the soak of issue 19 (see
 * tests/soak/_soak.ts). A progress line per round on stderr; the report as
 * one JSON object on stdout. Exit status 0 when nothing failed and no
 * acknowledged message was lost.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runSoak } from "./_soak.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "30" },
    seed: { type: "string", default: "19" },
    "restart-every": { type: "string", default: "4" },
  },
});
const encoder = new TextEncoder();
const report = await runSoak({
  durationMs: Number(values.minutes) * 60_000,
  seed: Number(values.seed),
  benchUsers: 20,
  benchMessages: 100,
  restartEvery: Number(values["restart-every"]),
  progress: (line) => Deno.stderr.writeSync(encoder.encode(`${line}\n`)),
});
Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(report)}\n`));
Deno.exit(report.failures.length === 0 && report.lost === 0 ? 0 : 1);
