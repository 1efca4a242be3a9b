/**
 * `[station] preload_users` through `dim station`: a station restarted on
 * the same data directory reads its recent users ahead at start (one info
 * line with the counts); `DIM_STATION_PRELOAD_USERS=0` turns it off. Real
 * station processes, a real store, the users' handshakes made by
 * `dim bench` over 127.0.0.1.
 */
import assert from "node:assert/strict";
import { startLocalStation, stopStation } from "../station/_child.ts";
import { dim, tempDir } from "./_dim.ts";

const READ_AHEAD = /read ahead the accounts of recent users/;

Deno.test("dim station: after a restart the recent users are read ahead (users=4 message_keys=4); preload_users = 0 reads none", async () => {
  using dir = tempDir();
  const station = (env: Record<string, string> = {}) =>
    startLocalStation(`${dir.path}/station`, ["--log", "info"], [], env);
  const first = await station();
  try {
    // four users handshake: each seals a message key for the station
    const run = await dim([
      "--data-dir",
      `${dir.path}/bench`,
      "bench",
      "--station",
      `${first.host}:${first.port}`,
      "--sessions",
      "4",
      "--hold",
      "0.2",
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
  } finally {
    await stopStation(first, "SIGTERM");
  }
  assert.doesNotMatch(first.log(), READ_AHEAD); // nothing to read on a new store

  const again = await station();
  await stopStation(again, "SIGTERM");
  assert.match(
    again.log(),
    /read ahead the accounts of recent users .*users=4 message_keys=4/,
  );

  const off = await station({
    DIM_STATION_PRELOAD_USERS: "0",
  });
  await stopStation(off, "SIGTERM");
  assert.doesNotMatch(off.log(), READ_AHEAD);
});
