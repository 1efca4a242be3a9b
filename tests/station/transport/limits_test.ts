/**
 * Bounded queues, acknowledgements with resend, connection limits, and the
 * client side's dial failures.
 */
import assert from "node:assert/strict";
import {
  encodeMtpPackage,
  FramingError,
  MtpType,
} from "../../../dimp/transport/mod.ts";
import {
  type Connection,
  DialError,
  dialStation,
  listenStation,
} from "../../../station/transport/mod.ts";
import {
  echo,
  hex,
  RawClient,
  readMtp,
  recorder,
  sleep,
  utf8,
  withListener,
} from "./_helpers.ts";

const SN = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const PING = encodeMtpPackage({
  type: MtpType.COMMAND,
  sn: SN,
  body: utf8("PING"),
});

/** A raw MTP client that has made itself known; returns it and the station side. */
async function rawMtp(
  port: number,
  connections: ReadonlySet<Connection>,
): Promise<{ raw: RawClient; conn: Connection }> {
  const raw = await RawClient.connect(port);
  await raw.write(PING);
  await raw.read(20); // PONG
  const conn = [...connections].at(-1)!;
  return { raw, conn };
}

Deno.test("slow consumer: a client that never reads is cut off at the byte limit, memory stays bounded", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, maxQueuedBytes: 256 * 1024 },
    async (listener) => {
      const { raw, conn } = await rawMtp(listener.port, listener.connections);
      const big = "x".repeat(60 * 1024);
      const results = [];
      for (let i = 0; i < 1000 && !conn.closed; i++) {
        results.push(conn.send(`{"n":${i},"pad":"${big}"}`));
        await sleep(0);
      }
      assert.ok(conn.closed, "cut off before 1000 × 60 KB were accepted");
      const settled = await Promise.all(results);
      assert.ok(
        settled.some((r) => !r.sent),
        "the messages that never left are reported unsent",
      );
      assert.equal((await conn.done).reason, "slow-consumer");
      raw.close();
    },
  );
});

Deno.test("slow consumer: more messages awaiting acknowledgement than maxQueue → queue-full, cut off", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, maxQueue: 8 },
    async (listener) => {
      const { raw, conn } = await rawMtp(listener.port, listener.connections);
      // the raw client reads nothing and acknowledges nothing
      const results = Array.from(
        { length: 9 },
        (_, i) => conn.send(`{"n":${i}}`),
      );
      assert.deepEqual(await results[8], { sent: false, reason: "queue-full" });
      assert.deepEqual(await results[0], { sent: false, reason: "closed" });
      assert.equal((await conn.done).reason, "slow-consumer");
      raw.close();
    },
  );
});

Deno.test("MTP push without MESSAGE_RESPONSE: resent with the same sn after ackTimeout, twice, then ack-timeout", async () => {
  const station = recorder();
  await withListener({
    handler: station.handler,
    ackTimeout: 150,
    ackRetries: 2,
  }, async (listener) => {
    const { raw, conn } = await rawMtp(listener.port, listener.connections);
    const result = conn.send('{"important":true}');
    const copies = (await readMtp(raw, 3)).map((p) =>
      hex(p.header.sn) + hex(p.body)
    );
    assert.equal(copies.length, 3, "sent once and resent twice");
    assert.equal(new Set(copies).size, 1, "the same sn and body each time");
    assert.deepEqual(await result, { sent: false, reason: "ack-timeout" });
    assert.equal(conn.closed, false, "the connection itself stays");
    raw.close();
  });
});

Deno.test("MTP acknowledged pushes are never resent; the unacknowledged one beside them is, with its own bytes", async () => {
  const station = recorder();
  await withListener({
    handler: station.handler,
    ackTimeout: 150,
    ackRetries: 1,
  }, async (listener) => {
    const { raw, conn } = await rawMtp(listener.port, listener.connections);
    const bodies = ['{"n":0}', '{"n":1}', '{"n":2}'];
    const results = bodies.map((body) => conn.send(body));
    const first = await readMtp(raw, 3);
    // the first and the last are acknowledged, the middle one is not
    for (const p of [first[0], first[2]]) {
      await raw.write(
        encodeMtpPackage({
          type: MtpType.MESSAGE_RESPONSE,
          sn: p.header.sn,
          body: utf8("OK"),
        }),
      );
    }
    assert.deepEqual(await results[0], { sent: true, acknowledged: true });
    assert.deepEqual(await results[2], { sent: true, acknowledged: true });
    const again = await readMtp(raw, 2, 1500);
    assert.equal(again.length, 1, "only the unacknowledged push came again");
    assert.equal(hex(again[0].header.sn), hex(first[1].header.sn));
    assert.equal(new TextDecoder().decode(again[0].body), bodies[1]);
    assert.deepEqual(await results[1], { sent: false, reason: "ack-timeout" });
    raw.close();
  });
});

Deno.test("ready(): waits while the queue is over half full, resolves as acknowledgements arrive", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, maxQueue: 4 },
    async (listener) => {
      const { raw, conn } = await rawMtp(listener.port, listener.connections);
      await conn.ready(); // empty: at once
      const sends = [0, 1, 2].map((i) => conn.send(`{"n":${i}}`));
      let ready = false;
      conn.ready().then(() => ready = true);
      const sns = (await readMtp(raw, 3)).map((p) => p.header.sn);
      await sleep(30);
      assert.equal(ready, false, "3 of 4 awaiting acknowledgement");
      await raw.write(
        encodeMtpPackage({
          type: MtpType.MESSAGE_RESPONSE,
          sn: sns[0],
          body: utf8("OK"),
        }),
      );
      assert.deepEqual(await sends[0], { sent: true, acknowledged: true });
      await sleep(30);
      assert.equal(ready, true, "2 of 4: half full");
      for (const sn of sns.slice(1)) {
        await raw.write(
          encodeMtpPackage({
            type: MtpType.MESSAGE_RESPONSE,
            sn,
            body: utf8("OK"),
          }),
        );
      }
      assert.deepEqual(await Promise.all(sends.slice(1)), [
        { sent: true, acknowledged: true },
        { sent: true, acknowledged: true },
      ]);
      raw.close();
    },
  );
});

Deno.test("maxConnections: a connection over the limit is closed on accept, the others work", async () => {
  const station = recorder((line) => line);
  await withListener(
    { handler: station.handler, maxConnections: 2 },
    async (listener) => {
      const a = await dialStation("127.0.0.1", listener.port);
      const b = await dialStation("127.0.0.1", listener.port);
      const extra = await RawClient.connect(listener.port);
      const { eof } = await extra.readToEnd(2000);
      assert.ok(eof, "closed at once");
      extra.close();
      assert.equal((await a.send("{}")).sent, true);
      assert.equal((await b.send("{}")).sent, true);
      a.close();
      b.close();
      await Promise.all([a.done, b.done]);
    },
  );
});

Deno.test("maxConnectionsPerIp: a connection over the per-address limit is refused and reported; exempt addresses and freed slots get in", async () => {
  const station = recorder((line) => line);
  const refused: string[] = [];
  let exempt = false;
  await withListener(
    {
      handler: station.handler,
      maxConnectionsPerIp: 2,
      perIpExempt: () => exempt,
      onRefused: (reason, ip) => refused.push(`${reason} ${ip}`),
    },
    async (listener) => {
      const a = await dialStation("127.0.0.1", listener.port);
      const b = await dialStation("127.0.0.1", listener.port);
      const extra = await RawClient.connect(listener.port);
      const { eof } = await extra.readToEnd(2000);
      assert.ok(eof, "closed at once");
      extra.close();
      assert.deepEqual(refused, ["max_per_ip 127.0.0.1"]);
      assert.equal((await a.send("{}")).sent, true);
      // a closed connection frees its slot
      a.close();
      await a.done;
      while (listener.connections.size > 1) await sleep(10);
      const c = await dialStation("127.0.0.1", listener.port);
      assert.equal((await c.send("{}")).sent, true);
      // an exempt address is never counted against the limit
      exempt = true;
      const d = await dialStation("127.0.0.1", listener.port);
      assert.equal((await d.send("{}")).sent, true);
      assert.equal(refused.length, 1);
      for (const conn of [b, c, d]) conn.close();
      await Promise.all([b.done, c.done, d.done]);
    },
  );
});

Deno.test("bytesReceived / bytesSent count every byte on both sides of a connection", async () => {
  const station = recorder(echo);
  await withListener({ handler: station.handler }, async (listener) => {
    const client = await dialStation("127.0.0.1", listener.port, {
      framing: "ws",
      handler: { onPayload: () => {} },
    });
    for (let i = 0; i < 5; i++) {
      assert.equal((await client.send(`{"n":${i}}`)).sent, true);
    }
    await station.waitForPayloads(5);
    const server = station.opened[0];
    await sleep(50);
    assert.ok(client.bytesSent > 5 * 7, "frames and the upgrade");
    assert.equal(server.bytesReceived, client.bytesSent);
    assert.equal(client.bytesReceived, server.bytesSent);
    client.close();
    await client.done;
    await server.done;
    assert.equal(server.bytesReceived, client.bytesSent);
    assert.equal(client.bytesReceived, server.bytesSent);
  });
});

Deno.test("maxLinesPerPayload: a payload with more JSON lines is a framing error", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, maxLinesPerPayload: 64 },
    async (listener) => {
      const conn = await dialStation("127.0.0.1", listener.port);
      const lines = (n: number) =>
        Array.from({ length: n }, (_, i) => `{"i":${i}}`).join("\n");
      assert.equal((await conn.send(lines(64))).sent, true);
      await station.waitForPayloads(1);
      assert.equal(station.payloads.get(station.opened[0].id)![0].length, 64);
      await conn.send(lines(65));
      assert.equal((await conn.done).reason, "peer");
      await station.opened[0].done;
      assert.equal(station.closed[0].info.reason, "framing-error");
      assert.ok(station.closed[0].info.error instanceof FramingError);
      assert.equal(
        (station.closed[0].info.error as FramingError).reason,
        "too-many-lines",
      );
    },
  );
});

Deno.test("dialStation: a refused port and a WebSocket upgrade refused are DialErrors", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const freePort = probe.addr.port;
  probe.close();
  await assert.rejects(() => dialStation("127.0.0.1", freePort), DialError);

  // a server that answers the upgrade with an HTTP 200 (the status page of a station is one)
  const listener = listenStation({
    hostname: "127.0.0.1",
    port: 0,
    handler: recorder().handler,
  });
  const plain = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await plain.accept();
    await conn.read(new Uint8Array(4096));
    await conn.write(utf8("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    conn.close();
  })();
  await assert.rejects(
    () => dialStation("127.0.0.1", plain.addr.port, { framing: "ws" }),
    DialError,
  );
  await serving;
  plain.close();
  await listener.close();
});

Deno.test("sendWith: one callback per send (acknowledged; closed at once after close); a throwing callback is reported, the connection goes on", async () => {
  const station = recorder();
  await withListener({ handler: station.handler }, async (listener) => {
    const { raw, conn } = await rawMtp(listener.port, listener.connections);
    const results: unknown[] = [];
    conn.sendWith('{"n":1}', (result) => results.push(result));
    conn.sendWith('{"n":2}', () => {
      throw new Error("a failing receipt handler");
    });
    conn.sendWith('{"n":3}', (result) => results.push(result));
    const sns = (await readMtp(raw, 3)).map((p) => p.header.sn);
    assert.equal(results.length, 0, "nothing before the acknowledgements");
    for (const sn of sns) {
      await raw.write(
        encodeMtpPackage({
          type: MtpType.MESSAGE_RESPONSE,
          sn,
          body: utf8("OK"),
        }),
      );
    }
    for (let i = 0; i < 100 && results.length < 2; i++) await sleep(10);
    assert.deepEqual(results, [
      { sent: true, acknowledged: true },
      { sent: true, acknowledged: true },
    ]);
    assert.equal(conn.closed, false);
    assert.equal(conn.pending, 0, "every send's room was given back");
    assert.ok(
      station.errors.some((e) => e.message === "a failing receipt handler"),
      "the throwing callback was reported",
    );
    conn.close();
    const after: unknown[] = [];
    conn.sendWith('{"n":4}', (result) => after.push(result));
    assert.deepEqual(after, [{ sent: false, reason: "closed" }]);
    raw.close();
  });
});
