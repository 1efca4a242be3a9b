/**
 * Load on the station port, per framing: N client connections × M packages
 * each (up to W in flight per connection), against a station listener in its
 * own process whose session echoes every line. Reports packages/s and the
 * p50/p99 latency from send to the echo's arrival, and the station's CPU time
 * per package.
 *
 * Run: `deno run -A tests/bench/transport_load.ts [N=50] [M=2000] [W=8] [framings=mtp,mars,ws,plain]`
 *
 * @module
 */
import {
  type Connection,
  dialStation,
  type Framing,
  listenStation,
} from "../../station/transport/mod.ts";
import { cpuMs, print, startServer, stopServer } from "./_process.ts";

if (Deno.args[0] === "serve") {
  listenStation({
    port: Number(Deno.args[1]),
    maxQueue: 65536,
    handler: { onPayload: (_conn, lines) => lines },
  });
  print("ready");
} else {
  const [n = "50", m = "2000", w = "8", framings = "mtp,mars,ws,plain"] =
    Deno.args;
  await load(Number(n), Number(m), Number(w), framings.split(",") as Framing[]);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** One connection's share: M packages with at most W in flight; latencies into `out`. */
async function drive(
  port: number,
  framing: Framing,
  messages: number,
  window: number,
  out: Float64Array,
  offset: number,
): Promise<void> {
  const sentAt: number[] = [];
  let received = 0;
  let sent = 0;
  let conn: Connection | undefined = undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => finish = resolve);
  const pad = "x".repeat(200);
  const sendNext = () => {
    const i = sent++;
    sentAt.push(performance.now());
    conn!.send(
      `{"sender":"bench@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ","i":${i},"pad":"${pad}"}`,
    );
  };
  conn = await dialStation("127.0.0.1", port, {
    framing,
    maxQueue: 65536,
    handler: {
      onPayload: (_c, lines) => {
        for (let k = 0; k < lines.length; k++) {
          out[offset + received] = performance.now() - sentAt[received];
          received++;
          if (sent < messages) sendNext();
        }
        if (received === messages) finish();
      },
    },
  });
  for (let k = 0; k < Math.min(window, messages); k++) sendNext();
  await finished;
  conn.close();
  await conn.done;
}

async function load(
  clients: number,
  messages: number,
  window: number,
  framings: Framing[],
): Promise<void> {
  const port = 19700 + Math.floor(Math.random() * 200);
  const server = await startServer(import.meta.filename!, [
    "serve",
    String(port),
  ]);
  try {
    print(
      `station port load: ${clients} connections × ${messages} packages, window ${window}, ` +
        `~270-byte JSON lines echoed (Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs)`,
    );
    print("framing   packages/s   p50 ms   p99 ms   station CPU µs/package");
    for (const framing of framings) {
      await Promise.all(
        Array.from(
          { length: 4 },
          () => drive(port, framing, 50, 4, new Float64Array(50), 0),
        ),
      );
      const latencies = new Float64Array(clients * messages);
      const cpuBefore = cpuMs(server.pid);
      const started = performance.now();
      await Promise.all(
        Array.from(
          { length: clients },
          (_, c) =>
            drive(port, framing, messages, window, latencies, c * messages),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = (cpuMs(server.pid) - cpuBefore) * 1000 / (clients * messages);
      latencies.sort();
      print(
        `${framing.padEnd(9)} ${
          Math.round(clients * messages / seconds).toString().padStart(10)
        }` +
          `   ${percentile(latencies, 0.5).toFixed(2).padStart(6)}   ${
            percentile(latencies, 0.99).toFixed(2).padStart(6)
          }` +
          `   ${cpu.toFixed(1).padStart(6)}`,
      );
    }
  } finally {
    await stopServer(server);
  }
}
