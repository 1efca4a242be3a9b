/**
 * What a bench run reports: one object, printed as one JSON line by
 * `dim bench --json` (so its members are named as in that line).
 *
 * @module
 */

/** Latency percentiles (ms). */
export interface Percentiles {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  /** How many values. */
  readonly n: number;
}

/** The station's receipts for the bench's messages, by text. */
export interface StationReceipts {
  /** Receipts matched to a message (each message counted once). */
  readonly total: number;
  /** "Message delivered." */
  readonly delivered: number;
  /** "Message cached." */
  readonly cached: number;
  /** Any other text. */
  readonly other: number;
  /**
   * The station's messages that carried them: fewer than `total` when the
   * station batched them in array contents.
   */
  readonly messages: number;
  /**
   * Of those messages, how many had the station's signature verified: the
   * first of each session and one in 32 after it, or every one with
   * `--verify-all`.
   */
  readonly verified: number;
  /**
   * Station messages whose signature did not verify: dropped, the receipts
   * they carried not counted (each is also an error).
   */
  readonly bad_signatures: number;
}

/** The generator's own CPU during the timed phase. */
export interface GeneratorCpu {
  /** CPU seconds (every thread of the bench process). */
  readonly cpu_s: number;
  /** CPU seconds per second of the timed phase (1 = one core busy). */
  readonly cpu_share: number;
  /** Whether the generator was itself the bottleneck (share ≥ 0.9). */
  readonly bottleneck: boolean;
  /** That CPU per delivered message (µs), or null when none was delivered. */
  readonly cpu_us_per_delivered: number | null;
  /**
   * How the bench read what it received: `frames` (MTP: its own frame
   * reader counts texts by the signature in their bytes), or `session` (the
   * client runtime's connection; every line parsed).
   */
  readonly receive: "frames" | "session";
  /**
   * The bench's event-loop lag over the timed phase: how late a 10 ms
   * interval timer fired (ms). Arrivals are timed when the bench reads
   * them: a lagging bench adds to the latency.
   */
  readonly loop_lag_ms: Percentiles;
  /**
   * The self warm-up before the clock (null when off: `--no-self-warmup`,
   * or not MTP): the bench's own code run on texts through a stand-in for
   * the station inside the bench process, none to the station.
   */
  readonly warmed: SelfWarmup | null;
}

/**
 * What the bench's self warm-up did: its texts went through a stand-in for
 * the station inside the bench process, not to the station.
 */
export interface SelfWarmup {
  /** Texts sent to the stand-in. */
  readonly texts: number;
  /** Of them, delivered back to the bench. */
  readonly delivered: number;
  /** Of them, answered by the stand-in's receipts. */
  readonly station_receipts: number;
  /** The stand-in's receipt messages whose signature the bench verified. */
  readonly verified: number;
  /** Of those, how many did not verify (0 unless the bench is broken). */
  readonly bad_signatures: number;
  /** How it ended (`complete`: everything back, end-to-end receipts too). */
  readonly ended: BenchEnd;
  /** Its wall time (ms), the stand-in's included. */
  readonly ms: number;
}

/** The station process(es) named by `--pid`, over the timed phase. */
export interface StationProcess {
  readonly pids: readonly number[];
  /** Resident memory at the end (MiB). */
  readonly rss_mib: number;
  /** The most resident memory the process had so far (MiB). */
  readonly peak_rss_mib: number;
  /** CPU seconds during the timed phase. */
  readonly cpu_s: number;
  /** CPU seconds per second of the timed phase. */
  readonly cpu_share: number;
  /** Station CPU per delivered message (µs). */
  readonly cpu_us_per_delivered: number | null;
  /**
   * That CPU by thread (µs per delivered message; Linux): `main` (each
   * process's first thread), and the others by their name — `worker-N`
   * (Deno workers), `V8 DefaultWorke` (V8's GC and compiler threads), …
   */
  readonly cpu_us_per_delivered_by_thread: Record<string, number> | null;
}

/** The offline variant's two halves. */
export interface OfflinePhases {
  /** Station receipts per second while the receivers were away (first send → last receipt). */
  readonly cached_per_s: number | null;
  /** Deliveries per second once the receivers came (first connect → last delivery). */
  readonly drained_per_s: number | null;
  /** Seconds from the receivers' first connect to the last delivery. */
  readonly drain_s: number | null;
}

/**
 * Why the timed phase ended: everything arrived, the `--duration` was up,
 * nothing arrived for a while, or the run was interrupted.
 */
export type BenchEnd = "complete" | "deadline" | "stalled" | "interrupted";

/** The result of one run. */
/** What `dim bench --warmup` sent before the timed phase. */
export interface WarmupSummary {
  readonly messages_per_user: number;
  /** Texts delivered in the warm-up (users × messages when clean). */
  readonly delivered: number;
  /** First send → last delivery of the warm-up. */
  readonly elapsed_s: number | null;
}

export interface BenchResult {
  readonly tool: "dim bench";
  /** HOST:PORT. */
  readonly station: string;
  /** The station's ID, as its handshake told. */
  readonly station_id: string | null;
  readonly framing: string;
  /** `online` (receivers connected) or `offline` (they connect afterwards). */
  readonly mode: "online" | "offline";
  readonly users: number;
  readonly messages_per_user: number;
  /** Characters per text. */
  readonly size: number;
  /** Messages in flight per user at most. */
  readonly window: number;
  /**
   * `--warmup`: the untimed texts each user sent before (on sessions of
   * their own), or null (none); absent from results made without the CLI.
   */
  readonly warmup?: WarmupSummary | null;
  /** The offered rate asked for (messages/s in all), or null: as fast as the window allows. */
  readonly rate: number | null;
  /** Whether receivers answered with end-to-end receipts. */
  readonly end_to_end_receipts: boolean;
  /** Whether the users asked for station receipts batched in array contents. */
  readonly receipt_arrays: boolean;
  /** Whether every station receipt message's signature was verified (`--verify-all`). */
  readonly verify_all: boolean;
  /** Messages planned (users × messages). */
  readonly planned: number;
  /** Messages written on a connection. */
  readonly sent: number;
  /** Messages that reached their receiver, each counted once. */
  readonly delivered: number;
  /** Further arrivals of a message already delivered. */
  readonly duplicates: number;
  /** Messages that arrived at a user they were not for. */
  readonly misrouted: number;
  /** Planned messages not delivered, plus delivered ones without a station receipt. */
  readonly failures: number;
  /** Messages written per second (first send → last send). */
  readonly offered_per_s: number | null;
  /** Deliveries per second, first send → last delivery. */
  readonly delivered_per_s: number | null;
  /**
   * Each delivered text's latency, to its arrival at the receiver's
   * socket (the bench's read) from: its send (`latency_from: "sent"`), or
   * with a rate, from the moment the rate planned it for
   * (`latency_from: "planned"`): a text the bench wrote late, or that
   * waited for room in the window, counts that wait too.
   */
  readonly latency_ms: Percentiles;
  /** What {@link BenchResult.latency_ms} counts from. */
  readonly latency_from: "sent" | "planned";
  /**
   * With a rate: how late the bench wrote each text after the time it was
   * planned for (its timers, its own work, a full window); null without.
   */
  readonly send_lag_ms: Percentiles | null;
  readonly handshakes: number;
  /** Handshakes per second while the users connected. */
  readonly handshakes_per_s: number | null;
  /** Each handshake's time (connect → `DIM!`). */
  readonly handshake_ms: Percentiles;
  /**
   * First offers packed before the handshakes' clock, as a client has its
   * offer ready when it connects (the users' message keys loaded too).
   */
  readonly first_offers: number;
  /**
   * The station's replies to the handshakes (`DIM?`, `DIM!`), and how many
   * had their signature checked (each session's first, then one in 32).
   */
  readonly station_replies: StationReplies;
  readonly station_receipts: StationReceipts;
  /** End-to-end receipts that reached their sender (null when not sent). */
  readonly peer_receipts: number | null;
  /** The offline variant's halves (null online). */
  readonly offline: OfflinePhases | null;
  /** Seconds spent packing before the timed phase. */
  readonly pack_s: number;
  /** First send → last send (s). */
  readonly send_s: number | null;
  /** First send → last delivery (s). */
  readonly elapsed_s: number | null;
  readonly generator: GeneratorCpu;
  readonly station_process: StationProcess | null;
  readonly ended: BenchEnd;
  /** The first few errors (connections lost, sends refused). */
  readonly errors: readonly string[];
  readonly error_count: number;
}

/** The station process(es) named by `--pid` in a sessions run. */
export interface SessionsStationProcess {
  readonly pids: readonly number[];
  /** Resident memory before the first session connected (MiB). */
  readonly rss_mib_before: number;
  /** Resident memory at the end of the hold (MiB). */
  readonly rss_mib: number;
  /** The most resident memory the process had so far (MiB). */
  readonly peak_rss_mib: number;
  /** (rss_mib − rss_mib_before) per session up at the end of the hold (KiB). */
  readonly rss_per_session_kib: number | null;
  /** CPU seconds from the storm's first connection to its last handshake. */
  readonly cpu_s: number;
  /** That CPU per handshake of the storm (µs; the probe texts included). */
  readonly cpu_us_per_handshake: number | null;
  /** CPU seconds during the hold (heartbeats, timers). */
  readonly hold_cpu_s: number;
}

/** The result of `dim bench --sessions N --hold S`. */
export interface SessionsResult {
  readonly tool: "dim bench";
  readonly mode: "sessions";
  /** HOST:PORT. */
  readonly station: string;
  /** The station's ID, as its handshake told. */
  readonly station_id: string | null;
  readonly framing: string;
  /** Users that tried to connect (N). */
  readonly users: number;
  /** Sessions connected and handshaken at the end of the hold. */
  readonly sessions: number;
  readonly hold_s: number;
  /** Handshakes under way at once. */
  readonly concurrency: number;
  /** Loopback source addresses the connections were spread over (0: the system's). */
  readonly sources: number;
  /** Handshakes completed. */
  readonly handshakes: number;
  /**
   * The storm's handshakes per second, from its first connection to its
   * last handshake (the probe pair's two, made before, not counted).
   */
  readonly handshakes_per_s: number | null;
  /** Each handshake's time (connect → `DIM!`). */
  readonly handshake_ms: Percentiles;
  /** Whether every handshake reply's signature was verified (`--verify-all`). */
  readonly verify_all: boolean;
  /**
   * The nice value the thread that drove the storm's handshakes ran at
   * (`--storm-nice`; 0: as the probe thread), read back from the system.
   */
  readonly storm_nice: number;
  /**
   * The nice value the probe pair's thread ran at (`--probe-nice`; 0: as
   * the bench's other threads), read back from the system.
   */
  readonly probe_nice: number;
  /** Between two probe texts while the others connect (ms; `--probe-interval`). */
  readonly probe_interval_ms: number;
  /**
   * What the probe thread's RSA and ECDSA run on (the engines' names: the
   * bench's own thread's), or `null` when it did not start.
   */
  readonly probe_engines:
    | { readonly rsa: string; readonly ecdsa: string }
    | null;
  /**
   * The station's replies to the storm's handshakes (and, with
   * `--reconnect`, to the reconnect's), and how many were checked.
   */
  readonly station_replies: StationReplies;
  /**
   * What the storm's sessions had ready before the clock: first offers
   * packed, message keys for the station made and sealed.
   */
  readonly prepared: {
    readonly first_offers: number;
    readonly sealed_keys: number;
  };
  /** Texts between two connected users while the others connected (send → the receiver's socket). */
  readonly text_ms_while_connecting: Percentiles;
  /** Texts between two of the sessions after the hold, all others idle. */
  readonly text_ms_idle: Percentiles;
  /**
   * Every probe text's latency (ms, rounded to µs) in the order sent, those
   * while the others connected and those after the hold: runs can be pooled
   * for a p99 of more texts than one storm has, and the texts over a bound
   * counted.
   */
  readonly text_ms_samples: {
    readonly while_connecting: readonly number[];
    readonly idle: readonly number[];
  };
  /** Probe texts that did not arrive within 10 s. */
  readonly texts_lost: number;
  /**
   * The bench's own CPU (all its threads): seconds in all phases, and µs
   * per handshake of the storm, from its first connection to its last
   * handshake (the probe thread's texts included).
   */
  readonly generator: {
    readonly cpu_s: number;
    readonly cpu_us_per_handshake: number | null;
  };
  readonly station_process: SessionsStationProcess | null;
  /** The storm's users reconnecting at once after the idle texts (`--reconnect`), else `null`. */
  readonly reconnect: SessionsReconnect | null;
  /** `complete`, or `interrupted` (the hold was cut short). */
  readonly ended: "complete" | "interrupted";
  /** The first few errors (users that could not connect). */
  readonly errors: readonly string[];
  readonly error_count: number;
}

/**
 * `dim bench --sessions --reconnect`: after the texts between idle
 * sessions, the storm's users lose their connections and, a second later,
 * reconnect at once — the same clients, with the message keys they hold
 * (as after a network cut or their station's restart) — while the probe
 * pair exchanges texts as during the first storm.
 */
export interface SessionsReconnect {
  /** Sessions up after the reconnect (the probe pair's two included). */
  readonly sessions: number;
  /** Handshakes completed in the reconnect. */
  readonly handshakes: number;
  /** From the reconnect's first connection to its last handshake. */
  readonly handshakes_per_s: number | null;
  /** Each reconnecting session's time (connect → `DIM!`). */
  readonly handshake_ms: Percentiles;
  /** What was ready before its clock: first offers, keys sealed (the keys held). */
  readonly prepared: {
    readonly first_offers: number;
    readonly sealed_keys: number;
  };
  /** The probe texts while the others reconnected. */
  readonly text_ms: Percentiles;
  /** Each of those texts' latency (ms, rounded to µs), in the order sent. */
  readonly text_ms_samples: readonly number[];
  /** Of those, the texts that did not arrive within 10 s (counted in `texts_lost` too). */
  readonly texts_lost: number;
  /** The station's CPU over the reconnect, per handshake (with `--pid`). */
  readonly station_cpu_us_per_handshake: number | null;
  /** The bench's own CPU over the reconnect, per handshake. */
  readonly generator_cpu_us_per_handshake: number | null;
}

/**
 * The station's replies to the handshakes of a run (`DIM?`, `DIM!`; a
 * sessions run's probe pair's not counted): each session's first has its
 * signature verified, then one in 32 of the others (all with
 * `--verify-all`).
 */
export interface StationReplies {
  /** Replies received. */
  readonly messages: number;
  /** Of those, how many had the station's signature verified. */
  readonly verified: number;
  /** Checked ones whose signature failed (dropped: that handshake is offered again). */
  readonly bad_signatures: number;
}

/**
 * Nearest-rank percentiles of `values` (sorted in place), rounded to µs.
 *
 * @example
 * ```ts
 * percentiles(new Float64Array([3, 1, 2])).p50; // 2
 * ```
 */
export function percentiles(values: Float64Array): Percentiles {
  values.sort();
  const n = values.length;
  const at = (p: number): number | null =>
    n === 0 ? null : round3(values[Math.max(0, Math.ceil(p * n) - 1)]);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), n };
}

/**
 * Rounds to 3 decimals.
 *
 * @example
 * ```ts
 * round3(1.23456); // 1.235
 * ```
 */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
