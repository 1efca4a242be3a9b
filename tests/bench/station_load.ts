/**
 * Load through a real `dim station` process on loopback: N sender → receiver
 * pairs, each sender sends M end-to-end-encrypted texts (packed before the
 * clock starts) with at most W in flight (in flight = no station receipt
 * yet); each receiver answers every text with one message back (what real
 * clients do with their "Message received." receipts), so each text costs
 * the station two routed messages and two station receipts — the refstack
 * load's accounting (../shared/refstack/README.md §4).
 *
 * Modes, each a fresh station in the same run: `default` (sender check on,
 * routed messages not verified), `nocheck` (`check_sender = false`),
 * `verify` (`verify_routed = true`: every routed message verified),
 * `signers0` (`signers = 0`: receipts signed wholly on the main thread; by
 * default a worker makes their ECDSA nonces), and
 * `offline` (receivers away: every text stored durably and answered
 * "Message cached."; then the receivers log in and drain their messages —
 * reports cached/s and drained/s). Reports
 * one JSON line per mode — texts/s, routed messages/s, p50/p99 latency
 * (send → receiver), station CPU per routed message — and the ratios.
 *
 * Run: `deno run -A tests/bench/station_load.ts [N=20] [M=200] [W=16] [modes=default,nocheck,verify] [framing=mtp]`
 * (`STATION_INSPECT=9229` starts the station with the inspector on that port, to profile it).
 *
 * @module
 */
import { TextContent } from "../../dimp/content/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import type { Framing } from "../../station/mod.ts";
import { type Account, accounts, TestPeer, World } from "../station/_peer.ts";
import {
  startStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import { cpuMs, print } from "./_process.ts";

const MODES: Record<string, string> = {
  default: "",
  nocheck: "check_sender = false\n",
  verify: "verify_routed = true\n",
  signers0: "signers = 0\n",
  offline: "",
};

interface Child extends StationChild {
  readonly dir: string;
}

async function startMode(mode: string): Promise<Child> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-load-" });
  Deno.writeTextFileSync(
    `${dir}/dim.ini`,
    `[station]\nmax_connections = 20000\n${MODES[mode]}`,
  );
  const inspect = Deno.env.get("STATION_INSPECT");
  const child = await startStation(
    [
      "--config",
      `${dir}/dim.ini`,
      "--data-dir",
      dir,
      "station",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--log",
      "error",
    ],
    {},
    inspect === undefined ? [] : [`--inspect=127.0.0.1:${inspect}`],
  );
  return { ...child, dir };
}

async function stopMode(child: Child): Promise<void> {
  await stopStation(child, "SIGTERM");
  Deno.removeSync(child.dir, { recursive: true });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** The sender field of a message line, without parsing the rest. */
function senderOf(line: string): string {
  const at = line.indexOf('"sender":"') + 10;
  return line.slice(at, line.indexOf('"', at));
}

function signatureOf(line: string): string {
  const at = line.indexOf('"signature":"') + 13;
  return line.slice(at, line.indexOf('"', at));
}

interface Result {
  mode: string;
  pairs: number;
  texts: number;
  routed: number;
  seconds: number;
  textsPerSecond: number;
  routedPerSecond: number;
  p50ms: number;
  p99ms: number;
  stationCpuUsPerRouted: number;
  stationCpuShare: number;
  complete: boolean;
}

async function run(
  mode: string,
  senders: Account[],
  receivers: Account[],
  messages: number,
  window: number,
  framing: Framing,
): Promise<Result> {
  const child = await startMode(mode);
  const world = new World();
  const pairs = senders.length;
  const a: TestPeer[] = [];
  const b: TestPeer[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      a.push(
        await TestPeer.connect(child.port, senders[i], { framing, world }),
      );
      b.push(
        await TestPeer.connect(child.port, receivers[i], { framing, world }),
      );
      await a[i].handshake(30_000);
      await b[i].handshake(30_000);
    }
    // pack everything before the clock starts
    const texts: ReliableMessage[][] = [];
    const replies: string[][] = [];
    for (let i = 0; i < pairs; i++) {
      const out: ReliableMessage[] = [];
      const back: string[] = [];
      for (let m = 0; m < messages; m++) {
        out.push(await a[i].pack(receivers[i].id, TextContent.create(`t${m}`)));
        back.push(
          (await b[i].pack(senders[i].id, TextContent.create(`r${m}`)))
            .serialize(),
        );
      }
      texts.push(out);
      replies.push(back);
    }
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let delivered = 0;
    let answered = 0;
    const total = pairs * messages;
    const { promise: done, resolve: finish } = Promise.withResolvers<void>();
    const timer = setTimeout(finish, 120_000);
    const check = () => {
      if (delivered === total && answered === total) finish();
    };
    const startCpu = cpuMs(child.process.pid);
    const started = performance.now();
    for (let i = 0; i < pairs; i++) {
      const sender = a[i];
      const receiver = b[i];
      const mine = texts[i];
      const back = replies[i];
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < window && next < mine.length) {
          const msg = mine[next++];
          const line = msg.serialize();
          sentAt.set(msg.signature, performance.now());
          inFlight++;
          void sender.sendRaw(line);
        }
      };
      let replied = 0;
      receiver.tap = (line) => {
        if (senderOf(line) === child.id) return true; // station receipt
        const at = sentAt.get(signatureOf(line));
        if (at !== undefined) latencies.push(performance.now() - at);
        delivered++;
        if (replied < back.length) void receiver.sendRaw(back[replied++]);
        check();
        return true;
      };
      sender.tap = (line) => {
        if (senderOf(line) === child.id) {
          inFlight--;
          pump();
        } else {
          answered++;
          check();
        }
        return true;
      };
      pump();
    }
    await done;
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuMs(child.process.pid) - startCpu;
    latencies.sort((x, y) => x - y);
    const routed = delivered + answered;
    return {
      mode,
      pairs,
      texts: delivered,
      routed,
      seconds: round(seconds),
      textsPerSecond: Math.round(delivered / seconds),
      routedPerSecond: Math.round(routed / seconds),
      p50ms: round(percentile(latencies, 0.5)),
      p99ms: round(percentile(latencies, 0.99)),
      stationCpuUsPerRouted: Math.round((cpu * 1000) / Math.max(1, routed)),
      stationCpuShare: round(cpu / 1000 / seconds),
      complete: delivered === total && answered === total,
    };
  } finally {
    await Promise.all([...a, ...b].map((peer) => peer.close()));
    await stopMode(child);
  }
}

/** What the `offline` mode measures. */
interface OfflineResult {
  mode: "offline";
  pairs: number;
  texts: number;
  cachedPerSecond: number;
  stationCpuUsPerCached: number;
  drainedPerSecond: number;
  stationCpuUsPerDrained: number;
  complete: boolean;
}

/**
 * Receivers offline: every text is stored durably ("Message cached."),
 * then the receivers log in and drain their stored messages.
 */
async function runOffline(
  senders: Account[],
  receivers: Account[],
  messages: number,
  window: number,
  framing: Framing,
): Promise<OfflineResult> {
  const child = await startMode("offline");
  const world = new World();
  const pairs = senders.length;
  const a: TestPeer[] = [];
  const b: TestPeer[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      // each receiver's visa reaches the station once, then it goes away
      const receiver = await TestPeer.connect(child.port, receivers[i], {
        framing,
        world,
      });
      await receiver.handshake(30_000);
      await receiver.close();
      a.push(
        await TestPeer.connect(child.port, senders[i], { framing, world }),
      );
      await a[i].handshake(30_000);
    }
    const texts: string[][] = [];
    for (let i = 0; i < pairs; i++) {
      const out: string[] = [];
      for (let m = 0; m < messages; m++) {
        out.push(
          (await a[i].pack(receivers[i].id, TextContent.create(`t${m}`)))
            .serialize(),
        );
      }
      texts.push(out);
    }
    const total = pairs * messages;
    let cached = 0;
    const sending = Promise.withResolvers<void>();
    let cpu = cpuMs(child.process.pid);
    let started = performance.now();
    for (let i = 0; i < pairs; i++) {
      const mine = texts[i];
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < window && next < mine.length) {
          inFlight++;
          void a[i].sendRaw(mine[next++]);
        }
      };
      a[i].tap = () => {
        inFlight--;
        if (++cached === total) sending.resolve();
        pump();
        return true;
      };
      pump();
    }
    await sending.promise;
    const sendSeconds = (performance.now() - started) / 1000;
    const sendCpu = cpuMs(child.process.pid) - cpu;

    let drained = 0;
    const draining = Promise.withResolvers<void>();
    cpu = cpuMs(child.process.pid);
    started = performance.now();
    for (let i = 0; i < pairs; i++) {
      const peer = await TestPeer.connect(child.port, receivers[i], {
        framing,
        world,
      });
      b.push(peer);
      await peer.handshake(30_000);
      peer.tap = (line) => {
        if (senderOf(line) !== child.id && ++drained === total) {
          draining.resolve();
        }
        return senderOf(line) !== child.id;
      };
    }
    const timer = setTimeout(draining.resolve, 120_000);
    await draining.promise;
    clearTimeout(timer);
    const drainSeconds = (performance.now() - started) / 1000;
    const drainCpu = cpuMs(child.process.pid) - cpu;
    return {
      mode: "offline",
      pairs,
      texts: total,
      cachedPerSecond: Math.round(cached / sendSeconds),
      stationCpuUsPerCached: Math.round((sendCpu * 1000) / cached),
      drainedPerSecond: Math.round(drained / drainSeconds),
      stationCpuUsPerDrained: Math.round(
        (drainCpu * 1000) / Math.max(1, drained),
      ),
      complete: drained === total,
    };
  } finally {
    await Promise.all([...a, ...b].map((peer) => peer.close()));
    await stopMode(child);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (import.meta.main) {
  const [
    n = "20",
    m = "200",
    w = "16",
    modes = "default,nocheck,verify",
    framing = "mtp",
  ] = Deno.args;
  const pairs = Number(n);
  const all = await accounts(2 * pairs);
  const results: Result[] = [];
  for (const mode of modes.split(",")) {
    if (mode === "offline") {
      print(JSON.stringify(
        await runOffline(
          all.slice(0, pairs),
          all.slice(pairs),
          Number(m),
          Number(w),
          framing as Framing,
        ),
      ));
      continue;
    }
    const result = await run(
      mode,
      all.slice(0, pairs),
      all.slice(pairs),
      Number(m),
      Number(w),
      framing as Framing,
    );
    results.push(result);
    print(JSON.stringify(result));
  }
  const by = (mode: string) => results.find((r) => r.mode === mode);
  const base = by("default");
  if (base !== undefined) {
    const ratios: Record<string, number> = {};
    const nocheck = by("nocheck");
    if (nocheck !== undefined) {
      ratios.senderCheckCpuShare = round(
        (base.stationCpuUsPerRouted - nocheck.stationCpuUsPerRouted) /
          base.stationCpuUsPerRouted,
      );
    }
    const verify = by("verify");
    if (verify !== undefined) {
      ratios.verifyCpuFactor = round(
        verify.stationCpuUsPerRouted / base.stationCpuUsPerRouted,
      );
      ratios.verifyThroughputFactor = round(
        verify.routedPerSecond / base.routedPerSecond,
      );
    }
    // the reference station on this box: ≈ 40–90 delivered texts/s
    ratios.textsVsReferenceLow = round(base.textsPerSecond / 90);
    ratios.textsVsReferenceHigh = round(base.textsPerSecond / 40);
    print(JSON.stringify({ ratios }));
  }
}
