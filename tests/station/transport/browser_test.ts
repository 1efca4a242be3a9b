/**
 * A browser-like client: Deno's own `WebSocket` opening `ws://host:port` (no
 * path, as the DIM web clients do), sending TEXT and BINARY frames, using the
 * `ACK:` mode of transport.md §5.4.
 */
import assert from "node:assert/strict";
import type { Connection, SendResult } from "../../../station/transport/mod.ts";
import { echo, recorder, sleep, withListener } from "./_helpers.ts";

/** Opens a WebSocket and collects what it receives. */
function open(
  url: string,
  protocols?: string[],
): Promise<{ ws: WebSocket; received: (string | Blob)[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const received: (string | Blob)[] = [];
    ws.onmessage = (e) => received.push(e.data);
    ws.onopen = () => resolve({ ws, received });
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
}

async function until(
  condition: () => boolean,
  timeoutMs = 3000,
): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out");
    await sleep(5);
  }
}

function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) {
      return resolve(new CloseEvent("close"));
    }
    ws.addEventListener("close", (e) => resolve(e as CloseEvent));
  });
}

Deno.test("browser WebSocket: ws://host:port, TEXT and BINARY frames in, TEXT frames (strings) out", async () => {
  const station = recorder(echo);
  await withListener({ handler: station.handler }, async (listener) => {
    const { ws, received } = await open(`ws://127.0.0.1:${listener.port}`);
    ws.send('{"as":"text"}');
    ws.send(new TextEncoder().encode('{"as":"binary"}\n{"second":"line"}'));
    ws.send("PING");
    await until(() => received.length === 4);
    // replies come as TEXT frames: strings, not Blobs (demo-js cannot read Blobs)
    assert.deepEqual(received.slice(0, 1), [echo('{"as":"text"}')]);
    assert.deepEqual(
      new Set(received),
      new Set([
        echo('{"as":"text"}'),
        echo('{"as":"binary"}'),
        echo('{"second":"line"}'),
        "PONG",
      ]),
    );
    assert.deepEqual([...station.payloads.values()].flat(), [
      ['{"as":"text"}'],
      ['{"as":"binary"}', '{"second":"line"}'],
    ]);
    ws.close();
    await closed(ws);
    await until(() => station.closed.length === 1);
    assert.equal(station.closed[0].info.reason, "peer");
  });
});

Deno.test("browser WebSocket: a subprotocol the page asks for is accepted", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const { ws } = await open(`ws://127.0.0.1:${listener.port}/`, ["dimp"]);
    assert.equal(ws.protocol, "dimp");
    ws.close();
    await closed(ws);
  });
});

Deno.test("browser WebSocket: ACK mode — pushes count as sent on write until the first ACK:, then on ACK:", async () => {
  const station = recorder();
  await withListener({ handler: station.handler }, async (listener) => {
    const { ws, received } = await open(`ws://127.0.0.1:${listener.port}`);
    await until(() => listener.connections.size === 1);
    const conn: Connection = [...listener.connections][0];
    const message = (n: number) =>
      `{"sender":"a","time":1700000000.${n},"data":"x","signature":"c2ln${n}"}`;

    // before any ACK: written = sent
    assert.deepEqual(await conn.send(message(1)), {
      sent: true,
      acknowledged: false,
    });
    await until(() => received.length === 1);

    // the client acknowledges as demo-js does; this switches ACK mode on
    ws.send('ACK:{"time":1700000000.1,"signature":"c2ln1"}');
    await sleep(50);
    const pending: Promise<SendResult> = conn.send(message(2));
    await until(() => received.length === 2);
    let settled = false;
    pending.then(() => settled = true);
    await sleep(50);
    assert.equal(
      settled,
      false,
      "in ACK mode a written push waits for its ACK",
    );
    assert.equal(conn.pending, 1);
    ws.send('ACK:{"time":1700000000.2,"signature":"c2ln2"}');
    assert.deepEqual(await pending, { sent: true, acknowledged: true });
    assert.equal(conn.pending, 0);
    assert.equal(station.payloads.size, 0, "ACKs are not delivered");
    ws.close();
    await closed(ws);
  });
});

Deno.test("browser WebSocket: ACK mode — two pushes under one key are settled one ACK: at a time, oldest first", async () => {
  const station = recorder();
  await withListener({ handler: station.handler }, async (listener) => {
    const { ws, received } = await open(`ws://127.0.0.1:${listener.port}`);
    await until(() => listener.connections.size === 1);
    const conn: Connection = [...listener.connections][0];
    const message =
      `{"sender":"a","time":1700000000.5,"data":"x","signature":"c2ln"}`;
    await conn.send(message);
    ws.send('ACK:{"time":1700000000.5,"signature":"c2ln"}'); // ACK mode on
    await sleep(50);
    const settled: string[] = [];
    const first = conn.send(message).then(() => settled.push("first"));
    const second = conn.send(message).then(() => settled.push("second"));
    await until(() => received.length === 3);
    await sleep(50);
    assert.deepEqual(settled, []);
    assert.equal(conn.pending, 2);
    ws.send('ACK:{"time":1700000000.5,"signature":"c2ln"}');
    await first;
    await sleep(50);
    assert.deepEqual(settled, ["first"]);
    assert.equal(conn.pending, 1);
    ws.send('ACK:{"time":1700000000.5,"signature":"c2ln"}');
    await second;
    assert.deepEqual(settled, ["first", "second"]);
    assert.equal(conn.pending, 0);
    ws.close();
    await closed(ws);
  });
});

Deno.test("browser WebSocket: the listener's shutdown closes with 1001", async () => {
  const station = recorder();
  const { listenStation } = await import("../../../station/transport/mod.ts");
  const listener = listenStation({
    hostname: "127.0.0.1",
    port: 0,
    handler: station.handler,
  });
  const { ws } = await open(`ws://127.0.0.1:${listener.port}`);
  const closing = closed(ws);
  await until(() => listener.connections.size === 1);
  await listener.close();
  assert.equal((await closing).code, 1001);
  assert.equal(station.closed[0].info.reason, "shutdown");
});
