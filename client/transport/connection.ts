/**
 * The connection interface the session layer is built on: one for every
 * framing (MTP, Mars, WebSocket, plain JSON lines) and for both sides (an
 * accepted station connection, or a client connection from `dialStation`).
 *
 * @module
 */
import type { Framing, Payload } from "../../dimp/transport/mod.ts";

export type { Framing, Payload };

/**
 * How a send ended.
 * - `{ sent: true, acknowledged: true }`: the peer confirmed it (MTP
 *   MESSAGE_RESPONSE `OK`, Mars PUSH ack, WebSocket `ACK:` in ACK mode);
 * - `{ sent: true, acknowledged: false }`: written to the socket — the
 *   framing has no acknowledgement for it (WebSocket before ACK mode, plain);
 * - `{ sent: false, reason }`: not delivered: the connection closed first,
 *   no acknowledgement after all retries, or the send found the queue full
 *   (the connection is then cut off as a slow consumer).
 *
 * station.md §4.11 deletes a stored message exactly when `sent` is true.
 */
export type SendResult =
  | { readonly sent: true; readonly acknowledged: boolean }
  | {
    readonly sent: false;
    readonly reason: "closed" | "ack-timeout" | "queue-full";
  };

/** Why a connection closed. */
export type CloseReason =
  | "peer" // EOF or reset from the peer, or its WebSocket CLOSE
  | "local" // close() was called
  | "shutdown" // the listener is closing
  | "idle-timeout"
  | "handshake-timeout"
  | "frame-timeout"
  | "framing-error" // see CloseInfo.error
  | "slow-consumer"
  | "io-error";

/** The end of a connection. */
export interface CloseInfo {
  /** Why it closed. */
  readonly reason: CloseReason;
  /** The error behind `framing-error` / `io-error`. */
  readonly error?: Error;
}

/** One established connection, whatever its framing. */
export interface Connection {
  /** Process-wide unique number. */
  readonly id: number;
  /** The framing the connection speaks. */
  readonly framing: Framing;
  /** Which side we are. */
  readonly role: "station" | "client";
  /** The peer's IP address and port (the session registry key, station.md §3.1). */
  readonly remoteAddress: readonly [hostname: string, port: number];
  /** When the TCP connection was accepted or made (ms since the epoch). */
  readonly connectedAt: number;
  /** Whether the connection has closed. */
  readonly closed: boolean;
  /** Messages queued or awaiting acknowledgement. */
  readonly pending: number;
  /** Bytes read from the socket so far (framing overhead included). */
  readonly bytesReceived: number;
  /** Bytes written to the socket so far (framing overhead included). */
  readonly bytesSent: number;
  /** Resolves once, when the connection has closed. */
  readonly done: Promise<CloseInfo>;
  /**
   * Sends one message (one message per frame, transport.md §8). Resolves when
   * the framing counts it as sent (see {@linkcode SendResult}); never rejects.
   */
  send(payload: Payload): Promise<SendResult>;
  /**
   * {@linkcode Connection.send} without a promise: `onResult` is called once
   * with what `send` would resolve to (at once when the connection is
   * closed). For a relay's every push: one callback instead of a promise
   * and its reactions per message.
   */
  sendWith(payload: Payload, onResult: (result: SendResult) => void): void;
  /**
   * Writes late responses: messages like those `onPayload` returns, sent
   * after it returned — written in order, not tracked (no acknowledgement
   * is awaited, nothing is resent; Mars: pushes). Dropped once closed.
   */
  reply(payloads: readonly Payload[]): void;
  /**
   * Resolves when the outbound queue is at most half full (or the connection
   * closed): await it between sends of a large batch (e.g. stored messages)
   * to stay under the slow-consumer limit.
   */
  ready(): Promise<void>;
  /** Closes in order (a WebSocket gets CLOSE 1001 / 1000), after queued writes. */
  close(): void;
}

/** What the owner of connections is told. Called in order per connection. */
export interface ConnectionHandler {
  /** The framing is established (WebSocket: after the 101). */
  onOpen?(conn: Connection): void;
  /**
   * The peer sent a payload: its JSON lines (valid UTF-8; see transport.md §1
   * for the split), in arrival order; the next payload of this connection
   * waits until this returns (or its promise settles). The returned
   * responses are written at once, before later payloads are read, each as
   * one message of the framing (Mars: one reply packet to the SEND_MSG).
   */
  onPayload(
    conn: Connection,
    lines: readonly string[],
  ): readonly Payload[] | void | Promise<readonly Payload[] | void>;
  /** The connection closed (called once, only after onOpen). */
  onClose?(conn: Connection, info: CloseInfo): void;
  /**
   * Something worth logging: a framing error before the close, lines dropped
   * because they were not UTF-8, an exception thrown by onPayload.
   */
  onError?(conn: Connection, error: Error): void;
}
