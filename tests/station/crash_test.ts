/**
 * No answered message is lost to `kill -9`: real `dim station` processes on
 * one data directory, many senders pushing live to online receivers, the
 * station killed at random moments and restarted; every text a sender got
 * a station receipt for reaches its receiver (the longer run:
 * `deno task crash`).
 */
import assert from "node:assert/strict";
import { crashRun } from "./_crash.ts";
import { print } from "../bench/_process.ts";

Deno.test("kill -9 five times under live load: every message answered by the station reaches its receiver", async () => {
  const report = await crashRun({
    pairs: 6,
    cycles: 5,
    window: 8,
    minMs: 300,
    maxMs: 1500,
    drainMs: 20_000,
  });
  print(`crash run: ${JSON.stringify(report)}`);
  assert.equal(report.kills, 5);
  assert.ok(report.answered > 0, "the station answered some texts");
  assert.ok(
    (report.receipts["Message delivered."] ?? 0) > 0,
    "texts were pushed live",
  );
  assert.equal(report.lost, 0, `lost ${report.lost} answered texts`);
  assert.equal(report.delivered, report.answered);
});
