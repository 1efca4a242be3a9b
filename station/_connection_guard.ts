/**
 * The station's own limits on connections, above the transport's: the
 * message and byte rates per connection, the login timeout (a connection
 * must complete a handshake in time), the loopback exemption, and the log
 * of connections refused on accept (at most one line a second, with the
 * count of the others). Also the fields every connection log line carries.
 *
 * @module
 */
import type { StationLog } from "../client/log.ts";
import {
  ConnectionRateLimiter,
  DEFAULT_RATE_LIMITS,
  isLoopback,
  type RateLimits,
} from "./rate_limit.ts";
import type { Session } from "./session.ts";
import type { StationStats } from "./stats.ts";
import type { AcceptRefusal, CloseInfo } from "./transport/mod.ts";

/** At most one line per this long about connections refused on accept (ms). */
const REFUSAL_LOG_INTERVAL_MS = 1000;

/** What a {@link ConnectionGuard} enforces. */
export interface GuardOptions {
  /** Per-connection rates (defaults: {@link DEFAULT_RATE_LIMITS}). */
  readonly rateLimits?: Partial<RateLimits>;
  /** Loopback peers are exempt from the rates and the per-IP limit (default true). */
  readonly exemptLoopback?: boolean;
  /** Close a connection without a handshake after this long (ms; 0: never). */
  readonly loginTimeout: number;
  /** Where dropped lines are counted. */
  readonly stats: StationStats;
  /** Where cut-offs and refusals are logged. */
  readonly log: StationLog;
}

/**
 * Which connection (and whose): the fields of every connection line.
 *
 * @example
 * ```ts ignore
 * log.info("connection open", connectionFields(session));
 * ```
 */
export function connectionFields(session: Session): Record<string, unknown> {
  const conn = session.conn;
  const fields: Record<string, unknown> = {
    conn: conn.id,
    remote: session.address,
    framing: conn.framing,
  };
  if (session.identifier !== undefined) fields.user = session.identifier.value;
  return fields;
}

/**
 * The fields of a "connection closed" line: why, how long, bytes each way.
 *
 * @example
 * ```ts ignore
 * log.info("connection closed", closeFields(session, info));
 * ```
 */
export function closeFields(
  session: Session,
  info: CloseInfo,
): Record<string, unknown> {
  const conn = session.conn;
  const fields = connectionFields(session);
  fields.reason = info.reason;
  if (info.error !== undefined) {
    fields.error = `${info.error.name}: ${info.error.message}`;
  }
  fields.seconds = Math.round((Date.now() - conn.connectedAt) / 100) / 10;
  fields.bytesIn = conn.bytesReceived;
  fields.bytesOut = conn.bytesSent;
  return fields;
}

/**
 * Enforces the station's connection limits.
 *
 * @example
 * ```ts ignore
 * const guard = new ConnectionGuard({ loginTimeout: 60_000, stats, log });
 * guard.opened(session);
 * if (!guard.admit(session, lines.length)) return []; // cut off
 * ```
 */
export class ConnectionGuard {
  readonly #rates: RateLimits;
  readonly #exemptLoopback: boolean;
  readonly #loginTimeout: number;
  readonly #stats: StationStats;
  readonly #log: StationLog;
  // a Map, not a WeakMap (each of whose entries V8 marks again in the final
  // pause of every full GC): `closed` deletes the entry
  readonly #limiters = new Map<Session, ConnectionRateLimiter>();
  readonly #timers = new Map<Session, ReturnType<typeof setTimeout>>();
  #refusalLoggedAt = -Infinity;
  #refusalsUnlogged = 0;

  /** A guard with these limits. */
  constructor(options: GuardOptions) {
    this.#rates = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    this.#exemptLoopback = options.exemptLoopback ?? true;
    this.#loginTimeout = options.loginTimeout;
    this.#stats = options.stats;
    this.#log = options.log;
  }

  /** Whether per-IP and rate limits spare this address. */
  exempt(ip: string): boolean {
    return this.#exemptLoopback && isLoopback(ip);
  }

  /** A session opened: its rate limiter (unless exempt) and its login timer. */
  opened(session: Session): void {
    const conn = session.conn;
    if (!this.exempt(conn.remoteAddress[0])) {
      const limiter = new ConnectionRateLimiter(this.#rates, performance.now());
      if (limiter.active) this.#limiters.set(session, limiter);
    }
    if (this.#loginTimeout > 0) {
      this.#timers.set(
        session,
        setTimeout(() => this.#loginExpired(session), this.#loginTimeout),
      );
    }
  }

  /**
   * Whether a payload of `lines` is within the rates; cuts the connection
   * off when not. A session bound to a station ID (a neighbour's bridge,
   * which proved that station's keys at its handshake) carries the traffic
   * of a whole station and is not held to the per-session rates.
   */
  admit(session: Session, lines: number): boolean {
    const limiter = this.#limiters.get(session);
    if (limiter === undefined) return true;
    if (session.isStation) {
      this.#limiters.delete(session);
      return true;
    }
    const conn = session.conn;
    const over = limiter.admit(lines, conn.bytesReceived, performance.now());
    if (over === undefined) return true;
    for (let i = 0; i < lines; i++) this.#stats.drop("rate_limited");
    const rates = this.#rates;
    this.#log.warn("rate limit exceeded: connection cut off", {
      ...connectionFields(session),
      limit: over,
      rate: over === "messages"
        ? rates.messagesPerSecond
        : rates.bytesPerSecond,
      burst: over === "messages" ? rates.messageBurst : rates.byteBurst,
      dropped: lines,
    });
    this.#limiters.delete(session);
    conn.close();
    return false;
  }

  /** Login timers running (sessions neither bound nor closed yet, at most). */
  get loginTimers(): number {
    return this.#timers.size;
  }

  /** A session completed its handshake: its login timer goes. */
  bound(session: Session): void {
    clearTimeout(this.#timers.get(session));
    this.#timers.delete(session);
  }

  /** A session closed: its login timer and its rate limiter go. */
  closed(session: Session): void {
    clearTimeout(this.#timers.get(session));
    this.#timers.delete(session);
    this.#limiters.delete(session);
  }

  /** A connection was refused on accept: logged, or counted into the next line. */
  refused(reason: AcceptRefusal, ip: string): void {
    const now = performance.now();
    if (now - this.#refusalLoggedAt < REFUSAL_LOG_INTERVAL_MS) {
      this.#refusalsUnlogged++;
      return;
    }
    this.#log.warn("connection refused", {
      remote: ip,
      reason,
      alsoRefused: this.#refusalsUnlogged,
    });
    this.#refusalLoggedAt = now;
    this.#refusalsUnlogged = 0;
  }

  /** The station stops: no more login timers. */
  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #loginExpired(session: Session): void {
    this.#timers.delete(session);
    if (session.identifier !== undefined || session.conn.closed) return;
    this.#log.info("no handshake in time: connection closed", {
      ...connectionFields(session),
      timeout: this.#loginTimeout / 1000,
    });
    session.conn.close();
  }
}
