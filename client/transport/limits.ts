/**
 * The limits and timeouts of station-port connections, shared by the listener
 * and by client connections made with `dialStation`.
 *
 * @module
 */

/** Every bound a connection enforces; each has a default. */
export interface TransportLimits {
  /**
   * Largest frame body / WebSocket message / JSON line, checked from the
   * header before buffering (default 1 MiB; WebSocket's native default would
   * be 64 MiB).
   */
  readonly maxFrameBytes?: number;
  /** Most JSON lines in one payload (default 64, transport.md §8). */
  readonly maxLinesPerPayload?: number;
  /**
   * Most messages a connection holds outbound: queued for writing or written
   * and awaiting their acknowledgement. A send beyond it cuts the connection
   * off as a slow consumer (default 1024).
   */
  readonly maxQueue?: number;
  /** Most bytes queued for writing; beyond it the connection is cut off (8 MiB). */
  readonly maxQueuedBytes?: number;
  /** Close after this long without receiving a byte (ms; default 128 s, §7). */
  readonly idleTimeout?: number;
  /**
   * Close a connection whose framing is not established this long after it
   * was accepted (sniffing, the WebSocket upgrade, an HTTP request; ms,
   * default 16 s). Not reset by received bytes: a slow-loris upgrade is cut.
   */
  readonly handshakeTimeout?: number;
  /**
   * Close when bytes of an unfinished frame have been buffered this long
   * without any frame completing (a trickling client; ms, default 120 s).
   */
  readonly frameTimeout?: number;
  /** Resend an unacknowledged message after this long (ms; default 120 s, §3.4). */
  readonly ackTimeout?: number;
  /** Resends before a send fails with `ack-timeout` (default 2). */
  readonly ackRetries?: number;
  /** After our last bytes (a CLOSE frame, an HTTP reply), wait this long for the peer to close (ms; 2 s). */
  readonly lingerTimeout?: number;
  /** Client side: send the framing's heartbeat after this long without receiving (ms; 16 s, §7). */
  readonly heartbeatInterval?: number;
}

/** The defaults of {@linkcode TransportLimits}. */
export const DEFAULT_LIMITS: Readonly<Required<TransportLimits>> = {
  maxFrameBytes: 1024 * 1024,
  maxLinesPerPayload: 64,
  maxQueue: 1024,
  maxQueuedBytes: 8 * 1024 * 1024,
  idleTimeout: 128_000,
  handshakeTimeout: 16_000,
  frameTimeout: 120_000,
  ackTimeout: 120_000,
  ackRetries: 2,
  lingerTimeout: 2_000,
  heartbeatInterval: 16_000,
};

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof TransportLimits)[];

/**
 * The limits with defaults filled in.
 *
 * @example
 * ```ts
 * import { resolveLimits } from "./limits.ts";
 * console.assert(resolveLimits({ idleTimeout: 1000 }).maxFrameBytes === 1024 * 1024);
 * ```
 */
export function resolveLimits(
  limits: TransportLimits = {},
): Required<TransportLimits> {
  const resolved = { ...DEFAULT_LIMITS };
  // the limits' own keys only: a client passes its whole options object
  // (dozens of members) for every connection it dials
  for (const key of LIMIT_KEYS) {
    const value = limits[key];
    if (value !== undefined) resolved[key] = value;
  }
  return resolved;
}

/** How often the timers of connections with these limits should be checked (ms). */
export function sweepInterval(
  limits: Required<TransportLimits>,
  client: boolean,
): number {
  const shortest = Math.min(
    limits.idleTimeout,
    limits.handshakeTimeout,
    limits.frameTimeout,
    limits.ackTimeout,
    client ? limits.heartbeatInterval : Infinity,
  );
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}
