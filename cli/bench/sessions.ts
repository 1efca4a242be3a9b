/**
 * `dim bench --sessions N --hold S`: what a station holds. N users connect
 * and handshake (a few at a time), then stay idle for S seconds; the
 * station's process is sampled before the first connection, after the last
 * handshake and at the end of the hold, which gives its memory per idle
 * session and its CPU per handshake.
 *
 * Two of the users (the first two) connect first, on a thread of their own
 * (as two real users are on machines of their own: their latency is then
 * the station's, not the queue of the thread that drives the storm), and
 * exchange a text every `probeInterval` while the others connect — a
 * text's latency during a reconnect storm — and `probes` more after the
 * hold — with every session idle. Those texts are the only messages; the
 * held sessions send nothing but the framing's heartbeats. The probe thread
 * runs RSA and ECDSA on the engines this thread runs (libcrypto,
 * libsecp256k1: the result's `probe_engines`), as the storm users do.
 *
 * Each connection is a plain `Deno.connect`, as a client's (the system
 * chooses its source port); only when more sessions than one source address
 * holds go to a loopback station are they spread over several loopback
 * source addresses (127.0.0.2, 127.0.0.3, …: `node:net`, which can bind the
 * local side, at ~100 µs more of the bench's CPU per connection). The one-time
 * ECDSA nonces of the storm's handshake signatures are made before the
 * clock starts (the bench shares the cores with the station it measures);
 * the station gets ordinary signatures. Their RSA message keys are loaded
 * (imported into the crypto backend) before it too, as a client's are when
 * it starts, and each session's first offer (`Hello world!` to
 * `station@anywhere` with its meta and visa, signed) is packed and
 * serialized before it: the storm only writes it. Once the probe pair is in
 * (the station's visa known), each storm user makes its message key for the
 * station and seals it for the station's visa key, as a client prepares the
 * key for its station: its second offer then costs no RSA encryption. The
 * station receives the same offers (their `time` is when they were packed),
 * each with a key of its own to open. The clock (handshakes/s, the CPU per
 * handshake of both processes) runs from the storm's first connection to its
 * last handshake; the probe pair's two handshakes come before it.
 *
 * With `stormNice` the thread that drives the storm (this one) runs at that
 * nice value from the storm's start on (Linux: per thread; the probe thread,
 * started before, keeps its own), as a station's users on other machines
 * take none of its CPUs: the probe texts then wait for the station, less for
 * the generator. The result says which (`storm_nice`).
 *
 * The storm's sessions check the station's signature on a sample of its
 * replies, as the text path does with its station receipts: each session's
 * first (`DIM?`), then one in {@link VERIFY_EVERY} of the others (the
 * `DIM!`s) across the run — all with `verifyAll` — and the result counts
 * them (`station_replies`). Every reply is still decrypted (the `DIM?`'s
 * sealed key opened); what the station does is unchanged.
 *
 * @module
 */
import {
  type LocalUser,
  MemoryCipherKeyCache,
} from "../../dimp/message/mod.ts";
import { type ID, parseId } from "../../dimp/identity/mod.ts";
import { AccountsDirectory, type ClientSession } from "../../client/mod.ts";
import { type ProbeEngines, type ProbeTake, ProbeThread } from "./_prober.ts";
import { workerEngines } from "../../station/worker_engines.ts";
import { eachLimited } from "./_each_limited.ts";
import { setThreadNice } from "./_thread_nice.ts";
import { withNonces } from "./nonces.ts";
import { warmMessageKeys } from "./_warm_keys.ts";
import { ReplySample } from "./_reply_sample.ts";
import {
  ownCpuMs,
  type ProcessSample,
  sampleProcesses,
} from "./process_stats.ts";
import { percentiles, round3, type SessionsResult } from "./result.ts";
import {
  type BenchConnectOptions,
  BenchError,
  benchSession,
  VERIFY_EVERY,
} from "./run.ts";

/** How a sessions run goes. Times in milliseconds. */
export interface SessionsOptions extends BenchConnectOptions {
  /** One session each (at least 2: the first two exchange the probe texts). */
  readonly users: readonly LocalUser[];
  /** How long every session stays idle once all are connected. */
  readonly hold: number;
  /** Local addresses to connect from, in turn (default: {@link sourceAddresses}). */
  readonly sources?: readonly string[];
  /** A probe text every this long while the users connect (default 100). */
  readonly probeInterval?: number;
  /** Probe texts after the hold, one after another (default 100). */
  readonly probes?: number;
  /**
   * Verify the station's signature on every handshake reply (default: on
   * each session's first, `DIM?`, and one in {@link VERIFY_EVERY} of the
   * others).
   */
  readonly verifyAll?: boolean;
  /**
   * The nice value of the thread that drives the storm, from its start on
   * (0 … 19; default 0: unchanged).
   */
  readonly stormNice?: number;
  /**
   * The nice value of the probe pair's thread, from its start on (−20 …
   * 19; default 0: unchanged; a negative one needs `CAP_SYS_NICE`).
   */
  readonly probeNice?: number;
  /**
   * After the texts between idle sessions, the storm's users lose their
   * connections and reconnect at once, the same clients with the message
   * keys they hold, while the probe pair exchanges texts (the result's
   * `reconnect`).
   */
  readonly reconnect?: boolean;
  /** About once a second: sessions up, of how many. */
  readonly onProgress?: (text: string) => void;
}

/**
 * Sessions per loopback source address: one address holds this many
 * connections to one station port (Linux's ephemeral ports, 32768–60999 by
 * default: 28,232), with room left for everything else on the machine.
 */
const SESSIONS_PER_SOURCE = 20_000;
/** Source addresses at most (127.0.0.2 … 127.0.0.251). */
const MAX_SOURCES = 250;
/** A handshake's signatures: the first offer and the one with the key. */
const SIGNATURES_PER_HANDSHAKE = 2;
/** Errors kept for the report. */
const MAX_ERRORS = 10;
/**
 * With `reconnect`, how long the bench waits between dropping the storm's
 * connections and reconnecting them (ms): the station sees them go first.
 */
const RECONNECT_AFTER_MS = 1000;

/** One storm: its sessions connected `concurrency` at a time, on the clock. */
interface _StormClock {
  /** Handshakes completed in the storm. */
  readonly handshakes: number;
  readonly wallMs: number;
  /** The bench's own CPU over the storm. */
  readonly cpuMs: number;
  /** The station at the storm's start and end (with `pids`). */
  readonly station?: {
    readonly start: ProcessSample;
    readonly end: ProcessSample;
  };
  /** The probe pair's texts during the storm. */
  readonly texts: ProbeTake;
}

/**
 * The source addresses for `sessions` connections to `host`: none (the
 * system chooses, as for a client) for up to {@link SESSIONS_PER_SOURCE}
 * sessions or a station off IPv4 loopback; beyond, one per
 * {@link SESSIONS_PER_SOURCE} sessions from 127.0.0.2 on (at most 250).
 *
 * @example
 * ```ts
 * sourceAddresses("127.0.0.1", 10_000); // []
 * sourceAddresses("127.0.0.1", 50_000); // ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
 * sourceAddresses("10.0.0.5", 50_000); // []
 * ```
 */
export function sourceAddresses(host: string, sessions: number): string[] {
  if (
    !/^127\.\d+\.\d+\.\d+$/.test(host) || sessions <= SESSIONS_PER_SOURCE
  ) return [];
  const count = Math.min(
    MAX_SOURCES,
    Math.max(1, Math.ceil(sessions / SESSIONS_PER_SOURCE)),
  );
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

/**
 * Runs a sessions bench: connects, holds, probes, reports, closes.
 *
 * @throws {BenchError} fewer than 2 users, or the first two could not connect
 * @example
 * ```ts ignore
 * const result = await runSessions({
 *   accounts, host: "127.0.0.1", port: 9394, framing: "mtp",
 *   users, hold: 30_000, pids: [stationPid],
 * });
 * result.station_process?.rss_per_session_kib;
 * ```
 */
export async function runSessions(
  o: SessionsOptions,
): Promise<SessionsResult> {
  if (o.users.length < 2) {
    throw new BenchError("a sessions bench needs at least 2 users");
  }
  const directory = new AccountsDirectory(o.accounts);
  const cipherKeys = new MemoryCipherKeyCache();
  const sources = o.sources ?? sourceAddresses(o.host, o.users.length);
  const errors: string[] = [];
  let errorCount = 0;
  const error = (text: string) => {
    errorCount++;
    if (errors.length < MAX_ERRORS) errors.push(text);
  };
  const source = (i: number) =>
    sources.length === 0 ? undefined : sources[i % sources.length];
  const replies = new ReplySample(o.verifyAll ?? false, VERIFY_EVERY);
  // the first two are the probe thread's; the others' signatures of the
  // handshake use nonces made before the clock starts
  const stormSessions = (): ClientSession[] =>
    withNonces(o.users.slice(2), SIGNATURES_PER_HANDSHAKE).map((user, i) =>
      benchSession(o, {
        user,
        directory,
        cipherKeys,
        localAddress: source(i + 2),
        signatureSample: replies.forSession(),
      })
    );
  o.onPhase?.(`making the handshakes' signing nonces`);
  let sessions = stormSessions();
  o.onPhase?.(`loading the users' message keys`);
  await warmMessageKeys(o.users.slice(2));
  o.onPhase?.(`packing the first offers`);
  const firstOffers = await _packFirstOffers(sessions);
  let sealedKeys = 0;
  const handshakeMs: number[] = [];
  let stationId: string | null = null;
  const connect = (into: number[]) => async (session: ClientSession) => {
    const t = performance.now();
    try {
      await session.connect();
      into.push(performance.now() - t);
      stationId ??= session.station?.value ?? null;
    } catch (e) {
      error(`${session.user.value}: ${(e as Error).message}`);
    }
  };
  const sample = () => o.pids ? sampleProcesses(o.pids) : undefined;
  const up = () => sessions.filter((s) => s.state === "running").length + 2;
  const progress = (what: string) => {
    const timer = setInterval(
      () => o.onProgress?.(`${what}: ${up()} of ${o.users.length} sessions`),
      1000,
    );
    return () => clearInterval(timer);
  };
  /** `group` connects on the clock while the probe pair exchanges texts. */
  const storm = async (
    group: readonly ClientSession[],
    into: number[],
  ): Promise<_StormClock> => {
    await probe!.every(o.probeInterval ?? 100);
    const before = { station: sample(), cpuMs: ownCpuMs(), n: into.length };
    const wallStart = performance.now();
    const stop = progress("connecting");
    await eachLimited(group, o.concurrency ?? 16, connect(into));
    stop();
    const wallMs = performance.now() - wallStart;
    const end = sample();
    const cpuMs = ownCpuMs() - before.cpuMs;
    return {
      handshakes: into.length - before.n,
      wallMs,
      cpuMs,
      station: before.station !== undefined && end !== undefined
        ? { start: before.station, end }
        : undefined,
      texts: await probe!.take(),
    };
  };
  let ended: SessionsResult["ended"] = "complete";
  const started = { station: sample(), cpuMs: ownCpuMs() };
  let first: _StormClock | undefined;
  let held: ProcessSample | undefined;
  const none: ProbeTake = { latencies: [], lost: 0, up: 0 };
  let idle = none;
  let heldSessions = 0;
  let reconnect: SessionsResult["reconnect"] = null;
  let probe: ProbeThread | undefined;
  let probeEngines: ProbeEngines | null = null;
  let stormNice = 0;
  let probeNice = 0;
  try {
    o.onPhase?.(`connecting the two probe users`);
    const { thread, started: probing } = await ProbeThread.start({
      path: o.accounts.store.db.path,
      host: o.host,
      port: o.port,
      framing: o.framing,
      users: [o.users[0].id.value, o.users[1].id.value],
      localAddress: source(0),
      handshakeTimeout: o.handshakeTimeout,
      engines: workerEngines(),
      nice: o.probeNice ?? 0,
    });
    probe = thread;
    probeEngines = probing.engines;
    probeNice = probing.nice;
    for (const handshake of probing.handshakes) {
      if (typeof handshake === "number") handshakeMs.push(handshake);
      else error(handshake);
    }
    if (handshakeMs.length < 2) {
      throw new BenchError(
        `the first two users could not connect to ${o.host}:${o.port}: ${
          errors[0]
        }`,
      );
    }
    stationId = probing.stationId;
    const station = stationId === null ? undefined : parseId(stationId);
    if (station !== undefined) {
      o.onPhase?.(`sealing the users' message keys for ${stationId}`);
      sealedKeys = await _sealKeys(sessions, station);
    }
    o.onPhase?.(
      `connecting ${sessions.length} users, ${o.concurrency ?? 16} at a time${
        sources.length > 0
          ? ` from ${sources.length} source addresses (${sources[0]} …)`
          : ""
      }`,
    );
    stormNice = setThreadNice(o.stormNice ?? 0);
    first = await storm(sessions, handshakeMs);

    o.onPhase?.(
      `holding ${up()} sessions idle for ${round3(o.hold / 1000)} s`,
    );
    const stopHold = progress("holding");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, o.hold);
      function done() {
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", interrupted);
        resolve();
      }
      function interrupted() {
        ended = "interrupted";
        done();
      }
      if (o.signal?.aborted) interrupted();
      else o.signal?.addEventListener("abort", interrupted);
    });
    stopHold();
    held = sample();
    o.onPhase?.(`${o.probes ?? 100} texts between two idle sessions`);
    idle = await probe.probes(o.probes ?? 100);
    heldSessions = up() - 2 + idle.up;

    if (o.reconnect && ended === "complete") {
      o.onPhase?.(`dropping ${sessions.length} connections`);
      for (const session of sessions) session.connection?.close();
      await eachLimited(sessions, 64, (s) => s.close());
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_AFTER_MS));
      sessions = stormSessions();
      const offers = await _packFirstOffers(sessions);
      const sealed = station === undefined
        ? 0
        : await _sealKeys(sessions, station);
      o.onPhase?.(`reconnecting ${sessions.length} users with their keys`);
      const again: number[] = [];
      const clock = await storm(sessions, again);
      reconnect = {
        sessions: up() - 2 + clock.texts.up,
        handshakes: clock.handshakes,
        handshakes_per_s: _rate(clock),
        handshake_ms: percentiles(Float64Array.from(again)),
        prepared: { first_offers: offers, sealed_keys: sealed },
        text_ms: percentiles(Float64Array.from(clock.texts.latencies)),
        text_ms_samples: clock.texts.latencies.map(round3),
        texts_lost: clock.texts.lost,
        station_cpu_us_per_handshake: _stationCpuPerHandshake(clock),
        generator_cpu_us_per_handshake: _cpuPerHandshake(
          clock.cpuMs,
          clock.handshakes,
        ),
      };
    }
  } finally {
    o.onPhase?.(`closing ${o.users.length} sessions`);
    await probe?.close();
    await eachLimited(sessions, 64, (s) => s.close());
  }
  let stationProcess: SessionsResult["station_process"] = null;
  const storming = first?.station;
  if (
    started.station !== undefined && storming !== undefined &&
    held !== undefined
  ) {
    const cpuMs = storming.end.cpuMs - storming.start.cpuMs;
    stationProcess = {
      pids: o.pids!,
      rss_mib_before: round3(started.station.rssMiB),
      rss_mib: round3(held.rssMiB),
      peak_rss_mib: round3(held.peakRssMiB),
      rss_per_session_kib: heldSessions > 0
        ? round3(
          ((held.rssMiB - started.station.rssMiB) * 1024) / heldSessions,
        )
        : null,
      cpu_s: round3(cpuMs / 1000),
      cpu_us_per_handshake: _stationCpuPerHandshake(first!),
      hold_cpu_s: round3((held.cpuMs - storming.end.cpuMs) / 1000),
    };
  }
  const storm0 = first?.texts ?? none;
  return {
    tool: "dim bench",
    mode: "sessions",
    station: `${o.host}:${o.port}`,
    station_id: stationId,
    framing: o.framing,
    users: o.users.length,
    sessions: heldSessions,
    hold_s: round3(o.hold / 1000),
    concurrency: o.concurrency ?? 16,
    sources: sources.length,
    handshakes: handshakeMs.length,
    handshakes_per_s: first === undefined ? null : _rate(first),
    handshake_ms: percentiles(Float64Array.from(handshakeMs)),
    verify_all: o.verifyAll ?? false,
    storm_nice: stormNice,
    probe_nice: probeNice,
    probe_interval_ms: o.probeInterval ?? 100,
    probe_engines: probeEngines,
    station_replies: replies.counts(),
    prepared: { first_offers: firstOffers, sealed_keys: sealedKeys },
    text_ms_while_connecting: percentiles(Float64Array.from(storm0.latencies)),
    text_ms_idle: percentiles(Float64Array.from(idle.latencies)),
    text_ms_samples: {
      while_connecting: storm0.latencies.map(round3),
      idle: idle.latencies.map(round3),
    },
    texts_lost: storm0.lost + idle.lost + (reconnect?.texts_lost ?? 0),
    generator: {
      cpu_s: round3((ownCpuMs() - started.cpuMs) / 1000),
      cpu_us_per_handshake: first === undefined
        ? null
        : _cpuPerHandshake(first.cpuMs, first.handshakes),
    },
    station_process: stationProcess,
    reconnect,
    ended,
    errors,
    error_count: errorCount,
  };
}

/** Packs each session's first offer before the clock; how many were packed. */
async function _packFirstOffers(
  sessions: readonly ClientSession[],
): Promise<number> {
  let packed = 0;
  for (const session of sessions) {
    if (await session.packFirstOffer() !== undefined) packed++;
  }
  return packed;
}

/** Seals each session's message key for `station` before the clock; how many. */
async function _sealKeys(
  sessions: readonly ClientSession[],
  station: ID,
): Promise<number> {
  let sealed = 0;
  for (const session of sessions) {
    if (await session.sealKeyFor(station)) sealed++;
  }
  return sealed;
}

/** A storm's handshakes per second, or `null` when it took no time. */
function _rate(clock: _StormClock): number | null {
  return clock.wallMs > 0
    ? round3((clock.handshakes * 1000) / clock.wallMs)
    : null;
}

/** CPU ms over `handshakes`, in µs each (`null` without handshakes). */
function _cpuPerHandshake(cpuMs: number, handshakes: number): number | null {
  return handshakes > 0 ? Math.round((cpuMs * 1000) / handshakes) : null;
}

/** The station's CPU per handshake of a storm (`null` unsampled). */
function _stationCpuPerHandshake(clock: _StormClock): number | null {
  const s = clock.station;
  return s === undefined
    ? null
    : _cpuPerHandshake(s.end.cpuMs - s.start.cpuMs, clock.handshakes);
}
