/**
 * The protocol state machine of one side of a connection for one framing: it
 * turns received bytes into events (bytes to write at once, message payloads
 * to hand to the session, acknowledgements of our sends, the end) and wraps
 * our payloads in the framing. Pure: the socket code in `station/transport`
 * drives it.
 *
 * @module
 */
import type { FramingError } from "./errors.ts";

/**
 * A message payload: UTF-8 JSON as bytes, as text, or as text in parts
 * ({@linkcode TextParts}).
 */
export type Payload = Uint8Array | string | TextParts;

/**
 * A text payload in parts, written one after the other: a text made of
 * pieces (a received message with a member appended, a reply around its
 * `data`) goes into its frame without first being copied into one string.
 * A {@linkcode Base64Part} is written as the base64 of its bytes.
 *
 * @example
 * ```ts
 * const parts: TextParts = ['{"sender":"moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk"', ',"time":1}'];
 * console.assert(typeof parts[0] === "string" && parts[0].startsWith('{"sender"'));
 * ```
 */
export type TextParts = readonly (string | Base64Part)[];

/**
 * Bytes in a text payload written as their base64 (standard alphabet,
 * padded): a reply's `data` kept as its ciphertext until its frame is
 * made, not as text (a string lives on the heap; the bytes' buffer does
 * not).
 *
 * @example
 * ```ts
 * const parts: TextParts = ['{"data":"', { base64: new Uint8Array([100]) }, '"}'];
 * console.assert(parts.length === 3); // written as {"data":"ZA=="}
 * ```
 */
export interface Base64Part {
  /** The bytes whose base64 is written. */
  readonly base64: Uint8Array;
}

/** The framings of the station port. */
export type Framing = "mtp" | "mars" | "ws" | "plain";

/** Which side of the connection an endpoint plays. */
export type Role = "station" | "client";

/**
 * What an endpoint asks its driver to do, in order:
 * - `open`: the framing is ready (WebSocket: after the upgrade);
 * - `write`: write these bytes now (heartbeat answers, MTP `OK`, the 101…);
 * - `payload`: the peer sent message lines; `replyTo` ≥ 0 means the framing
 *   needs exactly one reply for it ({@linkcode FramingEndpoint.encodeReplies},
 *   Mars SEND_MSG), even when `lines` is empty;
 * - `acknowledged`: the peer confirmed our send with this `ackKey`;
 * - `discarded`: lines were dropped (not UTF-8), for the log;
 * - `end`: stop reading and close once the writes are flushed; `error` is
 *   the framing violation, if any (its error signal was already written).
 */
export type EndpointEvent =
  | { readonly type: "open" }
  | { readonly type: "write"; readonly bytes: Uint8Array }
  | {
    readonly type: "payload";
    readonly lines: readonly string[];
    readonly replyTo: number;
  }
  | { readonly type: "acknowledged"; readonly key: AckKey }
  | { readonly type: "discarded"; readonly count: number; readonly why: string }
  | { readonly type: "end"; readonly error?: FramingError };

/**
 * What a peer's acknowledgement of one of our sends is matched by: a number
 * for MTP (from the package's sn: no string per send), a string for Mars
 * and WebSocket ACK mode.
 *
 * @example
 * ```ts
 * const waiting = new Map<AckKey, string>([[42, "a push"], ["seq:7", "a send"]]);
 * console.assert(waiting.get(42) === "a push");
 * ```
 */
export type AckKey = string | number;

/** A payload wrapped for the wire. */
export interface Outgoing {
  /** The bytes to write. */
  readonly bytes: Uint8Array;
  /**
   * The key the peer's acknowledgement will carry (MTP sn, Mars SN, WebSocket
   * ACK key in ACK mode), or `null` when the framing has none: then the
   * payload counts as sent once written.
   */
  readonly ackKey: AckKey | null;
}

/**
 * A reply's frame made when its writer writes it, straight into the
 * writer's buffer: a reply is never resent, so no array of its own need
 * hold it until then (see {@linkcode FramingEndpoint.deferReply}).
 *
 * @example
 * ```ts
 * import { createEndpoint } from "./create_endpoint.ts";
 * const station = createEndpoint("mtp", "station");
 * const reply = station.deferReply?.('{"text":"hi"}');
 * const into = new Uint8Array(reply?.maxLength ?? 0);
 * console.assert(reply !== undefined && reply.writeInto(into) === reply.length);
 * ```
 */
export interface LateFrame {
  /** The frame's length when its text is ASCII, as nearly always (else more). */
  readonly length: number;
  /** The most bytes the frame can take. */
  readonly maxLength: number;
  /**
   * Writes the frame at the start of `into`; its length, or -1 when `into`
   * is too short (give it {@link LateFrame.maxLength} bytes and it is not).
   */
  writeInto(into: Uint8Array): number;
  /** The frame as an array of its own. */
  encode(): Uint8Array;
}

/** Limits every endpoint applies. */
export interface EndpointOptions {
  /** Largest frame body / message / line, from the header (default 1 MiB). */
  readonly maxPayloadLength?: number;
  /** Most JSON lines in one payload (default 64). */
  readonly maxLinesPerPayload?: number;
  /** Junk bytes tolerated before a header (MTP/Mars, default 64 KiB). */
  readonly maxJunk?: number;
  /** Largest HTTP head of a WebSocket upgrade (default 16 KiB). */
  readonly maxHttpHeadLength?: number;
}

/** Options of a client-side WebSocket endpoint. */
export interface WsClientOptions extends EndpointOptions {
  /** The `Host` header (`host:port`). */
  readonly host: string;
  /** The request path (default `/`). */
  readonly path?: string;
  /** Answer received messages with `ACK:` as demo-js does (default false). */
  readonly sendAcks?: boolean;
}

/** One side of a connection in one framing. */
export interface FramingEndpoint {
  /** The framing. */
  readonly framing: Framing;
  /** The side. */
  readonly role: Role;
  /** Bytes to write when the connection starts (a client's upgrade request). */
  start(): Uint8Array | null;
  /** Appends received bytes (ignored after `end`). */
  push(chunk: Uint8Array): void;
  /** The next event, or `null` when more bytes are needed (or after `end`). */
  next(): EndpointEvent | null;
  /** Bytes received and not yet consumed (a partial frame). */
  readonly bufferedBytes: number;
  /** Wraps one message payload (a push or a client send). */
  encodeMessage(payload: Payload): Outgoing;
  /**
   * Wraps the session's responses to a received payload: Mars answers a
   * SEND_MSG (`replyTo` ≥ 0) with one packet (responses joined by `\n`, empty
   * if none); every other case is one message per response, no ack awaited.
   */
  encodeReplies(replyTo: number, payloads: readonly Payload[]): Uint8Array[];
  /**
   * Optional: one response as a message whose frame is made when it is
   * written (its place in the order of frames, e.g. its sn, is given now).
   * For a response that is not the answer to a Mars SEND_MSG; a framing
   * without it gets its responses through `encodeReplies`.
   */
  deferReply?(payload: string | TextParts): LateFrame;
  /** The heartbeat a client sends after silence; `null` for the station. */
  heartbeat(): Uint8Array | null;
  /** Bytes that end the connection in order (a WebSocket CLOSE), or `null`. */
  goodbye(): Uint8Array | null;
  /**
   * The connection is quiet: drop storage kept for the next frames (an
   * endpoint that keeps none need not have it).
   */
  rest?(): void;
}
