/**
 * The short soak of the default suite (issue 19): two rounds (about 30 seconds) of
 * `dim bench`, hostile sessions, reconnect storms and station restarts
 * (kill -9 and SIGTERM) against a real `dim station`; nothing fails and no
 * acknowledged message is lost. `deno task soak` runs the long one.
 */
import assert from "node:assert/strict";
import { runSoak } from "./_soak.ts";

Deno.test("short soak: bench + hostile sessions + reconnect storms + restarts; no failure, no acked message lost", async () => {
  const report = await runSoak({
    durationMs: 0,
    minRounds: 2,
    benchUsers: 4,
    benchMessages: 25,
    hostilePerRound: 10,
    stormSessions: 8,
    stormsPerRound: 1,
    offlinePerRound: 20,
  });
  assert.deepEqual(report.failures, []);
  assert.ok(report.rounds >= 2, `${report.rounds} rounds`);
  assert.ok(report.restarts.kill9 >= 1 && report.restarts.term >= 1);
  assert.ok(report.acked > 0, "messages were acknowledged before restarts");
  assert.equal(report.lost, 0);
  assert.equal(report.bench.delivered, report.bench.planned);
  assert.ok(report.memory.length > 0, "memory sampled");
});
