/**
 * The station: one process, one ID (station.md §1–§4). {@link Station.start}
 * opens the store, finds (or makes) the station identity, listens on the
 * station port for every framing and wires sessions (the
 * {@link SessionHandler}), the pipeline, the dispatcher and offline
 * delivery; {@link Station.stop} closes the port,
 * commits what is queued and closes the store.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import type { ID } from "../dimp/identity/mod.ts";
import { Accounts, MESSAGE_RETENTION_SECONDS, Store } from "../store/mod.ts";
import type { Dispatcher } from "./dispatcher.ts";
import {
  findStationIdentity,
  refreshVisa,
  type StationIdentity,
} from "./identity.ts";
import { ConnectionGuard } from "./_connection_guard.ts";
import { silentLog, type StationLog } from "../client/log.ts";
import { StationListenError } from "./errors.ts";
import { OnlinePublisher } from "./online_users.ts";
import { DEFAULT_PRELOAD_USERS, preloadReturning } from "./preload.ts";
import { assemblePipeline } from "./assemble.ts";
import type { Pipeline } from "./pipeline.ts";
import { SignerThreads } from "./signer.ts";
import type { RateLimits } from "./rate_limit.ts";
import { SessionHandler } from "./session_handler.ts";
import { HandshakePool } from "./handshake_pool.ts";
import { SessionCenter } from "./session_center.ts";
import {
  DEFAULT_STORM_GROWTH_BYTES,
  DEFAULT_STORM_QUIET_MS,
  StormCollector,
} from "./storm_collector.ts";
import type { StationMetrics } from "./ops/station_metrics.ts";
import { StationStats } from "./stats.ts";
import { ConnectionBytes, exportStats } from "./ops/stats_metrics.ts";
import {
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  listenStation,
  type StationListener,
  type TransportLimits,
} from "./transport/mod.ts";

/** How often expired offline messages are purged (ms). */
const PURGE_INTERVAL_MS = 3600_000;

/**
 * Most connections at once from one IP address by default (loopback
 * exempt by default: {@link StationOptions.exemptLoopback}).
 *
 * @example
 * ```ts
 * DEFAULT_MAX_SESSIONS_PER_IP; // 64
 * ```
 */
export const DEFAULT_MAX_SESSIONS_PER_IP = 64;

/**
 * How long a connection may stay without a completed handshake (ms).
 *
 * @example
 * ```ts
 * DEFAULT_LOGIN_TIMEOUT_MS; // 60000
 * ```
 */
export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;

/** What {@link Station.reload} can change while running. */
export interface StationReload {
  /** The `[ans]` records (the store's `ans` table is read again too). */
  readonly ans?: ReadonlyMap<string, ID>;
}

/** How {@link Station.stop} ends. */
export interface StopOptions {
  /**
   * Wait at most this long (ms) for connections to close politely; then
   * commit, close the store and resolve `false`, leaving the rest to the
   * process exit (default: wait as long as it takes).
   */
  readonly timeoutMs?: number;
}

/** Everything a station can be told. */
export interface StationOptions {
  /** The SQLite store file (made when missing). */
  readonly storePath: string;
  /** `[station] id`; without it the store's station account, or a new one. */
  readonly id?: ID;
  /** The visa name of an identity the station makes (default `dim station`). */
  readonly name?: string;
  /**
   * The address to listen on (default `0.0.0.0`; `127.0.0.1` when this
   * start made the identity).
   */
  readonly hostname?: string;
  /** The port (default 9394; 0: any free port). */
  readonly port?: number;
  /** The host the visa advertises (default: the visa's, else `127.0.0.1`). */
  readonly publicHost?: string;
  /**
   * The port the visa advertises (default: the visa's, else the bound port;
   * 0: the bound port).
   */
  readonly publicPort?: number;
  /** `[ans]` records. */
  readonly ans?: ReadonlyMap<string, ID>;
  /** Refuse routed messages whose sender is not the session's user (default true). */
  readonly checkSender?: boolean;
  /** Push non-command `everyone@everywhere` broadcasts to local users (default true). */
  readonly broadcastToUsers?: boolean;
  /** Verify the signature of routed messages too (default false). */
  readonly verifyRouted?: boolean;
  /** Threads that sign the station's replies (default 0: the main thread). */
  readonly signers?: number;
  /**
   * Signing threads another station in this process released
   * ({@link Station.releaseSignerThreads}): used instead of `signers` new
   * ones.
   */
  readonly signerThreads?: SignerThreads;
  /** Threads that decrypt clients' RSA-wrapped message keys (default 0: the main thread; `"auto"`: one per CPU for a key above 1024 bits). */
  readonly decrypters?: number | "auto";
  /**
   * Threads that check a handshake's signatures and open its sealed key
   * ahead of the main thread while handshakes queue (default 0: none, all
   * on the main thread; see {@link HandshakePool}).
   */
  readonly handshakeThreads?: number;
  /**
   * One full garbage collection once a handshake storm (a second with 10 or
   * more) has been over this long (ms; default 5 s; 0: never) and the
   * committed V8 heap grew by {@link StationOptions.gcAfterStormGrowth}
   * (see {@link StormCollector}).
   */
  readonly gcAfterStorm?: number;
  /** How much the heap must have grown for {@link StationOptions.gcAfterStorm} (bytes; default 32 MiB). */
  readonly gcAfterStormGrowth?: number;
  /**
   * Returning users read ahead at start (their message keys, metas and
   * newest visas: `preload.ts`), the most recent senders first; default
   * {@link DEFAULT_PRELOAD_USERS}, 0: none.
   */
  readonly preloadUsers?: number;
  /** Seconds an offline message is kept (default 7 days). */
  readonly offlineRetention?: number;
  /** Offline messages kept per receiver (default 20480). */
  readonly offlineCap?: number;
  /** Transport limits (frame size, timeouts, queues). */
  readonly limits?: TransportLimits;
  /** Most TCP connections at once (default 10000). */
  readonly maxConnections?: number;
  /** Most TCP connections at once from one IP address (default 64; 0: no limit). */
  readonly maxSessionsPerIp?: number;
  /**
   * Per-connection message and byte rates (default
   * {@link DEFAULT_RATE_LIMITS}; a 0 turns one off). A payload over them
   * cuts the connection off.
   */
  readonly rateLimits?: Partial<RateLimits>;
  /**
   * Loopback peers (127.0.0.0/8, ::1) are exempt from `maxSessionsPerIp`
   * and `rateLimits` (default true: `dim bench`, tools and bots on the
   * host; set false behind a local reverse proxy).
   */
  readonly exemptLoopback?: boolean;
  /** Close a connection without a completed handshake this long after it opened (ms; default 60 s). */
  readonly loginTimeout?: number;
  /** Neighbour stations (the bridge issue fills this in). */
  readonly neighbours?: () => Iterable<ID>;
  /** A login says a user moved to another station. */
  readonly onRoaming?: (user: ID, station: ID) => void;
  /**
   * Whether the local bridge reaches a station not logged in here (default:
   * any); messages for others stay stored for their receivers.
   */
  readonly bridged?: (station: ID) => boolean;
  /** Where to log (default: nowhere). */
  readonly log?: StationLog;
  /** The metrics to keep up to date (`/metrics` of the admin listener). */
  readonly metrics?: StationMetrics;
}

/** `listenStation` on `hostname:port`; a failure names the address. */
function listenOn(
  hostname: string,
  port: number,
  options: Omit<Parameters<typeof listenStation>[0], "hostname" | "port">,
): ReturnType<typeof listenStation> {
  try {
    return listenStation({ ...options, hostname, port });
  } catch (error) {
    throw new StationListenError(hostname, port, error);
  }
}

/**
 * A running station.
 *
 * @example
 * ```ts ignore
 * const station = await Station.start({ storePath: "/srv/dim/dim.db", port: 9394 });
 * console.log(`${station.id.value} on ${station.hostname}:${station.port}`);
 * await station.stop();
 * ```
 */
export class Station {
  /** The station's identity (visa as advertised now). */
  readonly identity: StationIdentity;
  /** The bound address. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Counters. */
  readonly stats: StationStats;
  /** The session registry. */
  readonly center: SessionCenter;
  /** Delivery. */
  readonly dispatcher: Dispatcher;
  /** The store. */
  readonly store: Store;
  /** The account facade over it. */
  readonly accounts: Accounts;
  readonly #listener: StationListener;
  readonly #pipeline: Pipeline;
  readonly #handshakes: HandshakePool;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #log: StationLog;
  readonly #guard: ConnectionGuard;
  readonly #online: OnlinePublisher;
  readonly #collector: StormCollector;
  readonly #handler: SessionHandler;
  #stopping: Promise<boolean> | null = null;

  private constructor(parts: {
    identity: StationIdentity;
    listener: StationListener;
    pipeline: Pipeline;
    handshakes: HandshakePool;
    store: Store;
    accounts: Accounts;
    log: StationLog;
    guard: ConnectionGuard;
    collector: StormCollector;
    handler: SessionHandler;
  }) {
    this.identity = parts.identity;
    this.hostname = parts.listener.hostname;
    this.port = parts.listener.port;
    this.stats = parts.pipeline.stats;
    this.center = parts.pipeline.center;
    this.dispatcher = parts.pipeline.dispatcher;
    this.store = parts.store;
    this.accounts = parts.accounts;
    this.#listener = parts.listener;
    this.#pipeline = parts.pipeline;
    this.#handshakes = parts.handshakes;
    this.#log = parts.log;
    this.#guard = parts.guard;
    this.#collector = parts.collector;
    this.#handler = parts.handler;
    this.#timer = setInterval(() => this.#purge(), PURGE_INTERVAL_MS);
    this.#purge();
    // who is online, for the archivist on the same store (§5.2, §6.2)
    this.#online = new OnlinePublisher(this.center, this.store, this.id, {
      log: this.#log,
    });
    this.#online.start();
  }

  /** The station ID. */
  get id(): ID {
    return this.identity.id;
  }

  /** Whether this start made the identity. */
  get createdIdentity(): boolean {
    return this.identity.created;
  }

  /**
   * Opens the store, loads or makes the identity, and listens.
   *
   * @throws {StationIdentityError} the identity cannot be used
   * @throws {StoreError} the store cannot be opened
   * @throws {DamagedStoreError} the store file is damaged (`dim restore`)
   * @throws {StationListenError} the address cannot be listened on
   */
  static async start(options: StationOptions): Promise<Station> {
    const log = options.log ?? silentLog();
    const store = Store.open({
      path: options.storePath,
      check: true,
      // no WAL checkpoint inside a write on the thread that routes
      checkpointer: true,
      retentionSeconds: options.offlineRetention ?? MESSAGE_RETENTION_SECONDS,
      offlineCap: options.offlineCap,
    });
    try {
      return await Station.#wire(options, store, log);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  static async #wire(
    options: StationOptions,
    store: Store,
    log: StationLog,
  ): Promise<Station> {
    const accounts = new Accounts(store);
    let identity = await findStationIdentity(accounts, {
      id: options.id,
      name: options.name,
    });
    const stats = new StationStats();
    const center = new SessionCenter(identity.id);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const guard = new ConnectionGuard({
      rateLimits: options.rateLimits,
      exemptLoopback: options.exemptLoopback,
      loginTimeout: options.loginTimeout ?? DEFAULT_LOGIN_TIMEOUT_MS,
      stats,
      log,
    });
    const metrics = options.metrics;
    const handler = new SessionHandler({
      center,
      guard,
      log,
      maxQueue: limits.maxQueue,
      metrics,
      bytes: metrics === undefined
        ? undefined
        : new ConnectionBytes(metrics, () => listener.connections),
    });
    const hostname = options.hostname ??
      (identity.created ? "127.0.0.1" : "0.0.0.0");
    const port = options.port ?? DEFAULT_PORT;
    const listener = listenOn(hostname, port, {
      ...limits,
      maxConnections: options.maxConnections,
      maxConnectionsPerIp: options.maxSessionsPerIp ??
        DEFAULT_MAX_SESSIONS_PER_IP,
      perIpExempt: (ip) => guard.exempt(ip),
      onRefused: (reason, ip) => {
        metrics?.connectionRejected(reason);
        guard.refused(reason, ip);
      },
      info: () => ({ station: identity.id.value, version: denoJson.version }),
      handler,
    });
    try {
      const visaPort = identity.visa.getProperty("port");
      identity = await refreshVisa(accounts, identity, {
        host: options.publicHost,
        port: options.publicPort === 0 ? listener.port : options.publicPort ??
          (identity.created || visaPort === undefined
            ? listener.port
            : undefined),
      });
    } catch (error) {
      await listener.close();
      throw error;
    }
    const handshakes = new HandshakePool(
      identity.id,
      identity.decryptKeys,
      options.handshakeThreads ?? 0,
      limits.maxFrameBytes,
    );
    const pipeline = assemblePipeline(identity, accounts, {
      ...options,
      handshakes,
      center,
      stats,
      log,
      maxMessageBytes: limits.maxFrameBytes,
    });
    if (metrics !== undefined) {
      exportStats(stats, metrics, {
        storeWrites: () => pipeline.offline.pendingWrites,
        sessions: () => center.all(),
      });
    }
    // before the first connection is served (none is while this runs); a
    // store that fails here is read on demand, as without it
    try {
      const preloaded = preloadReturning(
        pipeline.messenger,
        accounts,
        options.preloadUsers ?? DEFAULT_PRELOAD_USERS,
      );
      if (preloaded.keys > 0) {
        log.info("read ahead the accounts of recent users", {
          users: preloaded.users,
          message_keys: preloaded.keys,
          ms: Math.round(preloaded.ms),
        });
      }
    } catch (error) {
      log.warn(`reading recent users ahead failed: ${error}`);
    }
    handler.attach(pipeline, handshakes);
    const collector = new StormCollector({
      quietMs: options.gcAfterStorm ?? DEFAULT_STORM_QUIET_MS,
      minGrowthBytes: options.gcAfterStormGrowth ?? DEFAULT_STORM_GROWTH_BYTES,
      handshakes: () => {
        const { success, again, failed } = stats.handshakes;
        return success + again + failed;
      },
      messages: () => stats.received,
      collected: (pauseMs, before, after) => {
        stats.stormCollections++;
        stats.stormCollectionMs += pauseMs;
        log.info("collected the garbage of a handshake storm", {
          pause_ms: Math.round(pauseMs),
          heap_mib: `${_mib(before)} -> ${_mib(after)}`,
        });
      },
    });
    return new Station({
      identity,
      listener,
      pipeline,
      handshakes,
      store,
      accounts,
      log,
      guard,
      collector,
      handler,
    });
  }

  /**
   * Handshake payloads whose crypto a worker checked ahead while handshakes
   * queued (see {@link HandshakePool}).
   */
  get handshakesAhead(): number {
    return this.#handshakes.prepared;
  }

  /**
   * Takes the threads that sign this station's replies away, warmed, with
   * the ECDSA nonces they made (for another station in this process:
   * `dim station`'s self warm-up hands its stand-in's to the real one);
   * from now on this station signs on its main thread. Empty when it has
   * none.
   *
   * @example
   * ```ts ignore
   * const threads = standIn.releaseSignerThreads();
   * await standIn.stop();
   * const station = await Station.start({ storePath, signerThreads: threads });
   * ```
   */
  releaseSignerThreads(): SignerThreads {
    return this.#pipeline.releaseSignerThreads() ??
      new SignerThreads([], [], 0);
  }

  /** The transport's status (uptime, connections by framing). */
  status(): ReturnType<StationListener["status"]> {
    return this.#listener.status();
  }

  /**
   * Re-reads what can change while running (SIGHUP): the ANS records.
   *
   * @example
   * ```ts ignore
   * station.reload({ ans: loadConfig(path, env).ans });
   * ```
   */
  reload(changes: StationReload): void {
    if (changes.ans !== undefined) {
      this.#pipeline.ans.reload(
        changes.ans,
        (name) => this.store.ans.get(name),
      );
    }
  }

  /**
   * Stops: refuses new connections, closes every connection politely (a
   * WebSocket gets CLOSE 1001, the others a FIN after their queued
   * writes), commits the queued store writes and closes the store. Resolves
   * `true`, or `false` when connections were still open after
   * `options.timeoutMs` (the store is committed and closed all the same).
   */
  stop(options: StopOptions = {}): Promise<boolean> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      this.#collector.stop();
      this.#guard.stop();
      const closed = this.#listener.close().then(() => true);
      let graceful: boolean;
      if (options.timeoutMs === undefined) {
        graceful = await closed;
      } else {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const bound = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), options.timeoutMs);
        });
        graceful = await Promise.race([closed, bound]);
        clearTimeout(timer);
      }
      if (!graceful) {
        this.#log.warn("connections still open at the shutdown bound", {
          open: this.#listener.connections.size,
          bound: options.timeoutMs! / 1000,
        });
      }
      await this.#handler.close();
      this.#pipeline.close();
      this.#handshakes.close();
      this.#online.stop();
      this.store.close();
      this.#log.info("station stopped", { station: this.id.value });
      return graceful;
    })();
    return this.#stopping;
  }

  #purge(): void {
    const done = this.stats.time("purge");
    try {
      const purged = this.store.messages.purgeExpired();
      if (purged > 0) this.#log.info(`purged ${purged} expired messages`);
    } catch (error) {
      this.#log.error(`purging expired messages failed: ${error}`);
    } finally {
      done();
    }
  }
}

function _mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
