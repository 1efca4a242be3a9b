/**
 * The order of a turn's writes across connections: a connection that sent
 * a message in the turn (a station's routed text, pushed to its receiver)
 * writes before those with only replies to write (a handshake's), whatever
 * order they were queued in. Real loopback sockets; each station-side
 * socket's writes are recorded on their way to it.
 */
import assert from "node:assert/strict";
import { StreamConnection } from "../../../client/transport/_stream_connection.ts";
import type { ByteConn } from "../../../client/transport/_node_socket.ts";
import type { ConnectionHandler } from "../../../client/transport/connection.ts";
import { resolveLimits } from "../../../client/transport/limits.ts";

/** `conn`, with each write's name noted in `order` when it is made. */
function noting(conn: Deno.TcpConn, name: string, order: string[]): ByteConn {
  return {
    read: (buffer) => conn.read(buffer),
    write: (bytes) => {
      order.push(name);
      return conn.write(bytes);
    },
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
    remoteAddr: conn.remoteAddr,
    setNoDelay: (on) => conn.setNoDelay(on),
  };
}

/** Reads from `conn` until `count` newline-ended lines came. */
async function readLines(conn: Deno.TcpConn, count: number): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (text.split("\n").length - 1 < count) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

Deno.test("a message sent in a turn is written before that turn's replies on other connections, queued before it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const order: string[] = [];
  const clients: Deno.TcpConn[] = [];
  const servers: StreamConnection[] = [];
  let receiver: StreamConnection | undefined;
  try {
    for (const name of ["handshaking", "receiver"]) {
      clients.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      const accepted = await listener.accept();
      const handler: ConnectionHandler = {
        onPayload: (_conn, lines) => {
          if (name === "receiver") return [];
          // the handshake's reply is queued first; a text routed to the
          // receiver later in the same turn (another connection's read)
          queueMicrotask(() => receiver?.sendWith(`{"routed":1}`, () => {}));
          return lines.map(() => `{"reply":1}`);
        },
      };
      const server = new StreamConnection({
        conn: noting(accepted, name, order),
        handler,
        limits: resolveLimits({}),
      });
      servers.push(server);
      void server.run();
      if (name === "receiver") receiver = server;
    }
    const encoder = new TextEncoder();
    // the receiver's framing first (plain JSON lines, sniffed from "{")
    await clients[1].write(encoder.encode(`{"hello":1}\n`));
    while (!receiver!.isOpen) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(order, []);
    await clients[0].write(encoder.encode(`{"offer":1}\n`));
    const [replied, routed] = await Promise.all([
      readLines(clients[0], 1),
      readLines(clients[1], 1),
    ]);
    assert.equal(replied, `{"reply":1}\n`);
    assert.equal(routed, `{"routed":1}\n`);
    assert.deepEqual(order, ["receiver", "handshaking"]);
  } finally {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.done));
    listener.close();
  }
});
