/**
 * The station port: one TCP listener serving MTP, Mars, WebSocket and plain
 * JSON lines (and a status page for plain HTTP), each connection's framing
 * sniffed from its first bytes (transport.md §2).
 *
 * WebSocket runs on our own RFC 6455 codec over the raw socket, not on Deno's
 * native upgrade (a `node:net` sniffer handing HTTP to `node:http` and
 * `Deno.upgradeWebSocket`). Measured with tests/bench/ws_route_load.ts (Deno
 * 2.9.6, 2 vCPUs, loopback, 50 clients × 2000 echoed 360-byte messages):
 *
 * | route                        | msg/s | server CPU/msg | RSS, 8 clients sending 60 MB frames |
 * | ---------------------------- | ----: | -------------: | ----------------------------------- |
 * | own codec on `Deno.listen`   |   64k |        16.6 µs | 91 MiB flat, all 8 cut off at the header |
 * | native via node:net/node:http|   97k |        10.3 µs | 392 MiB (+40 MB each), none cut off  |
 *
 * The native route is faster per WebSocket message, but its 64 MiB message
 * limit is fixed (a cap can only be checked after buffering the message), and
 * it needs `node:net` under every framing: a bare TCP echo costs 14.0 µs per
 * round trip there against 9.2 µs on `Deno.listen` (69k vs 103k round
 * trips/s), which MTP — the framing of native clients and stations — would
 * pay. (Also: Deno 2.9.6 needs `socket.resume()` after handing a paused
 * socket to `node:http`, or the upgrade never fires.)
 *
 * @module
 */
import type {
  CloseInfo,
  Connection,
  ConnectionHandler,
  Framing,
} from "../../client/transport/connection.ts";
import {
  resolveLimits,
  sweepInterval,
  type TransportLimits,
} from "../../client/transport/limits.ts";
import {
  type StationInfo,
  type StationStatus,
  statusResponse,
} from "./status_page.ts";
import {
  type HttpResponder,
  StreamConnection,
} from "../../client/transport/_stream_connection.ts";

/** Where and how to listen. */
export interface ListenOptions extends TransportLimits {
  /** The address to bind (default `127.0.0.1`; `0.0.0.0` for every interface). */
  readonly hostname?: string;
  /** The port (default 9394; 0 picks a free one). */
  readonly port?: number;
  /** Most TCP connections at once; more are closed on accept (default 10000). */
  readonly maxConnections?: number;
  /**
   * Most TCP connections at once from one IP address; more are closed on
   * accept (default 0: no limit).
   */
  readonly maxConnectionsPerIp?: number;
  /** Addresses `maxConnectionsPerIp` does not apply to (default: none). */
  readonly perIpExempt?: (hostname: string) => boolean;
  /** Told of every TCP connection closed on accept, and why. */
  readonly onRefused?: (reason: AcceptRefusal, hostname: string) => void;
  /** The session layer's callbacks. */
  readonly handler: ConnectionHandler;
  /** Station ID and version for the status page. */
  readonly info?: () => StationInfo;
}

/**
 * Why a TCP connection was closed on accept: the listener is full
 * (`maxConnections`), its address has `maxConnectionsPerIp` already, or the
 * listener is closing.
 */
export type AcceptRefusal = "max_connections" | "max_per_ip" | "shutting_down";

/** A running station port. */
export interface StationListener {
  /** The bound address. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Connections whose framing is established (what the session layer sees). */
  readonly connections: ReadonlySet<Connection>;
  /** The status page's data. */
  status(): StationStatus;
  /** Stops accepting, closes every connection in order; resolves when all are closed. */
  close(): Promise<void>;
}

/** The default station port (station.md §9). */
export const DEFAULT_PORT = 9394;

/**
 * The sweep of the connections' timeouts runs in this many slices per
 * sweep interval: at 10,000 idle connections one sweep of all at once held
 * the main thread 1-11 ms every second, a text's wait.
 */
const SWEEP_SLICES = 10;

/**
 * The owner's handler, with the listener's set of open connections kept up
 * to date. A class, not closures made per listener: every listener's
 * connections call the same functions, so the relay path's code optimised
 * while a self warm-up's listener ran stays valid for the real one.
 */
class _CountingHandler implements ConnectionHandler {
  readonly #user: ConnectionHandler;
  readonly #connections: Set<Connection>;

  constructor(user: ConnectionHandler, connections: Set<Connection>) {
    this.#user = user;
    this.#connections = connections;
  }

  onOpen(conn: Connection): void {
    this.#connections.add(conn);
    this.#user.onOpen?.(conn);
  }

  onPayload(
    conn: Connection,
    lines: readonly string[],
  ): ReturnType<ConnectionHandler["onPayload"]> {
    return this.#user.onPayload(conn, lines);
  }

  onClose(conn: Connection, info: CloseInfo): void {
    this.#connections.delete(conn);
    this.#user.onClose?.(conn, info);
  }

  onError(conn: Connection, error: Error): void {
    this.#user.onError?.(conn, error);
  }
}

class Listener implements StationListener {
  readonly hostname: string;
  readonly port: number;
  readonly connections = new Set<Connection>();
  readonly #listener: Deno.TcpListener;
  readonly #all = new Set<StreamConnection>();
  readonly #handler: ConnectionHandler;
  readonly #limits: Required<TransportLimits>;
  readonly #maxConnections: number;
  readonly #maxPerIp: number;
  readonly #perIpExempt: (hostname: string) => boolean;
  readonly #onRefused: (reason: AcceptRefusal, hostname: string) => void;
  readonly #perIp = new Map<string, number>();
  readonly #info: () => StationInfo;
  readonly #startedAt = Date.now();
  readonly #timer: ReturnType<typeof setInterval>;
  /** Where the sweep goes on (a live iterator: it sees connections added). */
  #sweeping: SetIterator<StreamConnection> | undefined;
  readonly #accepting: Promise<void>;
  #closing: Promise<void> | null = null;

  constructor(options: ListenOptions) {
    this.#limits = resolveLimits(options);
    this.#maxConnections = options.maxConnections ?? 10_000;
    this.#maxPerIp = options.maxConnectionsPerIp ?? 0;
    this.#perIpExempt = options.perIpExempt ?? (() => false);
    this.#onRefused = options.onRefused ?? (() => {});
    this.#info = options.info ?? (() => ({}));
    this.#handler = new _CountingHandler(options.handler, this.connections);
    this.#listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? DEFAULT_PORT,
      transport: "tcp",
    });
    this.hostname = this.#listener.addr.hostname;
    this.port = this.#listener.addr.port;
    this.#timer = setInterval(
      () => this.#sweep(),
      sweepInterval(this.#limits, false) / SWEEP_SLICES,
    );
    this.#accepting = this.#accept();
  }

  /** Ticks the next slice of the connections (each once per sweep interval). */
  #sweep(): void {
    const now = Date.now();
    const all = this.#all;
    for (let left = Math.ceil(all.size / SWEEP_SLICES); left > 0; left--) {
      let next = this.#sweeping?.next();
      if (next === undefined || next.done) {
        this.#sweeping = all.values();
        next = this.#sweeping.next();
        if (next.done) return;
      }
      next.value.tick(now);
    }
  }

  status(): StationStatus {
    const counts: Record<Framing, number> = {
      mtp: 0,
      mars: 0,
      ws: 0,
      plain: 0,
    };
    for (const conn of this.connections) counts[conn.framing]++;
    return {
      ...this.#info(),
      uptime: Math.floor((Date.now() - this.#startedAt) / 1000),
      connections: { total: this.connections.size, ...counts },
    };
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return; // the listener was closed
      }
      const ip = ipOf((conn.remoteAddr as Deno.NetAddr).hostname);
      const refusal = this.#refusal(ip);
      if (refusal !== undefined) {
        conn.close();
        try {
          this.#onRefused(refusal, ip);
        } catch {
          // a failing observer must not stop the accept loop
        }
        continue;
      }
      const connection = new StreamConnection({
        conn,
        handler: this.#handler,
        limits: this.#limits,
        http: this.#http,
        onFinished: this.#finished,
      });
      this.#all.add(connection);
      this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
      // `close` waits for `done`, which `run` resolves last
      void connection.run();
    }
  }

  // one of each for every connection (an idle connection holds no closure
  // of its own)
  readonly #http = (head: Parameters<HttpResponder>[0]): Uint8Array =>
    statusResponse(head, () => this.status());

  readonly #finished = (connection: StreamConnection): void => {
    this.#all.delete(connection);
    const ip = ipOf(connection.remoteAddress[0]);
    const left = (this.#perIp.get(ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(ip, left);
    else this.#perIp.delete(ip);
  };

  #refusal(ip: string): AcceptRefusal | undefined {
    if (this.#closing !== null) return "shutting_down";
    if (this.#all.size >= this.#maxConnections) return "max_connections";
    if (
      this.#maxPerIp > 0 && (this.#perIp.get(ip) ?? 0) >= this.#maxPerIp &&
      !this.#perIpExempt(ip)
    ) {
      return "max_per_ip";
    }
    return undefined;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#listener.close();
      await this.#accepting;
      for (const conn of this.#all) conn.shutdown();
      while (this.#all.size > 0) {
        await Promise.all([...this.#all].map((conn) => conn.done));
      }
      clearInterval(this.#timer);
    })();
    return this.#closing;
  }
}

/** The peer's IP address (an IPv4-mapped IPv6 address as plain IPv4). */
function ipOf(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice(7)
    : hostname;
}

/**
 * Starts listening on the station port.
 *
 * @example
 * ```ts ignore
 * import { listenStation } from "./listener.ts";
 * const listener = listenStation({
 *   port: 0,
 *   handler: { onPayload: (_conn, lines) => lines.map((line) => `{"echo":${line.length}}`) },
 * });
 * // … clients connect to listener.port …
 * await listener.close();
 * ```
 */
export function listenStation(options: ListenOptions): StationListener {
  return new Listener(options);
}
