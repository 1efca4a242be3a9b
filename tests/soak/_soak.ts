/**
 * The soak (issue 19): a real `dim station` process, for a set time, in
 * rounds of
 *
 * - `dim bench` (its own process) through the station, while
 * - a hostile logged-in session sends random hostile input
 *   (tests/station/_hostile.ts) and
 * - a reconnect storm connects, handshakes and drops sessions;
 * - then a sender sends texts to an offline user, the station is
 *   restarted (SIGKILL or SIGTERM, alternating), and every message the
 *   station answered "Message cached." must reach the user after the
 *   restart (lost messages: 0).
 *
 * The station's memory (VmRSS) is sampled every second.
 *
 * @module
 */
import { TextContent } from "../../dimp/content/mod.ts";
import { EntityType } from "../../dimp/identity/mod.ts";
import {
  startStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import {
  attack,
  type HostileContext,
  seededRandom,
} from "../station/_hostile.ts";
import {
  type Account,
  accounts,
  newAccount,
  online,
  receiptText,
  type Received,
  World,
} from "../station/_peer.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/** How a soak runs. */
export interface SoakOptions {
  /** How long (ms). */
  readonly durationMs: number;
  /** At least this many rounds, however long they take (default 1). */
  readonly minRounds?: number;
  /** Users and texts per user of each `dim bench` round. */
  readonly benchUsers?: number;
  readonly benchMessages?: number;
  /** Hostile messages per round. */
  readonly hostilePerRound?: number;
  /** Sessions per reconnect storm, and storms per round. */
  readonly stormSessions?: number;
  readonly stormsPerRound?: number;
  /** Texts sent to the offline user each round. */
  readonly offlinePerRound?: number;
  /** Restart the station every this many rounds (default 1: every round). */
  readonly restartEvery?: number;
  /** The random seed of the hostile input. */
  readonly seed?: number;
  /** Progress lines (default: none). */
  readonly progress?: (line: string) => void;
}

/** A memory sample of the station process. */
export interface MemorySample {
  /** Seconds since the soak started. */
  readonly t: number;
  /** Resident set size (MiB). */
  readonly rssMib: number;
}

/** What a soak found. */
export interface SoakReport {
  readonly seconds: number;
  readonly rounds: number;
  readonly restarts: { readonly kill9: number; readonly term: number };
  readonly bench: {
    readonly runs: number;
    readonly planned: number;
    readonly delivered: number;
    readonly duplicates: number;
    readonly failedRuns: number;
  };
  readonly hostileSent: number;
  readonly stormSessions: number;
  readonly stormFailures: number;
  /** Texts the station answered "Message cached." before a restart. */
  readonly acked: number;
  /** Of those, not delivered after the restart. */
  readonly lost: number;
  /** Failures: bench runs not complete, station exits, storm errors. */
  readonly failures: readonly string[];
  /** RSS per minute: first, min, max, last sample of each minute. */
  readonly memory: readonly {
    readonly minute: number;
    readonly first: number;
    readonly min: number;
    readonly max: number;
    readonly last: number;
  }[];
}

interface BenchJson {
  readonly planned: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly ended: string;
  readonly error_count: number;
  readonly errors: readonly string[];
}

/** Reads a process's VmRSS (MiB) from /proc; `undefined` when gone. */
function rssMib(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

async function runBench(
  port: number,
  dataDir: string,
  users: number,
  messages: number,
): Promise<BenchJson | string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "--data-dir",
      dataDir,
      "bench",
      "--station",
      `127.0.0.1:${port}`,
      "--users",
      String(users),
      "--messages",
      String(messages),
      "--duration",
      "60",
      "--json",
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]) as BenchJson;
  } catch {
    return `dim bench exited ${out.code}: ${
      new TextDecoder().decode(out.stderr).slice(-400)
    }`;
  }
}

/** Connects, handshakes and drops `list`'s sessions at once; the errors. */
async function storm(
  port: number,
  list: readonly Account[],
): Promise<string[]> {
  const results = await Promise.allSettled(list.map(async (account) => {
    const [peer] = await online(port, [account]);
    if (Math.random() < 0.5) peer.conn.close(); // abrupt
    else await peer.close();
  }));
  return results.flatMap((r) =>
    r.status === "rejected" ? [String(r.reason).slice(0, 200)] : []
  );
}

/**
 * Runs the soak against a `dim station` it starts (and restarts) in a
 * temporary data directory; removes the directory afterwards.
 *
 * @example
 * ```ts ignore
 * const report = await runSoak({ durationMs: 30 * 60_000 });
 * report.lost; // 0
 * ```
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.progress ?? (() => {});
  const dir = Deno.makeTempDirSync({ prefix: "dim-soak-" });
  const stationDir = `${dir}/station`;
  const benchDir = `${dir}/bench`;
  const started = Date.now();
  const deadline = started + options.durationMs;
  const samples: MemorySample[] = [];
  const failures: string[] = [];
  const bench = {
    runs: 0,
    planned: 0,
    delivered: 0,
    duplicates: 0,
    failedRuns: 0,
  };
  const restarts = { kill9: 0, term: 0 };
  let hostileSent = 0;
  let stormSessions = 0;
  let stormFailures = 0;
  let acked = 0;
  let lost = 0;
  let rounds = 0;
  let reported = 0;

  const [sender, receiver, ...victims] = await accounts(4);
  const stormers = await accounts(options.stormSessions ?? 20);
  const world = new World();
  for (const a of [sender, receiver, ...victims]) world.know(a);

  const start = (port: number) =>
    startStation([
      "--data-dir",
      stationDir,
      "station",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ]);
  let station: StationChild = await start(0);
  const port = station.port;
  const sample = () => {
    const rss = rssMib(station.process.pid);
    if (rss !== undefined) {
      samples.push({ t: (Date.now() - started) / 1000, rssMib: rss });
    }
  };
  // one now: a short soak on a quiet machine may end within the first second
  sample();
  const sampler = setInterval(sample, 1000);
  const random = seededRandom(options.seed ?? 19);
  try {
    while (Date.now() < deadline || rounds < (options.minRounds ?? 1)) {
      rounds++;
      // load, hostile input and a reconnect storm at once
      const hostileWork = (async () => {
        // a new one each round: its own broken visa may lock it out
        const mallory = await newAccount(EntityType.USER, "mallory");
        world.know(mallory);
        const [peer] = await online(port, [mallory], { world });
        const ctx: HostileContext = {
          peer,
          station: peer.stationId!,
          victims,
          group: victims[1].id,
          random,
          sent: [],
        };
        const kinds = await attack(ctx, options.hostilePerRound ?? 30);
        hostileSent += Object.values(kinds).reduce((n, k) => n + k, 0);
        await peer.close();
      })();
      const stormWork = (async () => {
        for (let i = 0; i < (options.stormsPerRound ?? 3); i++) {
          const errors = await storm(port, stormers);
          stormSessions += stormers.length;
          stormFailures += errors.length;
          failures.push(...errors.map((e) => `storm: ${e}`));
        }
      })();
      const result = await runBench(
        port,
        benchDir,
        options.benchUsers ?? 10,
        options.benchMessages ?? 50,
      );
      bench.runs++;
      if (typeof result === "string") {
        bench.failedRuns++;
        failures.push(result);
      } else {
        bench.planned += result.planned;
        bench.delivered += result.delivered;
        bench.duplicates += result.duplicates;
        if (result.ended !== "complete" || result.delivered < result.planned) {
          bench.failedRuns++;
          failures.push(
            `bench ended ${result.ended}: ${result.delivered}/${result.planned} ${
              result.errors.join("; ").slice(0, 300)
            }`,
          );
        }
      }
      const settled = await Promise.allSettled([hostileWork, stormWork]);
      for (const s of settled) {
        if (s.status === "rejected") failures.push(`round: ${s.reason}`);
      }

      // texts to an offline user, maybe a restart, then every acked one arrives
      const restart = rounds % (options.restartEvery ?? 1) === 0;
      const kill = (restarts.kill9 + restarts.term) % 2 === 0;
      const cached = new Set<string>();
      const [a] = await online(port, [sender], { world });
      const isCached = (r: Received) => receiptText(r) === "Message cached.";
      const count = options.offlinePerRound ?? 50;
      for (let i = 0; i < count; i++) {
        void a.send(
          await a.pack(receiver.id, TextContent.create(`r${rounds}.${i}`)),
        );
      }
      await a.collect(isCached, restart ? Math.ceil(count / 2) : count, 20_000);
      if (restart) {
        const signal = kill ? "SIGKILL" : "SIGTERM";
        const status = await stopStation(station, signal);
        if (kill) restarts.kill9++;
        else restarts.term++;
        if (!kill && status.code !== 0) {
          failures.push(`station exited ${status.code} on SIGTERM`);
        }
        await a.conn.done;
      }
      for (const r of a.inbox.filter(isCached)) {
        cached.add(
          (r.instant!.content.dictionary.origin as { signature: string })
            .signature,
        );
      }
      await a.close();
      if (restart) station = await start(port);
      const [b] = await online(port, [receiver], { world });
      const isText = (r: Received) => r.instant?.content instanceof TextContent;
      await b.collect(isText, cached.size, 20_000);
      const got = new Set(b.inbox.filter(isText).map((r) => r.msg.signature));
      await b.close();
      acked += cached.size;
      const missing = [...cached].filter((s) => !got.has(s)).length;
      lost += missing;
      if (missing > 0) {
        failures.push(`round ${rounds}: ${missing} acked messages lost`);
      }
      for (const failure of failures.slice(reported)) {
        log(`  failure: ${failure}`);
      }
      reported = failures.length;
      const rss = samples.at(-1)?.rssMib ?? 0;
      log(
        `soak t=${
          Math.round((Date.now() - started) / 1000)
        }s round ${rounds}: ` +
          `bench ${bench.delivered}/${bench.planned}, hostile ${hostileSent}, ` +
          `storm ${stormSessions}, acked ${acked}, lost ${lost}, ` +
          `rss ${rss.toFixed(1)} MiB, failures ${failures.length}`,
      );
    }
  } finally {
    clearInterval(sampler);
    await stopStation(station, "SIGTERM").catch(() => undefined);
    Deno.removeSync(dir, { recursive: true });
  }
  return {
    seconds: Math.round((Date.now() - started) / 1000),
    rounds,
    restarts,
    bench,
    hostileSent,
    stormSessions,
    stormFailures,
    acked,
    lost,
    failures,
    memory: perMinute(samples),
  };
}

function perMinute(samples: readonly MemorySample[]): SoakReport["memory"] {
  const minutes = new Map<number, number[]>();
  for (const s of samples) {
    const m = Math.floor(s.t / 60);
    minutes.set(m, [...(minutes.get(m) ?? []), s.rssMib]);
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return [...minutes].map(([minute, values]) => ({
    minute,
    first: r1(values[0]),
    min: r1(Math.min(...values)),
    max: r1(Math.max(...values)),
    last: r1(values[values.length - 1]),
  }));
}
