/**
 * The station: one process, one ID (station.md §1–§4). {@link Station.start}
 * opens the store, finds (or makes) the station identity, listens on the
 * station port for every framing and wires sessions, the pipeline, the
 * dispatcher and offline delivery; {@link Station.stop} closes the port,
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
import { silentLog, type StationLog } from "./log.ts";
import { assemblePipeline, type Pipeline } from "./pipeline.ts";
import { Session } from "./session.ts";
import { SessionCenter } from "./session_center.ts";
import type { StationMetrics } from "./station_metrics.ts";
import { StationStats } from "./stats.ts";
import { exportStats } from "./stats_metrics.ts";
import {
  type Connection,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  listenStation,
  type StationListener,
  type TransportLimits,
} from "./transport/mod.ts";

/** How often expired offline messages are purged (ms). */
const PURGE_INTERVAL_MS = 3600_000;

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
  /** Seconds an offline message is kept (default 7 days). */
  readonly offlineRetention?: number;
  /** Offline messages kept per receiver (default 20480). */
  readonly offlineCap?: number;
  /** Transport limits (frame size, timeouts, queues). */
  readonly limits?: TransportLimits;
  /** Most TCP connections at once (default 10000). */
  readonly maxConnections?: number;
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
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #log: StationLog;
  #stopping: Promise<void> | null = null;

  private constructor(parts: {
    identity: StationIdentity;
    listener: StationListener;
    pipeline: Pipeline;
    store: Store;
    accounts: Accounts;
    log: StationLog;
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
    this.#log = parts.log;
    this.#timer = setInterval(() => this.#purge(), PURGE_INTERVAL_MS);
    this.#purge();
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
   * @throws {Deno.errors.AddrInUse} the port is taken
   */
  static async start(options: StationOptions): Promise<Station> {
    const log = options.log ?? silentLog();
    const store = Store.open({
      path: options.storePath,
      retentionSeconds: options.offlineRetention ?? MESSAGE_RETENTION_SECONDS,
      maxPerReceiver: options.offlineCap,
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
    const center = new SessionCenter();
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const sessions = new WeakMap<Connection, Session>();
    const ready = Promise.withResolvers<Pipeline>();
    const listener = listenStation({
      ...limits,
      hostname: options.hostname ??
        (identity.created ? "127.0.0.1" : "0.0.0.0"),
      port: options.port ?? DEFAULT_PORT,
      maxConnections: options.maxConnections,
      info: () => ({ station: identity.id.value, version: denoJson.version }),
      handler: {
        onOpen: (conn) => {
          options.metrics?.connectionOpened(conn.framing);
          const session = new Session(conn, {
            maxQueue: 4 * limits.maxQueue,
            window: Math.floor(limits.maxQueue / 2),
          });
          sessions.set(conn, session);
          center.add(session);
          log.info(`open ${session.address} (${conn.framing})`);
        },
        onPayload: async (conn, lines) => {
          const session = sessions.get(conn);
          if (session === undefined) return [];
          const pipeline = await ready.promise;
          return pipeline.receive(session, lines);
        },
        onClose: (conn, info) => {
          options.metrics?.connectionClosed(conn.framing, info.reason);
          const session = sessions.get(conn);
          if (session === undefined) return;
          center.remove(session);
          log.info(
            `closed ${session.address} ${
              session.identifier?.value ?? ""
            }: ${info.reason}`,
          );
        },
        onError: (conn, error) =>
          log.debug(
            `${conn.remoteAddress.join(":")}: ${error.name}: ${error.message}`,
          ),
      },
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
    const pipeline = assemblePipeline(identity, accounts, {
      ...options,
      center,
      stats,
      log,
      maxMessageBytes: limits.maxFrameBytes,
    });
    if (options.metrics !== undefined) {
      exportStats(stats, options.metrics, {
        storeWrites: () => pipeline.offline.pendingWrites,
        sessions: () => center.all(),
      });
    }
    ready.resolve(pipeline);
    return new Station({
      identity,
      listener,
      pipeline,
      store,
      accounts,
      log,
    });
  }

  /** The transport's status (uptime, connections by framing). */
  status(): ReturnType<StationListener["status"]> {
    return this.#listener.status();
  }

  /**
   * Stops: closes the port and every connection, commits the queued store
   * writes and closes the store.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      await this.#listener.close();
      this.#pipeline.close();
      this.store.close();
      this.#log.info(`station ${this.id.value} stopped`);
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
