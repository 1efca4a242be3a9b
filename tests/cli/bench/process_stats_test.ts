import assert from "node:assert/strict";
import {
  ownCpuMs,
  ProcessStatsError,
  sampleProcess,
  sampleProcesses,
} from "../../../cli/bench/mod.ts";

const linux = Deno.build.os === "linux";

Deno.test({
  name: "process stats: this process's CPU time and memory from /proc",
  ignore: !linux,
  fn() {
    const before = sampleProcess(Deno.pid);
    let x = 0;
    const until = performance.now() + 50;
    while (performance.now() < until) x++;
    const after = sampleProcess(Deno.pid);
    assert.ok(x > 0);
    assert.ok(after.cpuMs >= before.cpuMs);
    assert.ok(after.rssMiB > 1);
    assert.ok(after.peakRssMiB >= after.rssMiB);
    const twice = sampleProcesses([Deno.pid, Deno.pid]);
    assert.ok(twice.rssMiB >= 2 * after.rssMiB * 0.9);
  },
});

Deno.test("process stats: a pid that is not running is a ProcessStatsError", () => {
  assert.throws(
    () => sampleProcess(999_999_999),
    (error) =>
      error instanceof ProcessStatsError && error.pid === 999_999_999 &&
      /no such process/.test(error.message),
  );
  assert.throws(
    () => sampleProcesses([Deno.pid, 999_999_999]),
    ProcessStatsError,
  );
});

Deno.test("process stats: the generator's own CPU time grows with work", () => {
  const before = ownCpuMs();
  let x = 0;
  const until = performance.now() + 30;
  while (performance.now() < until) x++;
  assert.ok(x > 0);
  assert.ok(ownCpuMs() > before);
});
