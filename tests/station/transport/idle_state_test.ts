/**
 * What an open connection holds while it is idle, and that what it no
 * longer makes eagerly still works when asked for (issue 18: memory per
 * idle session).
 */
import assert from "node:assert/strict";
import {
  DialError,
  dialStation,
  listenStation,
} from "../../../station/transport/mod.ts";
import { StreamConnection } from "../../../client/transport/_stream_connection.ts";
import { echo, recorder, withListener } from "./_helpers.ts";

Deno.test("an accepted connection's opened promise is made when asked: resolved once open", async () => {
  const station = recorder(echo);
  await withListener({ handler: station.handler }, async (listener) => {
    const client = await dialStation("127.0.0.1", listener.port);
    assert.equal((await client.send(`{"n":1}`)).sent, true);
    await station.waitForPayloads(1);
    const server = station.opened[0];
    assert.ok(server instanceof StreamConnection);
    // asked for after the open: already settled, resolved
    const settled = await Promise.race([
      server.opened.then(() => "resolved", () => "rejected"),
      Promise.resolve().then(() => Promise.resolve()).then(() => "pending"),
    ]);
    assert.equal(settled, "resolved");
    assert.equal(server.opened, server.opened, "one promise, kept");
    client.close();
    await client.done;
    await server.done;
  });
});

Deno.test("a dial to a peer that closes before the framing opens is refused (opened rejects)", async () => {
  // a plain TCP server that answers a WebSocket upgrade with junk and closes
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await server.accept();
    await conn.read(new Uint8Array(4096));
    await conn.write(new TextEncoder().encode("HTTP/1.1 500 No\r\n\r\n"));
    conn.close();
  })();
  try {
    await assert.rejects(
      dialStation("127.0.0.1", (server.addr as Deno.NetAddr).port, {
        framing: "ws",
      }),
      DialError,
    );
  } finally {
    server.close();
    await serving;
  }
});

Deno.test("closing the listener waits until every connection is done, and frees the per-IP counts", async () => {
  const station = recorder(echo);
  const listener = listenStation({
    hostname: "127.0.0.1",
    port: 0,
    handler: station.handler,
    maxConnectionsPerIp: 2,
  });
  const clients = [];
  for (let i = 0; i < 2; i++) {
    const client = await dialStation("127.0.0.1", listener.port);
    assert.equal((await client.send(`{"n":${i}}`)).sent, true);
    clients.push(client);
  }
  await station.waitForPayloads(2);
  // a third from the same address is over the limit until one closes
  clients[0].close();
  await clients[0].done;
  await station.opened[0].done;
  const third = await dialStation("127.0.0.1", listener.port);
  assert.equal((await third.send(`{"n":3}`)).sent, true);
  await station.waitForPayloads(3);
  await listener.close();
  for (const conn of station.opened) {
    assert.equal(conn.closed, true, `connection ${conn.id} closed`);
  }
  assert.equal(listener.connections.size, 0);
  await Promise.all([clients[1].done, third.done]);
});
