/**
 * `sourceAddresses`: how `dim bench --sessions` spreads its connections
 * over loopback source addresses; `runSessions` against a real station
 * through a tampering proxy: which of the station's handshake replies it
 * checks, and how it counts them.
 */
import assert from "node:assert/strict";
import {
  ensureBenchUsers,
  runSessions,
  type SessionsResult,
  sourceAddresses,
} from "../../../cli/bench/mod.ts";
import { ecdsaEngine, rsaEngine } from "../../../dimp/crypto/mod.ts";
import { installCryptoEngine } from "../../../station/crypto_engine.ts";
import { installEcdsaChoice } from "../../../station/ecdsa_choice.ts";
import { tempAccounts } from "../../client/_accounts.ts";
import { startLocalStation, stopStation } from "../../station/_child.ts";
import { spoiledSignature, startTamperProxy } from "../_tamper_proxy.ts";

Deno.test("sourceAddresses: none up to 20,000 sessions (the system chooses), then one loopback address per 20,000 from 127.0.0.2, at most 250", () => {
  assert.deepEqual(sourceAddresses("127.0.0.1", 2), []);
  assert.deepEqual(sourceAddresses("127.0.0.1", 10_000), []);
  assert.deepEqual(sourceAddresses("127.0.0.1", 20_000), []);
  assert.deepEqual(sourceAddresses("127.0.0.1", 20_001), [
    "127.0.0.2",
    "127.0.0.3",
  ]);
  const many = sourceAddresses("127.0.0.9", 100_000);
  assert.equal(many.length, 5);
  assert.equal(many.at(-1), "127.0.0.6");
  assert.equal(sourceAddresses("127.0.0.1", 10_000_000).length, 250);
  assert.equal(sourceAddresses("127.0.0.1", 10_000_000).at(-1), "127.0.0.251");
});

Deno.test("sourceAddresses: none for a station off loopback (the system chooses)", () => {
  assert.deepEqual(sourceAddresses("10.0.0.5", 1000), []);
  assert.deepEqual(sourceAddresses("::1", 1000), []);
  assert.deepEqual(sourceAddresses("localhost", 1000), []);
});

/**
 * A sessions run of 6 users (the probe pair, then 4 one at a time; from
 * `sources` when given) through
 * a proxy that spoils the station's signature on the `DIM!` (its second
 * message) of connection 3: the storm's second session.
 */
async function spoiledSecondDimBang(
  verifyAll: boolean,
  sources?: readonly string[],
): Promise<SessionsResult> {
  await using temp = tempAccounts();
  const dir = Deno.makeTempDirSync({ prefix: "dim-sessions-test-" });
  const station = await startLocalStation(dir, ["--log", "error"]);
  const proxy = startTamperProxy(
    station.port,
    (body, conn, index) =>
      conn === 3 && index === 1 ? spoiledSignature(body) : "pass",
  );
  try {
    const { users } = await ensureBenchUsers(temp.accounts, 6);
    return await runSessions({
      accounts: temp.accounts,
      host: "127.0.0.1",
      port: proxy.port,
      framing: "mtp",
      users,
      hold: 0,
      probes: 2,
      concurrency: 1,
      handshakeTimeout: 1_000,
      verifyAll,
      sources,
    });
  } finally {
    await proxy.close();
    await stopStation(station, "SIGTERM");
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("runSessions: each session's DIM? and one in 32 DIM!s have the station's signature checked, and the result says so; a spoiled DIM! outside the sample passes", async () => {
  const result = await spoiledSecondDimBang(false);
  assert.equal(result.sessions, 6);
  assert.equal(result.error_count, 0);
  assert.equal(result.verify_all, false);
  // 4 storm sessions × (DIM?, DIM!): the 4 DIM?s and the first DIM!
  assert.deepEqual(result.station_replies, {
    messages: 8,
    verified: 5,
    bad_signatures: 0,
  });
  assert.equal(typeof result.generator.cpu_us_per_handshake, "number");
  // each storm user's first offer packed and its key for the station
  // sealed before the clock
  assert.deepEqual(result.prepared, { first_offers: 4, sealed_keys: 4 });
  // this thread runs the runtime's crypto: so does the probe thread
  assert.deepEqual(result.probe_engines, { rsa: "runtime", ecdsa: "runtime" });
});

Deno.test("runSessions: the probe thread runs RSA and ECDSA on the engines this thread runs (libcrypto, libsecp256k1 where they load)", async () => {
  const rsa = installCryptoEngine("auto");
  const ecdsa = installEcdsaChoice("auto");
  await using temp = tempAccounts();
  const dir = Deno.makeTempDirSync({ prefix: "dim-sessions-test-" });
  const station = await startLocalStation(dir, ["--log", "error"]);
  try {
    const { users } = await ensureBenchUsers(temp.accounts, 3);
    const result = await runSessions({
      accounts: temp.accounts,
      host: "127.0.0.1",
      port: station.port,
      framing: "mtp",
      users,
      hold: 0,
      probes: 2,
      concurrency: 1,
    });
    assert.equal(result.sessions, 3);
    assert.equal(result.texts_lost, 0);
    assert.deepEqual(result.probe_engines, {
      rsa: rsaEngine().name,
      ecdsa: ecdsaEngine().name,
    });
    // here (and where `.ci/run` could install them): libcrypto and libsecp256k1
    assert.deepEqual(result.probe_engines, {
      rsa: rsa.engine,
      ecdsa: ecdsa.engine,
    });
  } finally {
    installCryptoEngine("runtime");
    installEcdsaChoice("runtime");
    await stopStation(station, "SIGTERM");
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runSessions with verifyAll (from a chosen source address, through node:net): every reply checked; the spoiled DIM! is dropped and counted, and that session's offer again gets in", async () => {
  const result = await spoiledSecondDimBang(true, ["127.0.0.2"]);
  assert.equal(result.sources, 1);
  assert.equal(result.sessions, 6);
  assert.equal(result.error_count, 0);
  assert.equal(result.verify_all, true);
  // the spoiled session's second offer brought a DIM? and a DIM! more
  assert.deepEqual(result.station_replies, {
    messages: 10,
    verified: 9,
    bad_signatures: 1,
  });
});
