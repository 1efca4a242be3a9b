/**
 * The station's full garbage collection after a handshake storm
 * (`StormCollector`, `[station] gc_after_storm`): real stations, real
 * handshakes over loopback sockets, the count read from the station's
 * counters and from its `/metrics` exposition.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import { StationMetrics } from "../../station/ops/station_metrics.ts";
import type { Station } from "../../station/mod.ts";
import {
  accounts,
  closeAll,
  online,
  sleep,
  TestPeer,
  withStation,
  World,
} from "./_peer.ts";
import { parseExposition, sampleValue } from "./_prometheus.ts";

// a storm: more than STORM_HANDSHAKES_PER_S (10) in a second
const users = await accounts(24);

/** Every user connects at once and hands shakes (a storm). */
function storm(port: number): Promise<TestPeer[]> {
  const world = new World();
  return Promise.all(users.map((user) => online(port, [user], { world })))
    .then((lists) => lists.flat());
}

/** The collections `/metrics` shows: how many, and their pauses in seconds. */
function scraped(metrics: StationMetrics): { count: number; seconds: number } {
  const families = parseExposition(metrics.registry.expose());
  return {
    count: sampleValue(families, "dim_gc_after_storm_total") ?? -1,
    seconds: sampleValue(families, "dim_gc_after_storm_seconds_total") ?? -1,
  };
}

/** Waits until the station has collected `count` times (false after `ms`). */
async function collected(
  station: Station,
  count: number,
  ms: number,
): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (station.stats.stormCollections < count) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

Deno.test("after a storm of real handshakes the station collects once, when it was over for gc_after_storm, and /metrics counts it", async () => {
  const metrics = new StationMetrics();
  await withStation(
    { gcAfterStorm: 1000, gcAfterStormGrowth: 0, metrics },
    async ({ station, port }) => {
      const peers = await storm(port);
      const lastHandshake = performance.now();
      try {
        assert.equal(station.stats.handshakes.success, users.length);
        assert.ok(await collected(station, 1, 10_000), "no collection");
        // not before handshakes had stopped for the quiet time
        assert.ok(performance.now() - lastHandshake >= 1000);
        const { count, seconds } = scraped(metrics);
        assert.equal(count, 1);
        assert.ok(seconds > 0 && seconds < 5, `${seconds} s`);
        assert.equal(seconds * 1000, station.stats.stormCollectionMs);
        // once per storm: none again while the sessions sit idle
        await sleep(2500);
        assert.equal(station.stats.stormCollections, 1);
        // a new storm, a new collection
        peers.push(...await storm(port));
        assert.ok(await collected(station, 2, 10_000), "no second collection");
        assert.equal(scraped(metrics).count, 2);
      } finally {
        await closeAll(peers);
      }
    },
  );
});

Deno.test("no collection after a storm when gc_after_storm is 0, nor when the heap did not grow by gc_after_storm_growth", async () => {
  for (
    const options of [
      { gcAfterStorm: 0, gcAfterStormGrowth: 0 },
      { gcAfterStorm: 500, gcAfterStormGrowth: 1024 * 1024 * 1024 },
    ]
  ) {
    const metrics = new StationMetrics();
    await withStation({ ...options, metrics }, async ({ station, port }) => {
      const peers = await storm(port);
      try {
        assert.equal(station.stats.handshakes.success, users.length);
        assert.equal(await collected(station, 1, 3000), false);
        assert.equal(scraped(metrics).count, 0);
      } finally {
        await closeAll(peers);
      }
    });
  }
});

Deno.test("a trickle of logins (a few a second) is no storm: no collection", async () => {
  await withStation(
    { gcAfterStorm: 500, gcAfterStormGrowth: 0 },
    async ({ station, port }) => {
      const world = new World();
      const peers: TestPeer[] = [];
      try {
        for (const user of users.slice(0, 12)) {
          peers.push(...await online(port, [user], { world }));
          await sleep(250);
        }
        assert.equal(station.stats.handshakes.success, 12);
        assert.equal(await collected(station, 1, 2500), false);
      } finally {
        await closeAll(peers);
      }
    },
  );
});

Deno.test("no collection while messages keep coming after a storm (over 100 a second); once they stop, it runs", async () => {
  await withStation(
    { gcAfterStorm: 1000, gcAfterStormGrowth: 0 },
    async ({ station, port }) => {
      const world = new World();
      const peers: TestPeer[] = [];
      try {
        for (const user of users) {
          peers.push(await TestPeer.connect(port, user, { world }));
        }
        const [alice, bob] = peers;
        // packed ahead, so that sending them is cheap: 300 a second for 3 s
        // right after the handshakes
        const texts: ReliableMessage[] = [];
        for (let i = 0; i < 900; i++) {
          texts.push(await alice.pack(bob.id, TextContent.create(`t${i}`)));
        }
        await Promise.all(peers.map((peer) => peer.handshake()));
        const before = station.stats.received;
        const start = performance.now();
        for (let i = 0; i < texts.length; i += 30) {
          await Promise.all(texts.slice(i, i + 30).map((m) => alice.send(m)));
          const due = start + ((i + 30) / 300) * 1000;
          await sleep(Math.max(0, due - performance.now()));
        }
        const seconds = (performance.now() - start) / 1000;
        assert.ok(seconds >= 2.5, `sent in ${seconds} s`);
        assert.equal(station.stats.stormCollections, 0);
        assert.ok(station.stats.received - before > 800);
        assert.ok(await collected(station, 1, 10_000), "no collection after");
      } finally {
        await closeAll(peers);
      }
    },
  );
});
