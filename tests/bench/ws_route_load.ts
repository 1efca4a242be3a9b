/**
 * Compares the two ways to serve WebSocket on the sniffing station port
 * (transport.md §10):
 *
 * - `own`: the station listener (`listenStation`: `Deno.listen`, our RFC 6455
 *   codec, the 1 MiB cap checked from the frame header);
 * - `native`: a `node:net` server that sniffs, hands HTTP to `node:http`, and
 *   upgrades with `Deno.upgradeWebSocket(new Request(…), { socket, head })`
 *   (fastwebsockets; its message limit is a fixed 64 MiB).
 *
 * Each server runs in its own process. Measured: echo throughput of N
 * Deno `WebSocket` clients ping-ponging M messages, and the server's RSS while
 * K attackers each announce a 60 MB frame (over our 1 MiB cap, under the
 * native 64 MiB limit) and send all of it.
 *
 * Run: `deno run -A tests/bench/ws_route_load.ts [N] [M] [K]`
 *
 * @module
 */
import net from "node:net";
import http from "node:http";
import type { Buffer } from "node:buffer";
import { listenStation } from "../../station/transport/mod.ts";
import { cpuMs, print, rssMiB, startServer, stopServer } from "./_process.ts";

const [mode, portArg] = Deno.args;
const ROUNDS = 3;

if (mode === "serve-own") {
  const listener = listenStation({
    port: Number(portArg),
    handler: { onPayload: (_conn, lines) => lines },
  });
  print(`ready ${listener.port}`);
} else if (mode === "echo-deno") {
  // the base of each route for the binary framings: a bare TCP echo
  const listener = Deno.listen({
    hostname: "127.0.0.1",
    port: Number(portArg),
  });
  print(`ready ${portArg}`);
  for await (const conn of listener) {
    (async () => {
      const buffer = new Uint8Array(65536);
      try {
        for (
          let n = await conn.read(buffer);
          n !== null;
          n = await conn.read(buffer)
        ) {
          await conn.write(buffer.subarray(0, n));
        }
      } catch { /* reset */ }
      conn.close();
    })();
  }
} else if (mode === "echo-node") {
  const server = net.createServer((sock) =>
    sock.on("data", (d: Buffer) => sock.write(d))
  );
  server.listen(
    Number(portArg),
    "127.0.0.1",
    () => print(`ready ${portArg}`),
  );
} else if (mode === "serve-native") {
  const httpServer = http.createServer((_req, res) => res.end("status\n"));
  httpServer.on("upgrade", (req, socket, head) => {
    const request = new Request(`http://localhost${req.url}`, {
      headers: req.headers as HeadersInit,
    });
    // Deno's node:http compatibility accepts the upgraded socket and its
    // first bytes as options of `Deno.upgradeWebSocket` (not in its types)
    const upgradeNodeSocket = Deno.upgradeWebSocket as unknown as (
      request: Request,
      options: { socket: unknown; head: unknown },
    ) => { socket: WebSocket };
    const { socket: ws } = upgradeNodeSocket(request, { socket, head });
    ws.onmessage = (e: MessageEvent) => ws.send(e.data);
  });
  const server = net.createServer((sock) => {
    sock.once("data", (first: Buffer) => {
      sock.pause();
      sock.unshift(first);
      if (first.subarray(0, 4).toString() !== "GET ") {
        sock.destroy(); // the binary framings are compared below, on a bare echo
        return;
      }
      httpServer.emit("connection", sock);
      sock.resume(); // Deno 2.9.6: without it node:http never sees the request
    });
  });
  server.listen(
    Number(portArg),
    "127.0.0.1",
    () => print(`ready ${portArg}`),
  );
} else {
  await compare(
    Number(Deno.args[0] ?? 50),
    Number(Deno.args[1] ?? 2000),
    Number(Deno.args[2] ?? 8),
  );
}

async function pingPong(
  port: number,
  clients: number,
  messages: number,
): Promise<number> {
  const payload = JSON.stringify({
    sender: "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
    data: "x".repeat(300),
  });
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}`);
          let left = messages;
          ws.onopen = () => ws.send(payload);
          ws.onmessage = () => {
            if (--left > 0) ws.send(payload);
            else ws.close();
          };
          ws.onclose = () =>
            left === 0 ? resolve() : reject(new Error("closed early"));
          ws.onerror = () => reject(new Error("ws error"));
        }),
    ),
  );
  return (clients * messages) / ((performance.now() - started) / 1000);
}

/** TCP ping-pong of 300-byte chunks (what MTP costs below the codec). */
async function tcpPingPong(
  port: number,
  clients: number,
  messages: number,
): Promise<number> {
  const chunk = new Uint8Array(300).fill(0x61);
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buffer = new Uint8Array(4096);
    for (let i = 0; i < messages; i++) {
      await conn.write(chunk);
      for (let got = 0; got < chunk.length;) {
        got += (await conn.read(buffer)) ?? chunk.length;
      }
    }
    conn.close();
  }));
  return (clients * messages) / ((performance.now() - started) / 1000);
}

/** K raw clients announce a 60 MB binary frame and send it; returns the peak server RSS. */
async function oversize(
  port: number,
  pid: number,
  attackers: number,
): Promise<{ peak: number; refusedBytes: number }> {
  const upgrade = new TextEncoder().encode(
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  const head = new Uint8Array([
    0x82,
    0xff,
    0,
    0,
    0,
    0,
    0x03,
    0x93,
    0x87,
    0x00,
    1,
    2,
    3,
    4,
  ]); // 60_000_000
  const block = new Uint8Array(1 << 20);
  let peak = rssMiB(pid);
  let refusedBytes = 0;
  const sampler = setInterval(() => peak = Math.max(peak, rssMiB(pid)), 20);
  await Promise.all(Array.from({ length: attackers }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(upgrade);
    await conn.read(new Uint8Array(4096)); // the 101
    await conn.write(head);
    try {
      for (let sent = 0; sent < 60_000_000; sent += block.length) {
        await conn.write(
          block.subarray(0, Math.min(block.length, 60_000_000 - sent)),
        );
      }
    } catch {
      refusedBytes++; // the server closed the connection
    }
    try {
      conn.close();
    } catch { /* closed */ }
  }));
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(sampler);
  return { peak: Math.max(peak, rssMiB(pid)), refusedBytes };
}

async function compare(
  clients: number,
  messages: number,
  attackers: number,
): Promise<void> {
  const rows: string[] = [];
  for (const [kind, port] of [["own", 19501], ["native", 19502]] as const) {
    const server = await startServer(import.meta.filename!, [
      `serve-${kind}`,
      String(port),
    ]);
    try {
      await pingPong(port, 5, 200); // warm-up
      const idle = rssMiB(server.pid);
      const rates: number[] = [];
      const cpu: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const before = cpuMs(server.pid);
        rates.push(await pingPong(port, clients, messages));
        cpu.push((cpuMs(server.pid) - before) * 1000 / (clients * messages));
      }
      const median = (xs: number[]) =>
        xs.toSorted((a, b) => a - b)[xs.length >> 1];
      const afterLoad = rssMiB(server.pid);
      const attack = await oversize(port, server.pid, attackers);
      rows.push(
        `${kind.padEnd(6)} ${
          Math.round(median(rates)).toString().padStart(8)
        } msg/s ` +
          `(median of ${ROUNDS}: ${rates.map(Math.round).join(", ")}), ` +
          `server CPU ${median(cpu).toFixed(1)} µs/msg; ` +
          `RSS idle ${idle.toFixed(0)} MiB, after load ${
            afterLoad.toFixed(0)
          } MiB, ` +
          `peak under ${attackers}×60 MB frames ${
            attack.peak.toFixed(0)
          } MiB ` +
          `(${attack.refusedBytes}/${attackers} attackers cut off while sending)`,
      );
    } finally {
      await stopServer(server);
    }
  }
  const base: string[] = [];
  for (const [kind, port] of [["deno", 19503], ["node", 19504]] as const) {
    const server = await startServer(import.meta.filename!, [
      `echo-${kind}`,
      String(port),
    ]);
    try {
      await tcpPingPong(port, 5, 200);
      const before = cpuMs(server.pid);
      const rate = await tcpPingPong(port, clients, messages);
      const cpu = (cpuMs(server.pid) - before) * 1000 / (clients * messages);
      base.push(
        `${(kind === "deno" ? "Deno.listen" : "node:net").padEnd(11)} ${
          Math.round(rate)
        } round trips/s, ` +
          `server CPU ${cpu.toFixed(1)} µs/round trip`,
      );
    } finally {
      await stopServer(server);
    }
  }
  print(
    `WebSocket echo, ${clients} clients × ${messages} messages (Deno ${Deno.version.deno}):`,
  );
  for (const row of rows) print(row);
  print(
    `Bare TCP echo under each route (what MTP, Mars and JSON lines would run on):`,
  );
  for (const row of base) print(row);
}
