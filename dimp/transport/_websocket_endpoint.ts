/**
 * The WebSocket endpoint (transport.md §5). Station side: the upgrade answered
 * with the reference's 101 bytes (bytes after the request kept as frame data),
 * payload `PING` answered with a TEXT `PONG`, `PONG`/`NOOP`/`OK` ignored,
 * `ACK:` frames acknowledge our sends and switch on ACK mode (§5.4), RFC
 * control frames answered (PING → PONG, CLOSE → CLOSE), violations closed with
 * the matching status code. Client side: the upgrade request, masked frames,
 * optional `ACK:` replies like demo-js.
 *
 * @module
 */
import { ByteQueue } from "./_byte_queue.ts";
import { type ByteSink, EndpointBase } from "./_endpoint_base.ts";
import { toBytes } from "./_bytes.ts";
import type {
  EndpointOptions,
  Outgoing,
  Payload,
  WsClientOptions,
} from "./endpoint.ts";
import { FramingError } from "./errors.ts";
import {
  encodeHttpResponse,
  parseHttpRequestHead,
  parseHttpResponseHead,
} from "./http.ts";
import { ackFor, ackKeyOf, heartbeatOf, isAck, PING, PONG } from "./payload.ts";
import {
  acceptsUpgrade,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
  encodeWsClose,
  encodeWsFrame,
  isWebSocketUpgrade,
  WsCloseCode,
  wsCloseCodeFor,
  WsDecoder,
  type WsMessage,
  WsOpcode,
} from "./websocket.ts";

const DEFAULT_MAX_HTTP_HEAD = 16 * 1024;

/**
 * WebSocket over TCP, station or client side.
 *
 * @example
 * ```ts
 * import { WebSocketEndpoint } from "./_websocket_endpoint.ts";
 * const station = new WebSocketEndpoint();
 * station.push(new TextEncoder().encode(
 *   "GET / HTTP/1.1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
 * ));
 * console.assert(station.next()?.type === "write"); // the 101
 * console.assert(station.next()?.type === "open");
 * ```
 */
export class WebSocketEndpoint extends EndpointBase {
  readonly framing = "ws" as const;
  readonly #head = new ByteQueue();
  readonly #decoder: WsDecoder;
  readonly #maxHttpHead: number;
  readonly #client: WsClientOptions | null;
  #key = "";
  #open = false;
  #ackMode = false;

  /** A station side, or a client side when `client` options are given. */
  constructor(options: EndpointOptions = {}, client?: WsClientOptions) {
    super(client ? "client" : "station", client ?? options, false);
    this.#client = client ?? null;
    this.#maxHttpHead = (client ?? options).maxHttpHeadLength ??
      DEFAULT_MAX_HTTP_HEAD;
    // TEXT is validated once, where its lines are decoded (deliver, strict)
    this.#decoder = new WsDecoder({
      maxMessageLength: this.maxPayloadLength,
      validateText: false,
    });
  }

  /** Whether the peer has sent an `ACK:` (station side, §5.4). */
  get ackMode(): boolean {
    return this.#ackMode;
  }

  protected get input(): ByteSink {
    return this.#open ? this.#decoder : this.#head;
  }

  override start(): Uint8Array | null {
    if (this.#client === null) return null;
    const { request, key } = encodeUpgradeRequest(
      this.#client.host,
      this.#client.path,
    );
    this.#key = key;
    return request;
  }

  protected decodeOne(): boolean {
    if (!this.#open) return this.#handshake();
    const message = this.#decoder.next();
    if (message === null) return false;
    this.#receive(message);
    return true;
  }

  #handshake(): boolean {
    const bytes = this.#head.view();
    const head = this.#client
      ? parseHttpResponseHead(bytes)
      : parseHttpRequestHead(bytes);
    const tooLarge = new FramingError(
      "too-large",
      `HTTP head of more than ${this.#maxHttpHead} bytes`,
    );
    if (head === null) {
      if (bytes.length > this.#maxHttpHead) throw tooLarge;
      return false;
    }
    if (head === "invalid") {
      throw new FramingError("protocol", "malformed HTTP head");
    }
    if (head.length > this.#maxHttpHead) throw tooLarge;
    if ("method" in head) {
      if (!isWebSocketUpgrade(head)) {
        throw new FramingError("protocol", "not a WebSocket upgrade");
      }
      const offered = head.headers.get("sec-websocket-protocol")?.split(",")[0]
        .trim();
      this.write(
        encodeUpgradeResponse(head.headers.get("sec-websocket-key")!, offered),
      );
    } else if (!acceptsUpgrade(head, this.#key)) {
      throw new FramingError(
        "protocol",
        `upgrade refused (HTTP ${head.status})`,
      );
    }
    const rest = bytes.slice(head.length);
    this.#head.clear();
    this.#open = true;
    this.#decoder.push(rest);
    this.emit({ type: "open" });
    return true;
  }

  #receive(message: WsMessage): void {
    switch (message.type) {
      case "ping":
        this.write(this.#frame(WsOpcode.PONG, message.payload));
        return;
      case "pong":
        return;
      case "close":
        this.write(
          this.#close(
            message.code === 1005 ? WsCloseCode.NORMAL : message.code,
          ),
        );
        this.end();
        return;
    }
    const payload = message.payload;
    const heartbeat = heartbeatOf(payload);
    if (payload.length === 0 || (heartbeat !== null && heartbeat !== "PING")) {
      return;
    }
    if (heartbeat === "PING") {
      this.write(this.#frame(WsOpcode.TEXT, PONG));
    } else if (isAck(payload)) {
      const key = ackKeyOf(payload);
      if (key !== null) this.emit({ type: "acknowledged", key });
      this.#ackMode = true;
    } else {
      if (this.#client?.sendAcks) {
        const ack = ackFor(payload);
        if (ack !== null) this.write(this.#frame(WsOpcode.TEXT, ack));
      }
      this.deliver(payload, -1, message.type === "text");
    }
  }

  #frame(opcode: number, payload: Payload): Uint8Array {
    const mask = this.#client
      ? crypto.getRandomValues(new Uint8Array(4))
      : undefined;
    return encodeWsFrame({ opcode, payload, mask });
  }

  #close(code: number): Uint8Array {
    const mask = this.#client
      ? crypto.getRandomValues(new Uint8Array(4))
      : undefined;
    return encodeWsClose(code, "", mask);
  }

  protected override errorSignal(error: FramingError): Uint8Array | null {
    if (this.#open) return this.#close(wsCloseCodeFor(error.reason));
    if (this.#client) return null;
    const status = error.reason === "too-large" ? 431 : 400;
    return encodeHttpResponse(
      status,
      "text/plain; charset=utf-8",
      `${error.message}\n`,
    );
  }

  encodeMessage(payload: Payload): Outgoing {
    const ackKey = this.#ackMode ? ackKeyOf(toBytes(payload)) : null;
    return { bytes: this.#frame(WsOpcode.TEXT, payload), ackKey };
  }

  encodeReplies(_replyTo: number, payloads: readonly Payload[]): Uint8Array[] {
    return payloads.map((p) => this.#frame(WsOpcode.TEXT, p));
  }

  heartbeat(): Uint8Array | null {
    return this.#client ? this.#frame(WsOpcode.TEXT, PING) : null;
  }

  override goodbye(): Uint8Array | null {
    return this.#open
      ? this.#close(this.#client ? WsCloseCode.NORMAL : WsCloseCode.GOING_AWAY)
      : null;
  }
}
