import assert from "node:assert/strict";
import {
  type Connection,
  dialStation,
  type Framing,
} from "../../../station/transport/mod.ts";
import { echo, recorder, withListener } from "./_helpers.ts";

const FRAMINGS: Framing[] = ["mtp", "mars", "ws", "plain"];

for (const framing of FRAMINGS) {
  Deno.test(`loopback [${framing}]: sends are delivered in order and answered; pushes arrive`, async () => {
    const station = recorder(echo);
    await withListener({ handler: station.handler }, async (listener) => {
      const client = recorder();
      const conn = await dialStation("127.0.0.1", listener.port, {
        framing,
        handler: client.handler,
      });
      assert.equal(conn.framing, framing);
      assert.equal(conn.role, "client");
      const sends = [];
      for (let i = 0; i < 20; i++) sends.push(conn.send(`{"n":${i}}`));
      const results = await Promise.all(sends);
      // MTP and Mars acknowledge every message; WS (no ACK mode) and plain: written
      const acknowledged = framing === "mtp" || framing === "mars";
      assert.ok(
        results.every((r) => r.sent && r.acknowledged === acknowledged),
        JSON.stringify(results[0]),
      );
      await client.waitForPayloads(20);
      const lines = [...station.payloads.values()].flat().flat();
      assert.deepEqual(
        lines,
        Array.from({ length: 20 }, (_, i) => `{"n":${i}}`),
      );
      const replies = [...client.payloads.values()].flat().flat();
      assert.deepEqual(replies, lines.map(echo));

      // a push from the station side
      assert.equal(listener.connections.size, 1);
      const stationSide: Connection = [...listener.connections][0];
      assert.equal(stationSide.framing, framing);
      assert.equal(stationSide.role, "station");
      assert.equal(stationSide.remoteAddress[0], "127.0.0.1");
      const pushed = await stationSide.send('{"pushed":true}');
      // MTP: the client's OK; Mars: the client's PUSH ack; WS/plain: written
      assert.deepEqual(pushed, {
        sent: true,
        acknowledged: framing === "mtp" || framing === "mars",
      });
      await client.waitForPayloads(21);
      assert.deepEqual([...client.payloads.values()].flat().at(-1), [
        '{"pushed":true}',
      ]);

      conn.close();
      assert.equal((await conn.done).reason, "local");
      await stationSide.done;
      assert.equal(station.closed.length, 1);
      assert.equal(station.closed[0].info.reason, "peer");
      assert.deepEqual(station.errors, []);
    });
  });
}

Deno.test("loopback: several framings at once on one port, each with its own session", async () => {
  const station = recorder(echo);
  await withListener({ handler: station.handler }, async (listener) => {
    const conns = await Promise.all(
      FRAMINGS.map((framing) =>
        dialStation("127.0.0.1", listener.port, { framing })
      ),
    );
    await Promise.all(conns.map((c, i) => c.send(`{"from":"${FRAMINGS[i]}"}`)));
    await station.waitForPayloads(4);
    const status = listener.status();
    assert.deepEqual(status.connections, {
      total: 4,
      mtp: 1,
      mars: 1,
      ws: 1,
      plain: 1,
    });
    assert.equal(new Set(station.opened.map((c) => c.id)).size, 4);
    for (const c of conns) c.close();
    await Promise.all(conns.map((c) => c.done));
  });
});
