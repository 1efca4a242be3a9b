/**
 * The per-session handler: where every connection of the station port
 * meets the station. A connection opening gets a {@link Session} in the
 * registry; each payload passes the connection guard (rates, login
 * timeout) and goes to the {@link Pipeline}, whose responses the transport
 * writes back at once — a session not bound yet (a handshake) through the
 * {@link HandshakeLane}, behind routed texts; a close removes the session.
 *
 * @module
 */
import type { StationLog } from "../client/log.ts";
import {
  closeFields,
  connectionFields,
  type ConnectionGuard,
} from "./_connection_guard.ts";
import { HandshakeLane } from "./_handshake_lane.ts";
import type { HandshakePool, ParsedLines } from "./handshake_pool.ts";
import type { Pipeline } from "./pipeline.ts";
import { Session } from "./session.ts";
import type { SessionCenter } from "./session_center.ts";
import type { StationMetrics } from "./ops/station_metrics.ts";
import type { ConnectionBytes } from "./ops/stats_metrics.ts";
import type {
  CloseInfo,
  Connection,
  ConnectionHandler,
  Payload,
} from "./transport/mod.ts";

/** Handshake payloads under way at once (see {@link HandshakeLane}). */
const HANDSHAKE_WIDTH = 2;

/** What the handler works with. */
export interface SessionHandlerParts {
  /** The session registry. */
  readonly center: SessionCenter;
  /** Rates and the login timeout per connection. */
  readonly guard: ConnectionGuard;
  /** The log. */
  readonly log: StationLog;
  /** The transport's write-queue bound (a session queues 4× as many pushes). */
  readonly maxQueue: number;
  /** Connection counts for `/metrics`. */
  readonly metrics?: StationMetrics;
  /** Byte counts for `/metrics`. */
  readonly bytes?: ConnectionBytes;
}

/**
 * The station port's {@link ConnectionHandler}: one {@link Session} per
 * connection. Payloads wait for {@link SessionHandler.attach} (the
 * pipeline is assembled once the port is bound).
 *
 * @example
 * ```ts ignore
 * const handler = new SessionHandler({ center, guard, log, maxQueue: 256 });
 * const listener = listenStation({ port: 9394, handler });
 * handler.attach(assemblePipeline(identity, accounts, { center }));
 * ```
 */
export class SessionHandler implements ConnectionHandler {
  readonly #parts: SessionHandlerParts;
  // a Map, not a WeakMap: every entry of a WeakMap is an ephemeron, which
  // V8 marks again in the final pause of each full GC (this map's and the
  // packer's two at 10,000 idle sessions: 15-17 ms of a 17-60 ms pause);
  // onClose, called once after each onOpen, deletes the entry
  readonly #sessions = new Map<Connection, Session>();
  readonly #ready = Promise.withResolvers<Pipeline>();
  readonly #lane = new HandshakeLane(HANDSHAKE_WIDTH);
  #pipeline: Pipeline | undefined;
  #handshakes: HandshakePool | undefined;

  /** Wires the registry, the guard, the log and the metrics. */
  constructor(parts: SessionHandlerParts) {
    this.#parts = parts;
  }

  /**
   * Hands payloads to `pipeline` from now on (and those that waited for
   * it); while handshakes queue, `handshakes` checks their crypto ahead.
   */
  attach(pipeline: Pipeline, handshakes?: HandshakePool): void {
    this.#pipeline = pipeline;
    this.#handshakes = handshakes;
    this.#ready.resolve(pipeline);
  }

  /** Closes what the handshake lane holds (at the station's stop). */
  close(): Promise<void> {
    return this.#lane.close();
  }

  /** A connection opened: its session joins the registry. */
  onOpen(conn: Connection): void {
    const { center, guard, log, maxQueue, metrics } = this.#parts;
    metrics?.connectionOpened(conn.framing);
    const session = new Session(conn, {
      maxQueue: 4 * maxQueue,
      window: Math.floor(maxQueue / 2),
    });
    this.#sessions.set(conn, session);
    center.add(session);
    guard.opened(session);
    log.info("connection open", connectionFields(session));
  }

  /** A payload: past the guard, through the pipeline; the responses to write. */
  onPayload(
    conn: Connection,
    lines: readonly string[],
  ): readonly Payload[] | Promise<readonly Payload[]> {
    const session = this.#sessions.get(conn);
    const guard = this.#parts.guard;
    if (session === undefined || !guard.admit(session, lines.length)) {
      return [];
    }
    const pipeline = this.#pipeline;
    if (pipeline === undefined) {
      return this.#ready.promise.then((ready) => ready.receive(session, lines));
    }
    // not bound yet: a handshake, which waits its turn behind routed texts
    if (session.identifier === undefined) {
      const run = (parsed?: ParsedLines) =>
        this.#lane.run(() => pipeline.receive(session, lines, parsed));
      // handshakes queue (a storm): parsed here, their crypto on a worker
      const ahead = this.#lane.busy
        ? this.#handshakes?.prepare(conn.id, lines)
        : undefined;
      return (ahead === undefined ? run() : ahead.then(run)).then(
        (responses) => {
          // bound now: its login timer has done its job
          if (session.identifier !== undefined) guard.bound(session);
          return responses;
        },
      );
    }
    return pipeline.receive(session, lines);
  }

  /** A connection closed: its session leaves the registry. */
  onClose(conn: Connection, info: CloseInfo): void {
    const { center, guard, log, metrics, bytes } = this.#parts;
    metrics?.connectionClosed(conn.framing, info.reason);
    bytes?.closed(conn);
    const session = this.#sessions.get(conn);
    if (session === undefined) return;
    this.#sessions.delete(conn);
    center.remove(session);
    guard.closed(session);
    log.info("connection closed", closeFields(session, info));
  }

  /** Something worth logging about a connection. */
  onError(conn: Connection, error: Error): void {
    const session = this.#sessions.get(conn);
    this.#parts.log.warn("connection error", {
      ...(session === undefined
        ? { conn: conn.id, framing: conn.framing }
        : connectionFields(session)),
      error: `${error.name}: ${error.message}`,
    });
  }
}
