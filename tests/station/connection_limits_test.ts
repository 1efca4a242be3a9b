/**
 * The station's connection limits with real peers on loopback (the loopback
 * exemption turned off): a client over the message or byte rate is cut off
 * with a clear log line while another client goes on; connections beyond
 * the per-IP limit are refused on accept (counted, logged); a connection
 * without a handshake is closed at the login timeout.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { encodeMtpPackage, MtpType } from "../../dimp/transport/mod.ts";
import type { StationLogFields } from "../../station/mod.ts";
import { StationMetrics } from "../../station/ops/station_metrics.ts";
import { EntityType } from "../../dimp/identity/mod.ts";
import {
  accounts,
  closeAll,
  newAccount,
  online,
  type Received,
  sleep,
  type TestPeer,
  withStation,
  World,
} from "./_peer.ts";
import { parseExposition, sampleValue } from "./_prometheus.ts";
import { RawClient } from "./transport/_helpers.ts";

const [alice, bob, carol] = await accounts(3);
const isText = (r: Received) => r.instant?.content instanceof TextContent;

/** A log that keeps every line with its fields. */
function recordingLog(): {
  lines: { level: string; msg: string; fields: StationLogFields }[];
  debug(msg: string, fields?: StationLogFields): void;
  info(msg: string, fields?: StationLogFields): void;
  warn(msg: string, fields?: StationLogFields): void;
  error(msg: string, fields?: StationLogFields): void;
} {
  const lines: { level: string; msg: string; fields: StationLogFields }[] = [];
  const at = (level: string) => (msg: string, fields: StationLogFields = {}) =>
    void lines.push({ level, msg, fields });
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/** Texts from `sender` that `peer` received. */
function textsFrom(peer: TestPeer, sender: TestPeer): number {
  return peer.inbox.filter((r) => isText(r) && r.msg.sender.equals(sender.id))
    .length;
}

Deno.test("message rate: a flooding client is cut off with a warn line; another client sending steadily loses nothing", async () => {
  const log = recordingLog();
  const metrics = new StationMetrics();
  await withStation({
    exemptLoopback: false,
    rateLimits: { messagesPerSecond: 20, messageBurst: 40, bytesPerSecond: 0 },
    log,
    metrics,
  }, async ({ port }) => {
    const world = new World();
    const [flooder, steady, receiver] = await online(
      port,
      [alice, bob, carol],
      { world },
    );
    try {
      const flood = (async () => {
        for (let i = 0; i < 300 && !flooder.conn.closed; i++) {
          void flooder.send(
            await flooder.pack(carol.id, TextContent.create(`flood ${i}`)),
          );
        }
      })();
      for (let i = 0; i < 10; i++) {
        await steady.sendContent(carol.id, TextContent.create(`steady ${i}`));
        await sleep(100);
      }
      await flood;
      const info = await flooder.conn.done;
      assert.equal(info.reason, "peer", "the station closed it");
      await receiver.collect(
        (r) => isText(r) && r.msg.sender.equals(bob.id),
        10,
        5000,
      );
      assert.equal(textsFrom(receiver, steady), 10, "every steady message");
      // the flooder got its burst (less the two handshake offers) and a bit more
      const flooded = textsFrom(receiver, flooder);
      assert.ok(flooded >= 30 && flooded < 300, `${flooded} flood messages`);
      const cut = log.lines.filter((line) =>
        line.msg === "rate limit exceeded: connection cut off"
      );
      assert.equal(cut.length, 1);
      assert.equal(cut[0].level, "warn");
      assert.equal(cut[0].fields.user, alice.id.value);
      assert.equal(cut[0].fields.limit, "messages");
      assert.equal(cut[0].fields.rate, 20);
      assert.equal(cut[0].fields.burst, 40);
      assert.equal(cut[0].fields.framing, "mtp");
      const exposed = parseExposition(metrics.registry.expose());
      assert.ok(
        sampleValue(exposed, "dim_messages_dropped_total", {
          reason: "rate_limited",
        })! >= 1,
      );
      assert.equal(steady.conn.closed, false, "the steady client stays");
    } finally {
      await closeAll([flooder, steady, receiver]);
    }
  });
});

Deno.test("message rate: a station session (a neighbour's bridge) is not held to the per-session rates", async () => {
  const log = recordingLog();
  const neighbour = await newAccount(EntityType.STATION, "neighbour");
  await withStation({
    exemptLoopback: false,
    rateLimits: { messagesPerSecond: 20, messageBurst: 40, bytesPerSecond: 0 },
    log,
  }, async ({ port }) => {
    const world = new World();
    const [bridge, receiver] = await online(port, [neighbour, carol], {
      world,
    });
    try {
      for (let i = 0; i < 200; i++) {
        void bridge.send(
          await bridge.pack(carol.id, TextContent.create(`relayed ${i}`)),
        );
      }
      await receiver.collect(
        (r) => isText(r) && r.msg.sender.equals(neighbour.id),
        200,
        10_000,
      );
      assert.equal(textsFrom(receiver, bridge), 200, "every relayed message");
      assert.equal(bridge.conn.closed, false, "the station session stays");
      assert.deepEqual(
        log.lines.filter((line) => line.msg.startsWith("rate limit")),
        [],
      );
    } finally {
      await closeAll([bridge, receiver]);
    }
  });
});

Deno.test("byte rate: a client sending large messages too fast is cut off; small messages from another go on", async () => {
  const log = recordingLog();
  await withStation({
    exemptLoopback: false,
    rateLimits: {
      messagesPerSecond: 0,
      bytesPerSecond: 32 * 1024,
      byteBurst: 128 * 1024,
    },
    log,
  }, async ({ port }) => {
    const world = new World();
    const [heavy, light, receiver] = await online(
      port,
      [alice, bob, carol],
      { world },
    );
    try {
      const pad = "x".repeat(16 * 1024);
      for (let i = 0; i < 20 && !heavy.conn.closed; i++) {
        await heavy.sendContent(carol.id, TextContent.create(`${i} ${pad}`));
      }
      assert.equal((await heavy.conn.done).reason, "peer");
      for (let i = 0; i < 5; i++) {
        await light.sendContent(carol.id, TextContent.create(`light ${i}`));
      }
      await receiver.collect(
        (r) => isText(r) && r.msg.sender.equals(bob.id),
        5,
        5000,
      );
      assert.equal(textsFrom(receiver, light), 5);
      assert.ok(textsFrom(receiver, heavy) < 20);
      const cut = log.lines.filter((line) =>
        line.msg === "rate limit exceeded: connection cut off"
      );
      assert.equal(cut.length, 1);
      assert.equal(cut[0].fields.limit, "bytes");
      assert.equal(cut[0].fields.rate, 32 * 1024);
      assert.equal(cut[0].fields.burst, 128 * 1024);
    } finally {
      await closeAll([heavy, light, receiver]);
    }
  });
});

Deno.test("max sessions per IP: the connection beyond the limit is refused on accept (counted, logged), the others work; loopback exempt by default", async () => {
  const log = recordingLog();
  const metrics = new StationMetrics();
  await withStation({
    exemptLoopback: false,
    maxSessionsPerIp: 3,
    log,
    metrics,
  }, async ({ port }) => {
    const world = new World();
    const peers = await online(port, [alice, bob, carol], { world });
    try {
      const extra = await RawClient.connect(port);
      const { eof } = await extra.readToEnd(2000);
      extra.close();
      assert.ok(eof, "closed on accept");
      const exposed = parseExposition(metrics.registry.expose());
      assert.equal(
        sampleValue(exposed, "dim_connections_rejected_total", {
          reason: "max_per_ip",
        }),
        1,
      );
      const refused = log.lines.filter((l) => l.msg === "connection refused");
      assert.equal(refused.length, 1);
      assert.deepEqual(refused[0].fields, {
        remote: "127.0.0.1",
        reason: "max_per_ip",
        alsoRefused: 0,
      });
      await peers[0].sendContent(carol.id, TextContent.create("still here"));
      await peers[2].next(isText);
    } finally {
      await closeAll(peers);
    }
  });
  // the default: loopback is exempt
  await withStation({ maxSessionsPerIp: 1 }, async ({ port }) => {
    const peers = await online(port, [alice, bob, carol], {
      world: new World(),
    });
    assert.ok(peers.every((peer) => !peer.conn.closed));
    await closeAll(peers);
  });
});

Deno.test("login timeout: a connection without a handshake is closed in time; a logged-in one stays", async () => {
  const log = recordingLog();
  await withStation({ loginTimeout: 300, log }, async ({ port }) => {
    const [peer] = await online(port, [alice], { world: new World() });
    const silent = await RawClient.connect(port);
    try {
      // MTP is established (a PING), but no DIM handshake follows
      await silent.write(encodeMtpPackage({
        type: MtpType.COMMAND,
        sn: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
        body: "PING",
      }));
      const started = Date.now();
      const { eof } = await silent.readToEnd(3000);
      assert.ok(eof, "closed by the station");
      assert.ok(Date.now() - started < 2500);
      const expired = log.lines.filter((l) =>
        l.msg === "no handshake in time: connection closed"
      );
      assert.equal(expired.length, 1);
      assert.equal(expired[0].fields.timeout, 0.3);
      await sleep(300);
      assert.equal(peer.conn.closed, false, "the logged-in peer stays");
    } finally {
      silent.close();
      await closeAll([peer]);
    }
  });
});
