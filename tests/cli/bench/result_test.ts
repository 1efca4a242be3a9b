import assert from "node:assert/strict";
import { percentiles, round3 } from "../../../cli/bench/mod.ts";

Deno.test("percentiles: nearest rank of 1 … 100; empty is null", () => {
  const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(percentiles(values), {
    p50: 50,
    p90: 90,
    p99: 99,
    max: 100,
    n: 100,
  });
  assert.deepEqual(percentiles(new Float64Array(0)), {
    p50: null,
    p90: null,
    p99: null,
    max: null,
    n: 0,
  });
  assert.deepEqual(percentiles(Float64Array.of(0.12345)).p99, 0.123);
  assert.equal(round3(2.0005), 2.001);
});
