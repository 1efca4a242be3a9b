/**
 * Client connections to a station (for `dim client`, the bots, the bridge and
 * the load tools): the same codecs and the same {@linkcode Connection}
 * interface as the station side, MTP by default. The client sends the
 * framing's heartbeat after 16 s without receiving (transport.md §7).
 *
 * @module
 */
import { createEndpoint } from "../../dimp/transport/mod.ts";
import type { Connection, ConnectionHandler, Framing } from "./connection.ts";
import { DialError } from "./errors.ts";
import {
  resolveLimits,
  sweepInterval,
  type TransportLimits,
} from "./limits.ts";
import { StreamConnection } from "./_stream_connection.ts";
import { sweepEvery } from "./sweep.ts";
import { type ByteConn, connectFrom } from "./_node_socket.ts";

/** How to connect. */
export interface DialOptions extends TransportLimits {
  /** The framing (default `"mtp"`). */
  readonly framing?: Framing;
  /** WebSocket: the request path (default `/`). */
  readonly path?: string;
  /** WebSocket: answer received messages with `ACK:` like demo-js (§5.4). */
  readonly sendAcks?: boolean;
  /** Callbacks for what the station sends (default: ignore it). */
  readonly handler?: ConnectionHandler;
  /**
   * The local address to connect from (e.g. `127.0.0.2`, to spread a load
   * generator's connections over loopback addresses); default: the system's.
   */
  readonly localAddress?: string;
}

const IGNORE: ConnectionHandler = { onPayload: () => {} };

/**
 * Connects to a station and resolves once the framing is established (for
 * WebSocket, after the 101); rejects with {@linkcode DialError} if the
 * connection, the upgrade or the handshake timeout fails.
 *
 * @example
 * ```ts ignore
 * import { dialStation } from "./dial.ts";
 * const conn = await dialStation("127.0.0.1", 9394, {
 *   framing: "ws",
 *   handler: { onPayload: (_conn, lines) => console.log(lines) },
 * });
 * const result = await conn.send('{"sender":"…"}');
 * conn.close();
 * await conn.done;
 * ```
 */
export async function dialStation(
  hostname: string,
  port: number,
  options: DialOptions = {},
): Promise<Connection> {
  const limits = resolveLimits(options);
  let conn: ByteConn;
  try {
    conn = options.localAddress === undefined
      ? await Deno.connect({ hostname, port, transport: "tcp" })
      : await connectFrom(hostname, port, options.localAddress);
  } catch (error) {
    const from = options.localAddress === undefined
      ? ""
      : ` from ${options.localAddress}`;
    throw new DialError(`cannot connect to ${hostname}:${port}${from}`, {
      cause: error,
    });
  }
  const endpoint = createEndpoint(options.framing ?? "mtp", "client", {
    host: `${hostname}:${port}`,
    path: options.path,
    sendAcks: options.sendAcks,
    maxPayloadLength: limits.maxFrameBytes,
    maxLinesPerPayload: limits.maxLinesPerPayload,
  });
  const connection = new StreamConnection({
    conn,
    endpoint,
    limits,
    handler: options.handler ?? IGNORE,
    onFinished: () => stop(),
  });
  const stop = sweepEvery(sweepInterval(limits, true), connection);
  const running = connection.run();
  try {
    await connection.opened;
  } catch (error) {
    await running;
    const info = await connection.done;
    throw new DialError(
      `no ${endpoint.framing} connection to ${hostname}:${port}: ${info.reason}`,
      {
        cause: info.error ?? error,
      },
    );
  }
  return connection;
}
