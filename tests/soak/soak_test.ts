/**
 * The short soak of the default suite (issue 19): about 25 seconds of
 * `dim bench`, hostile sessions, reconnect storms and station restarts
 * (kill -9 and SIGTERM) against a real `dim station`; nothing fails and no
 * acknowledged message is lost. `deno task soak` runs the long one.
 */
import assert from "node:assert/strict";
import { runSoak } from "./_soak.ts";

Deno.test("short soak: bench + hostile sessions + reconnect storms + restarts; no failure, no acked message lost", async () => {
  const report = await runSoak({
    durationMs: 20_000,
    benchUsers: 6,
    benchMessages: 30,
    hostilePerRound: 15,
    stormSessions: 10,
    stormsPerRound: 2,
    offlinePerRound: 30,
  });
  assert.deepEqual(report.failures, []);
  assert.ok(report.rounds >= 2, `${report.rounds} rounds`);
  assert.ok(report.restarts.kill9 >= 1 && report.restarts.term >= 1);
  assert.ok(report.acked > 0, "messages were acknowledged before restarts");
  assert.equal(report.lost, 0);
  assert.equal(report.bench.delivered, report.bench.planned);
  assert.ok(report.memory.length > 0, "memory sampled");
});
