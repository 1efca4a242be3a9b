/**
 * `dim bench`: a load generator that measures any DIM station — N users
 * handshake, then each sends M texts to another user; every delivery is
 * timed from the send to the receiver's socket.
 *
 * ```sh
 * dim bench --station 127.0.0.1:9394 --users 100 --messages 100 --json
 * dim bench --station 127.0.0.1:9394 --users 20 --offline --pid 4242
 * dim bench --station 127.0.0.1:9394 --sessions 1000 --hold 30 --pid 4242
 * ```
 *
 * A progress line on stderr every second; the result on stdout (with
 * `--json`: one JSON object, the last line). Exit status 0 when every
 * message was delivered once with its station receipt, 1 otherwise, 2 on a
 * bad command line.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  BenchError,
  type BenchProgress,
  type BenchResult,
  ensureBenchUsers,
  MAX_BENCH_USERS,
  type Percentiles,
  runBench,
  runSessions,
  sampleProcesses,
  SELF_WARMUP_TEXTS,
  type SessionsResult,
  VERIFY_EVERY,
  withNonces,
} from "./bench/mod.ts";
import type { LocalUser } from "../dimp/message/mod.ts";
import { Accounts, Store } from "../store/mod.ts";
import { UsageError } from "./context.ts";
import { type Endpoint, parseEndpoint } from "./_client_common.ts";
import { printErr, printOut } from "./output.ts";
import {
  installCryptoEngine,
  parseCryptoEngine,
} from "../station/crypto_engine.ts";
import {
  installEcdsaChoice,
  parseEcdsaEngine,
} from "../station/ecdsa_choice.ts";
import { growFdTable } from "../station/fd_table.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const MAX_USERS = 1000;
const MAX_HOLD_S = 3600;
const MAX_MESSAGES = 200_000;
const MAX_SIZE = 65_536;
const MAX_WINDOW = 1000;
const MAX_DURATION_S = 3600;

const HELP = `usage: dim bench [--station HOST:PORT] [options]

N users connect and handshake, then each sends M end-to-end encrypted texts
to another user (packed and signed before the clock starts); each delivery
is timed from the send to the receiver's socket. It speaks only the protocol:
run the same arguments against any DIM station to compare them.

  --station HOST:PORT  the station (default [station] host:port of the config,
                       else 127.0.0.1:9394)
  --users N            users (default 10; 2 … ${MAX_USERS}; user i sends to user i+1)
  --messages M         texts per user (default 100; users × messages ≤ ${MAX_MESSAGES})
  --size BYTES         characters per text (default 100; 1 … ${MAX_SIZE})
  --framing F          mtp (default), ws, plain, mars
  --window W           messages in flight per user: sent, neither delivered nor
                       answered by the station yet (default 8; 1 … ${MAX_WINDOW})
  --rate R             messages per second offered in all (default: as fast as
                       the window allows)
  --duration S         sending stops after S seconds, whatever is left; what
                       was sent has S / 2 more, at most 5 s, to arrive
                       (default 120; ≤ ${MAX_DURATION_S}). With --rate and no
                       --messages each user sends rate × S / users texts.
  --warmup M           each user first sends M texts that are neither timed
                       nor counted, on sessions of their own (default 0): the
                       figures are then of a station and a bench whose code
                       V8 has already optimised, not of their first texts
  --no-self-warmup     leave out the bench's own warm-up: by default (MTP)
                       it first runs its own code on as many texts of the
                       run's size as it will send (at most ${SELF_WARMUP_TEXTS}) through a
                       stand-in for the station inside its own process (none
                       to the station; the JSON result's generator.warmed),
                       so that its CPU per text is not that of its first texts
  --offline            the users send to as many other users who are away;
                       those connect afterwards and drain (reports both rates)
  --receipts           receivers answer every text with "Message received."
                       as real clients do (default: they do not)
  --single-receipts    ask for one station receipt message per text, as the
                       reference clients get them (default: the users ask for
                       receipts batched in array contents; other stations
                       send single ones anyway)
  --verify-all         verify the station's signature on every receipt message
                       (default: on the first of each session and one in
                       ${VERIFY_EVERY} after it, to keep the bench's own CPU low;
                       the JSON result counts them: station_receipts.verified),
                       and on every handshake reply (default: each session's
                       DIM? and one in ${VERIFY_EVERY} of the DIM!s:
                       station_replies.verified)
  --pid PID[,PID...]   the station's process(es) on this machine: CPU time and
                       memory (Linux /proc)
  --concurrency C      handshakes under way at once (default 16)
  --sessions N         instead of texts: N users connect and handshake, then
                       stay idle for --hold seconds (2 … ${MAX_BENCH_USERS}); reports
                       handshakes/s and, with --pid, the station's memory per
                       session and CPU per handshake. Two of them exchange a
                       text every 100 ms while the others connect, and 100
                       after the hold (their latency). On a loopback station
                       the connections come from 127.0.0.2, 127.0.0.3, …
                       (500 each); the bench needs N + 100 open files (ulimit -n)
  --hold S             with --sessions: the idle time (default 30; ≤ ${MAX_HOLD_S})
  --probe-interval MS  with --sessions: the probe pair's text every MS ms while
                       the others connect (default 100; 5 … 1000): more texts
                       for the p99 of a short storm
  --storm-nice N       with --sessions: the thread that drives the storm's
                       handshakes runs at nice N (0 … 19, default 0; Linux, that
                       thread only: the probe pair's thread keeps its own), as
                       users on other machines take none of the station's
                       CPUs; the JSON result says it (storm_nice)
  --probe-nice=N       with --sessions: the probe pair's thread runs at nice N
                       (-20 … 19, default 0; Linux, that thread only; a
                       negative N needs CAP_SYS_NICE, else it stays 0), as two
                       users on machines of their own wait for no one else's
                       threads; the JSON result says it (probe_nice)
  --reconnect          with --sessions: after the idle texts, the storm's users
                       lose their connections and reconnect at once, the same
                       clients with the keys they hold (as after a network cut
                       or a station restart), while the probe pair exchanges
                       texts; the JSON result's reconnect gives its
                       handshakes/s, texts and CPU per handshake
  --crypto-engine E    what runs the users' RSA: auto (default: OpenSSL's
                       libcrypto by FFI when it loads, else the runtime's
                       node:crypto), openssl (required) or runtime; as the
                       station's [station] crypto_engine. Said on stderr
  --ecdsa-engine E     what runs the users' ECDSA secp256k1: auto (default:
                       libsecp256k1 by FFI when it loads and passes its
                       self-test, else node:crypto and noble), libsecp256k1
                       (required) or runtime; as the station's [station]
                       ecdsa_engine. Said on stderr
  --json               the result as one JSON object, the last line of stdout
  --verbose            the sessions' logs on stderr

The users are generated once and kept in <data dir>/bench/bench.db (never in
a station's store); later runs reuse them. Exit 0 when every message was
delivered exactly once and answered by the station, 1 otherwise.`;

const OPTIONS = {
  station: { type: "string" },
  users: { type: "string" },
  messages: { type: "string" },
  size: { type: "string" },
  framing: { type: "string" },
  window: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  warmup: { type: "string" },
  "no-self-warmup": { type: "boolean" },
  offline: { type: "boolean" },
  receipts: { type: "boolean" },
  "single-receipts": { type: "boolean" },
  "verify-all": { type: "boolean" },
  pid: { type: "string" },
  concurrency: { type: "string" },
  sessions: { type: "string" },
  "crypto-engine": { type: "string" },
  "ecdsa-engine": { type: "string" },
  hold: { type: "string" },
  "storm-nice": { type: "string" },
  reconnect: { type: "boolean" },
  "probe-nice": { type: "string" },
  "probe-interval": { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

/** A whole number in `[min, max]`. */
function integer(
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  what: string,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(
      `${what} must be a whole number ${min} … ${max}, not "${text}"`,
    );
  }
  return value;
}

/** A positive number at most `max`. */
function positive(text: string, max: number, what: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > max) {
    throw new UsageError(
      `${what} must be a number > 0 and ≤ ${max}, not "${text}"`,
    );
  }
  return value;
}

function parsePids(text: string): number[] {
  const pids = text.split(",").map((part) => part.trim());
  if (pids.some((pid) => !/^[1-9]\d*$/.test(pid))) {
    throw new UsageError(`--pid must be PID[,PID...], not "${text}"`);
  }
  return pids.map(Number);
}

/** The checked numbers of the command line. */
interface Plan {
  users: number;
  messages: number;
  size: number;
  window: number;
  rate: number | undefined;
  durationS: number;
  /** Untimed texts per user before the timed phase. */
  warmup: number;
  concurrency: number;
  pids: number[] | undefined;
}

/** What `--sessions` runs: N users held for S seconds. */
interface SessionsPlan {
  sessions: number;
  holdS: number;
  concurrency: number;
  /** The storm thread's nice value. */
  stormNice: number;
  /** The probe pair's thread's nice value. */
  probeNice: number;
  /** Between two probe texts during the storm (ms). */
  probeIntervalMs: number;
  pids: number[] | undefined;
}

/** Flags that only the texts bench takes. */
const TEXT_FLAGS = [
  "users",
  "messages",
  "size",
  "window",
  "rate",
  "duration",
  "warmup",
  "offline",
  "receipts",
  "single-receipts",
  "verify-all",
] as const;

/** Files the bench keeps open besides its sessions' sockets. */
const SPARE_FILES = 100;

/** The soft limit of open files of this process (Linux), if known. */
function openFilesLimit(): number | undefined {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function parseSessionsPlan(
  flags: Record<string, string | boolean | undefined>,
): SessionsPlan {
  const str = (name: string) => flags[name] as string | undefined;
  const extra = TEXT_FLAGS.find((name) => flags[name] !== undefined);
  if (extra !== undefined) {
    throw new UsageError(`--sessions takes no --${extra} (no texts are sent)`);
  }
  const sessions = integer(
    str("sessions"),
    0,
    2,
    MAX_BENCH_USERS,
    "--sessions",
  );
  const limit = openFilesLimit();
  if (limit !== undefined && sessions + SPARE_FILES > limit) {
    throw new UsageError(
      `--sessions ${sessions} needs ${
        sessions + SPARE_FILES
      } open files, this process may have ${limit}: raise it (ulimit -n)`,
    );
  }
  return {
    sessions,
    holdS: str("hold") === undefined
      ? 30
      : positive(str("hold")!, MAX_HOLD_S, "--hold"),
    concurrency: integer(str("concurrency"), 16, 1, 256, "--concurrency"),
    stormNice: integer(str("storm-nice"), 0, 0, 19, "--storm-nice"),
    probeNice: integer(str("probe-nice"), 0, -20, 19, "--probe-nice"),
    probeIntervalMs: integer(
      str("probe-interval"),
      100,
      5,
      1000,
      "--probe-interval",
    ),
    pids: str("pid") === undefined ? undefined : parsePids(str("pid")!),
  };
}

function parsePlan(flags: Record<string, string | boolean | undefined>): Plan {
  const str = (name: string) => flags[name] as string | undefined;
  const offline = flags.offline === true;
  const users = integer(
    str("users"),
    10,
    offline ? 1 : 2,
    MAX_USERS,
    "--users",
  );
  const durationS = str("duration") === undefined
    ? 120
    : positive(str("duration")!, MAX_DURATION_S, "--duration");
  const rate = str("rate") === undefined
    ? undefined
    : positive(str("rate")!, 1_000_000, "--rate");
  const derived = rate !== undefined && str("duration") !== undefined
    ? Math.max(1, Math.ceil((rate * durationS) / users))
    : 100;
  const messages = integer(
    str("messages"),
    derived,
    1,
    MAX_MESSAGES,
    "--messages",
  );
  if (users * messages > MAX_MESSAGES) {
    throw new UsageError(
      `users × messages must be ≤ ${MAX_MESSAGES} (every message is packed in memory first), not ${
        users * messages
      }`,
    );
  }
  const warmup = integer(str("warmup"), 0, 0, MAX_MESSAGES, "--warmup");
  if (users * warmup > MAX_MESSAGES) {
    throw new UsageError(
      `users × warmup must be ≤ ${MAX_MESSAGES}, not ${users * warmup}`,
    );
  }
  return {
    users,
    messages,
    size: integer(str("size"), 100, 1, MAX_SIZE, "--size"),
    window: integer(str("window"), 8, 1, MAX_WINDOW, "--window"),
    rate,
    durationS,
    warmup,
    concurrency: integer(str("concurrency"), 16, 1, 256, "--concurrency"),
    pids: str("pid") === undefined ? undefined : parsePids(str("pid")!),
  };
}

function ms(value: number | null): string {
  return value === null
    ? "-"
    : `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
}

function spread(p: Percentiles): string {
  return `p50 ${ms(p.p50)}, p90 ${ms(p.p90)}, p99 ${ms(p.p99)}, max ${
    ms(p.max)
  }`;
}

function rate(value: number | null): string {
  return value === null ? "-" : `${Math.round(value)}/s`;
}

/** The result for people, one line per figure. */
export function describeResult(r: BenchResult): string[] {
  const lines = [
    `dim bench → ${r.station} (${
      r.station_id ?? "station ID unknown"
    }), ${r.framing}, receivers ${r.mode}`,
    ...(r.warmup === undefined || r.warmup === null ? [] : [
      `  warm-up           ${r.warmup.messages_per_user} texts per user before the clock: ${r.warmup.delivered} delivered in ${
        r.warmup.elapsed_s ?? 0
      } s, not counted below`,
    ]),
    `  users × messages  ${r.users} × ${r.messages_per_user} (${r.size}-character texts), window ${r.window}, ${
      r.rate === null ? "as fast as the window allows" : `${r.rate}/s offered`
    }, end-to-end receipts ${
      r.end_to_end_receipts ? "on" : "off (--receipts)"
    }`,
    `  handshakes        ${r.handshakes}: ${rate(r.handshakes_per_s)} (${
      spread(r.handshake_ms)
    })`,
    `  sent              ${r.sent} of ${r.planned} in ${r.send_s ?? 0} s: ${
      rate(r.offered_per_s)
    } offered`,
    `  delivered         ${r.delivered}: ${
      rate(r.delivered_per_s)
    } (first send → last delivery, ${
      r.elapsed_s ?? 0
    } s); duplicates ${r.duplicates}, misrouted ${r.misrouted}`,
    `  latency           ${spread(r.latency_ms)} (${
      r.latency_from === "planned" ? "planned send" : "send"
    } → the receiver's socket)${
      r.send_lag_ms === null
        ? ""
        : `; sends ${spread(r.send_lag_ms)} after planned`
    }`,
    `  station receipts  ${r.station_receipts.total} ("Message delivered." ${r.station_receipts.delivered}, "Message cached." ${r.station_receipts.cached}, other ${r.station_receipts.other})${
      r.peer_receipts === null
        ? ""
        : `; end-to-end receipts back ${r.peer_receipts}`
    }`,
    `  receipt messages  ${checked(r.station_receipts, r.verify_all)}`,
  ];
  if (r.offline !== null) {
    lines.push(
      `  offline           cached ${
        rate(r.offline.cached_per_s)
      } while away; drained ${rate(r.offline.drained_per_s)} (${
        r.offline.drain_s ?? 0
      } s from the first reconnect)`,
    );
  }
  lines.push(
    `  failures          ${r.failures} (not delivered, or no station receipt)`,
    `  generator CPU     ${r.generator.cpu_s} s (${
      Math.round(r.generator.cpu_share * 100)
    }% of a core during the timed phase${
      r.generator.cpu_us_per_delivered === null
        ? ""
        : `, ${r.generator.cpu_us_per_delivered} µs per delivered message`
    }; packing took ${r.pack_s} s before it); its event-loop lag ${
      spread(r.generator.loop_lag_ms)
    }`,
  );
  const warmed = r.generator.warmed;
  if (warmed !== null && warmed !== undefined) {
    lines.push(
      `  self warm-up      ${warmed.texts} texts through a stand-in for the station in this process, before it (none to the station): ${warmed.delivered} delivered, ${warmed.station_receipts} answered, ${warmed.verified} receipt messages verified${
        warmed.bad_signatures > 0
          ? ` (${warmed.bad_signatures} did not verify)`
          : ""
      }, ${warmed.ms} ms`,
    );
  }
  const p = r.station_process;
  if (p !== null) {
    lines.push(
      `  station process   pid ${p.pids.join(",")}: RSS ${
        p.rss_mib.toFixed(1)
      } MiB (peak ${p.peak_rss_mib.toFixed(1)}), CPU ${p.cpu_s} s (${
        Math.round(p.cpu_share * 100)
      }% of a core${
        p.cpu_us_per_delivered === null
          ? ""
          : `, ${p.cpu_us_per_delivered} µs per delivered message`
      })`,
    );
  }
  lines.push(`  ended             ${r.ended}`);
  if (r.generator.bottleneck) {
    lines.push(
      "  note: the generator itself was the bottleneck (its CPU was busy ≥ 90% of the timed phase): the station may sustain more",
    );
  }
  for (const error of r.errors) lines.push(`  error: ${error}`);
  return lines;
}

/** A sessions run's result for people. */
export function describeSessions(r: SessionsResult): string[] {
  const lines = [
    `dim bench --sessions → ${r.station} (${
      r.station_id ?? "station ID unknown"
    }), ${r.framing}`,
    `  sessions          ${r.sessions} of ${r.users} up after ${r.hold_s} s idle (${
      r.sources > 0 ? `from ${r.sources} source addresses` : "one source"
    })`,
    `  handshakes        ${r.handshakes}: ${
      rate(r.handshakes_per_s)
    }, ${r.concurrency} at a time${
      r.storm_nice === 0 ? "" : ` from a thread at nice ${r.storm_nice}`
    } (${spread(r.handshake_ms)})`,
    `  station replies   ${checked(r.station_replies, r.verify_all)}`,
    `  before the clock  ${r.prepared.first_offers} first offers packed, ${r.prepared.sealed_keys} message keys sealed for the station`,
    `  texts             while connecting ${
      spread(r.text_ms_while_connecting)
    }; idle ${spread(r.text_ms_idle)}; lost ${r.texts_lost}`,
  ];
  const p = r.station_process;
  if (p !== null) {
    lines.push(
      `  station process   pid ${p.pids.join(",")}: RSS ${
        p.rss_mib_before.toFixed(1)
      } → ${p.rss_mib.toFixed(1)} MiB (${
        p.rss_per_session_kib === null ? "-" : p.rss_per_session_kib.toFixed(1)
      } KiB per session); CPU ${p.cpu_s} s for the handshakes (${
        p.cpu_us_per_handshake ?? "-"
      } µs each), ${p.hold_cpu_s} s during the hold`,
    );
  }
  lines.push(
    `  generator CPU     ${r.generator.cpu_s} s (${
      r.generator.cpu_us_per_handshake ?? "-"
    } µs per handshake while connecting)`,
  );
  const again = r.reconnect;
  if (again !== null) {
    lines.push(
      `  reconnect         ${again.sessions} of ${r.users} up: ${again.handshakes} handshakes, ${
        rate(again.handshakes_per_s)
      } (${spread(again.handshake_ms)}); texts ${
        spread(again.text_ms)
      }; CPU per handshake: station ${
        again.station_cpu_us_per_handshake ?? "-"
      } µs, generator ${again.generator_cpu_us_per_handshake ?? "-"} µs`,
    );
  }
  lines.push(`  ended             ${r.ended}`);
  for (const error of r.errors) lines.push(`  error: ${error}`);
  return lines;
}

/** Station messages received, how many had their signature checked, and failed. */
function checked(
  counts: {
    readonly messages: number;
    readonly verified: number;
    readonly bad_signatures: number;
  },
  verifyAll: boolean,
): string {
  return `${counts.messages}, the station's signature verified on ${counts.verified}${
    verifyAll ? " (--verify-all)" : ""
  }${
    counts.bad_signatures > 0
      ? `; ${counts.bad_signatures} did not verify (dropped)`
      : ""
  }`;
}

function progressLine(p: BenchProgress): string {
  return `dim bench: [${p.phase} ${
    p.elapsedS.toFixed(1)
  } s] sent ${p.sent}/${p.planned}, delivered ${p.delivered} (${p.deliveredPerS}/s), in flight ${p.inFlight}, station receipts ${p.stationReceipts}${
    p.failures > 0 ? `, errors ${p.failures}` : ""
  }`;
}

/**
 * Runs `dim bench ...`; returns the exit status.
 *
 * @example
 * ```ts ignore
 * await runBenchCommand(ctx, ["--station", "127.0.0.1:9394", "--users", "5", "--json"]);
 * ```
 */
export async function runBenchCommand(
  ctx: CommandContext,
  args: readonly string[],
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    printOut(HELP);
    return 0;
  }
  const engine = flags["crypto-engine"] ?? "auto";
  const choice = parseCryptoEngine(engine);
  if (choice === undefined) {
    throw new UsageError(
      `--crypto-engine takes auto, openssl or runtime, not ${engine}`,
    );
  }
  const ecdsaFlag = flags["ecdsa-engine"] ?? "auto";
  const ecdsaChoice = parseEcdsaEngine(ecdsaFlag);
  if (ecdsaChoice === undefined) {
    throw new UsageError(
      `--ecdsa-engine takes auto, libsecp256k1 or runtime, not ${ecdsaFlag}`,
    );
  }
  const endpoint = parseEndpoint(ctx, flags);
  // every user's warmed key stays parsed, as a client's own key stays loaded
  const rsa = installCryptoEngine(choice, { privateKeys: MAX_BENCH_USERS });
  printErr(`dim bench: ${rsa.summary}`);
  printErr(`dim bench: ${installEcdsaChoice(ecdsaChoice).summary}`);
  // its users' connects never wait for the descriptor table to grow (an
  // RCU grace period each time it doubles), as users on other machines
  growFdTable(MAX_BENCH_USERS + 256);
  if (flags.sessions !== undefined) {
    return await runSessionsCommand(ctx, flags, endpoint);
  }
  for (
    const name of [
      "hold",
      "storm-nice",
      "probe-nice",
      "probe-interval",
      "reconnect",
    ] as const
  ) {
    if (flags[name] !== undefined) {
      throw new UsageError(`--${name} goes with --sessions`);
    }
  }
  const plan = parsePlan(flags);
  const offline = flags.offline === true;
  return await withBenchUsers(
    ctx,
    plan.pids,
    offline ? 2 * plan.users : plan.users,
    async (accounts, users, signal) => {
      // every signature a user makes (its messages, its receipts, two per
      // handshake) takes a nonce made now, before the clock
      const receipts = flags.receipts === true ? plan.messages : 0;
      const selfWarmup = flags["no-self-warmup"] !== true;
      const warmup = plan.warmup > 0
        ? await warmUp(endpoint, plan, users.slice(0, plan.users), {
          accounts,
          receiptArrays: flags["single-receipts"] !== true,
          selfWarmup,
          signal,
        })
        : null;
      if (warmup !== null && warmup.failures > 0) {
        printErr(
          `dim bench: the warm-up was not clean: ${warmup.failures} of ${warmup.planned} texts not delivered or not answered`,
        );
        return 1;
      }
      printErr("dim bench: making the users' one-time signing nonces");
      const senders = withNonces(
        users.slice(0, plan.users),
        plan.messages + (offline ? 0 : receipts) + 2,
      );
      const timed = await runBench({
        accounts,
        ...endpoint,
        users: senders,
        offline: offline
          ? withNonces(users.slice(plan.users), receipts + 4)
          : undefined,
        messages: plan.messages,
        size: plan.size,
        window: plan.window,
        rate: plan.rate,
        duration: plan.durationS * 1000,
        receipts: flags.receipts === true,
        receiptArrays: flags["single-receipts"] !== true,
        verifyAll: flags["verify-all"] === true,
        // with --warmup the bench warmed its own code before it
        selfWarmup: selfWarmup && warmup === null,
        concurrency: plan.concurrency,
        pids: plan.pids,
        signal,
        onPhase: (text) => printErr(`dim bench: ${text}`),
        onProgress: (progress) => printErr(progressLine(progress)),
        onLog: (level, text) => {
          if (flags.verbose || level === "warn") {
            printErr(`dim bench: [${level}] ${text}`);
          }
        },
      });
      const result: BenchResult = {
        ...timed,
        generator: {
          ...timed.generator,
          warmed: timed.generator.warmed ?? warmup?.generator.warmed ?? null,
        },
        warmup: warmup === null ? null : {
          messages_per_user: plan.warmup,
          delivered: warmup.delivered,
          elapsed_s: warmup.elapsed_s,
        },
      };
      if (flags.json) printOut(JSON.stringify(result));
      else for (const line of describeResult(result)) printOut(line);
      const clean = result.failures === 0 && result.duplicates === 0 &&
        result.misrouted === 0;
      return clean ? 0 : 1;
    },
  );
}

/**
 * `--warmup`: each user sends `plan.warmup` texts on sessions of their own,
 * untimed, so that the timed phase after it runs code V8 has optimised (in
 * the station and in the bench). The result is the warm-up's own run.
 */
async function warmUp(
  endpoint: Endpoint,
  plan: Plan,
  users: readonly LocalUser[],
  options: {
    accounts: Accounts;
    receiptArrays: boolean;
    selfWarmup: boolean;
    signal: AbortSignal;
  },
): Promise<BenchResult> {
  printErr(
    `dim bench: warming up: ${plan.warmup} texts per user, neither timed nor counted`,
  );
  return await runBench({
    accounts: options.accounts,
    ...endpoint,
    users: withNonces(users, plan.warmup + 2),
    messages: plan.warmup,
    size: plan.size,
    window: plan.window,
    duration: plan.durationS * 1000,
    receipts: false,
    receiptArrays: options.receiptArrays,
    selfWarmup: options.selfWarmup,
    concurrency: plan.concurrency,
    signal: options.signal,
    onPhase: (text) => printErr(`dim bench: warm-up: ${text}`),
  });
}

/**
 * Opens the bench's store, makes sure `count` bench users are in it, and
 * runs `run` with them (SIGINT aborts its signal); a {@link BenchError} is
 * exit status 1.
 */
async function withBenchUsers(
  ctx: CommandContext,
  pids: readonly number[] | undefined,
  count: number,
  run: (
    accounts: Accounts,
    users: readonly LocalUser[],
    signal: AbortSignal,
  ) => Promise<number>,
): Promise<number> {
  if (pids !== undefined) sampleProcesses(pids); // readable now?
  const path = join(ctx.dataDir, "bench", "bench.db");
  const accounts = new Accounts(Store.open({ path }));
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const { users, generated } = await ensureBenchUsers(
      accounts,
      count,
      (done, missing) =>
        printErr(`dim bench: generated ${done} of ${missing} new users`),
    );
    printErr(`dim bench: ${count} users in ${path} (${generated} new)`);
    return await run(accounts, users, controller.signal);
  } catch (error) {
    if (error instanceof BenchError) {
      printErr(`dim bench: ${error.message}; is a station running there?`);
      return 1;
    }
    throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    accounts.store.close();
  }
}

/** `dim bench --sessions N`; returns the exit status. */
function runSessionsCommand(
  ctx: CommandContext,
  flags: Record<string, string | boolean | undefined>,
  endpoint: Endpoint,
): Promise<number> {
  const plan = parseSessionsPlan(flags);
  return withBenchUsers(
    ctx,
    plan.pids,
    plan.sessions,
    async (accounts, users, signal) => {
      const result = await runSessions({
        accounts,
        ...endpoint,
        users,
        hold: plan.holdS * 1000,
        verifyAll: flags["verify-all"] === true,
        concurrency: plan.concurrency,
        stormNice: plan.stormNice,
        probeNice: plan.probeNice,
        probeInterval: plan.probeIntervalMs,
        reconnect: flags.reconnect === true,
        pids: plan.pids,
        signal,
        onPhase: (text) => printErr(`dim bench: ${text}`),
        onProgress: (text) => printErr(`dim bench: [${text}]`),
        onLog: (level, text) => {
          if (flags.verbose) printErr(`dim bench: [${level}] ${text}`);
        },
      });
      if (flags.json) printOut(JSON.stringify(result));
      else for (const line of describeSessions(result)) printOut(line);
      const reconnected = result.reconnect === null ||
        result.reconnect.sessions === result.users;
      return result.sessions === result.users && reconnected &&
          result.texts_lost === 0
        ? 0
        : 1;
    },
  );
}

/**
 * The `bench` subcommand.
 *
 * @example
 * ```ts ignore
 * const status = await bench.run(ctx, ["--users", "5", "--messages", "20", "--json"]);
 * ```
 */
export const bench: Subcommand = {
  summary: "measure a station: N users, M messages each, rates and latency",
  run: (ctx, args) => runBenchCommand(ctx, args),
};
