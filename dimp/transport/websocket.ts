/**
 * WebSocket (RFC 6455) as DIM stations speak it (transport.md §5): the upgrade
 * reply with the reference's exact bytes, the client upgrade request, frame
 * encoding and an incremental, RFC-correct frame decoder that enforces a
 * message cap from the frame header, before buffering.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { ByteQueue } from "./_byte_queue.ts";
import { byteLength, concatBytes, utf8, writeBytes } from "./_bytes.ts";
import type { Payload } from "./endpoint.ts";
import { FramingError, type FramingErrorReason } from "./errors.ts";
import type { HttpRequestHead, HttpResponseHead } from "./http.ts";

/** Frame opcodes. */
export const WsOpcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Close status codes the station sends. */
export const WsCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  INVALID_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
} as const;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * The `Sec-WebSocket-Accept` value for a client key.
 *
 * @example
 * ```ts
 * import { webSocketAccept } from "./websocket.ts";
 * console.assert(webSocketAccept("dGhlIHNhbXBsZSBub25jZQ==") === "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
 * ```
 */
export function webSocketAccept(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/**
 * Whether a parsed request is a WebSocket upgrade as the reference decides it:
 * `GET`, any path, a `Sec-WebSocket-Key` (nothing else is required, §5.1).
 */
export function isWebSocketUpgrade(head: HttpRequestHead): boolean {
  return head.method === "GET" &&
    (head.headers.get("sec-websocket-key") ?? "") !== "";
}

/**
 * The 101 reply, byte for byte as the reference writes it (non-standard reason
 * phrase and `WebSocket-Protocol: DIMP` included). A `protocol` (the first
 * subprotocol the client offered) is echoed in `Sec-WebSocket-Protocol`, which
 * browsers require when they offered one.
 *
 * @example
 * ```ts
 * import { encodeUpgradeResponse } from "./websocket.ts";
 * const text = new TextDecoder().decode(encodeUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ=="));
 * console.assert(text.startsWith("HTTP/1.1 101 Switching Protocol\r\n"));
 * ```
 */
export function encodeUpgradeResponse(
  key: string,
  protocol?: string,
): Uint8Array {
  return utf8(
    "HTTP/1.1 101 Switching Protocol\r\n" +
      "Server: DIM-Station\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      "WebSocket-Protocol: DIMP\r\n" +
      (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") +
      `Sec-WebSocket-Accept: ${webSocketAccept(key)}\r\n` +
      "\r\n",
  );
}

/**
 * A client upgrade request for `ws://host/path` with a fresh random key.
 *
 * @example
 * ```ts
 * import { encodeUpgradeRequest } from "./websocket.ts";
 * const { request, key } = encodeUpgradeRequest("127.0.0.1:9394");
 * console.assert(key.length === 24 && request.length > 100);
 * ```
 */
export function encodeUpgradeRequest(
  host: string,
  path = "/",
): { request: Uint8Array; key: string } {
  const key = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
  );
  const request = utf8(
    `GET ${path} HTTP/1.1\r\n` +
      `Host: ${host}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
  return { request, key };
}

/** Whether a response head accepts the upgrade requested with `key`. */
export function acceptsUpgrade(head: HttpResponseHead, key: string): boolean {
  return head.status === 101 &&
    head.headers.get("sec-websocket-accept") === webSocketAccept(key);
}

/** A frame to encode. */
export interface WsFrameInit {
  /** The opcode. */
  readonly opcode: number;
  /** The payload (text is written as UTF-8). */
  readonly payload: Payload;
  /** FIN bit (default true). */
  readonly fin?: boolean;
  /** A 4-byte masking key (clients must mask; servers never do). */
  readonly mask?: Uint8Array;
}

/**
 * Encodes one frame with the shortest length form (7/16/64-bit).
 *
 * @example
 * ```ts
 * import { encodeWsFrame, WsOpcode } from "./websocket.ts";
 * const frame = encodeWsFrame({ opcode: WsOpcode.TEXT, payload: new TextEncoder().encode("PONG") });
 * console.assert(frame[0] === 0x81 && frame[1] === 4);
 * ```
 */
export function encodeWsFrame(init: WsFrameInit): Uint8Array {
  const { payload, mask } = init;
  const length = byteLength(payload);
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const headLength = 2 + lengthBytes + (mask ? 4 : 0);
  const out = new Uint8Array(headLength + length);
  out[0] = (init.fin === false ? 0 : 0x80) | (init.opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) {
    out[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
  } else {
    out[1] = maskBit | 127;
    const view = new DataView(out.buffer);
    view.setUint32(2, Math.floor(length / 0x100000000));
    view.setUint32(6, length >>> 0);
  }
  writeBytes(out, headLength, payload);
  if (mask) {
    out.set(mask, headLength - 4);
    for (let i = 0; i < length; i++) out[headLength + i] ^= mask[i & 3];
  }
  return out;
}

/**
 * A CLOSE frame with a status code and an optional reason.
 *
 * @example
 * ```ts
 * import { encodeWsClose } from "./websocket.ts";
 * console.assert(encodeWsClose(1009).length === 4);
 * ```
 */
export function encodeWsClose(
  code: number,
  reason = "",
  mask?: Uint8Array,
): Uint8Array {
  const payload = concatBytes(
    new Uint8Array([code >>> 8, code & 0xff]),
    utf8(reason),
  );
  return encodeWsFrame({
    opcode: WsOpcode.CLOSE,
    payload: payload.subarray(0, 125),
    mask,
  });
}

/** The close code that reports a framing error to a WebSocket peer. */
export function wsCloseCodeFor(reason: FramingErrorReason): number {
  switch (reason) {
    case "too-large":
      return WsCloseCode.MESSAGE_TOO_BIG;
    case "invalid-utf8":
      return WsCloseCode.INVALID_DATA;
    case "too-many-lines":
      return WsCloseCode.POLICY_VIOLATION;
    default:
      return WsCloseCode.PROTOCOL_ERROR;
  }
}

/** A decoded WebSocket message or control frame. */
export type WsMessage =
  | { readonly type: "text" | "binary"; readonly payload: Uint8Array }
  | { readonly type: "ping" | "pong"; readonly payload: Uint8Array }
  | { readonly type: "close"; readonly code: number; readonly reason: string };

/** Limits of a {@linkcode WsDecoder}. */
export interface WsDecoderOptions {
  /** Largest message (sum of its fragments); checked from each frame header. */
  readonly maxMessageLength?: number;
  /**
   * Check that TEXT messages are UTF-8 (default true); a caller that decodes
   * them strictly anyway may turn it off to decode once.
   */
  readonly validateText?: boolean;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes frames into messages: continuation frames of any number are
 * reassembled, control frames are returned between them, masked and unmasked
 * frames are both accepted (the reference does). Push bytes, then call
 * {@linkcode WsDecoder.next} until it returns `null`.
 *
 * @example
 * ```ts
 * import { encodeWsFrame, WsDecoder, WsOpcode } from "./websocket.ts";
 * const decoder = new WsDecoder();
 * decoder.push(encodeWsFrame({ opcode: WsOpcode.BINARY, payload: new Uint8Array([1]), mask: new Uint8Array(4) }));
 * console.assert(decoder.next()?.type === "binary");
 * ```
 */
export class WsDecoder {
  readonly #queue = new ByteQueue();
  readonly #maxMessageLength: number;
  readonly #validateText: boolean;
  #fragments: Uint8Array[] = [];
  #fragmentsLength = 0;
  #fragmentedType: "text" | "binary" | null = null;

  /** A decoder with the given limits. */
  constructor(options: WsDecoderOptions = {}) {
    this.#maxMessageLength = options.maxMessageLength ?? 64 * 1024 * 1024;
    this.#validateText = options.validateText ?? true;
  }

  /** Bytes buffered (including fragments of an unfinished message). */
  get bufferedBytes(): number {
    return this.#queue.length + this.#fragmentsLength;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    this.#queue.push(chunk);
  }

  /**
   * The next message or control frame, or `null` when more bytes are needed.
   *
   * @throws {FramingError} `protocol` (reserved bits, unknown opcode, bad
   *   control frame or continuation), `too-large` (over the cap, from the
   *   header), `invalid-utf8` (a TEXT message that is not UTF-8).
   */
  next(): WsMessage | null {
    for (;;) {
      const frame = this.#nextFrame();
      if (frame === null) return null;
      const message = this.#assemble(frame.fin, frame.opcode, frame.payload);
      if (message !== null) return message;
    }
  }

  #nextFrame(): { fin: boolean; opcode: number; payload: Uint8Array } | null {
    const queue = this.#queue;
    if (queue.length < 2) return null;
    const b0 = queue.at(0);
    const b1 = queue.at(1);
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) throw protocol("reserved bits set");
    const control = opcode >= 0x8;
    if (opcode > 0xa || (opcode > 0x2 && opcode < 0x8)) {
      throw protocol(`unknown opcode ${opcode}`);
    }
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let at = 2;
    if (control && (!fin || length > 125)) throw protocol("bad control frame");
    if (length === 126) {
      if (queue.length < 4) return null;
      length = (queue.at(2) << 8) | queue.at(3);
      at = 4;
    } else if (length === 127) {
      if (queue.length < 10) return null;
      const view = queue.view();
      const high = new DataView(view.buffer, view.byteOffset + 2, 8).getUint32(
        0,
      );
      length = high * 0x100000000 +
        new DataView(view.buffer, view.byteOffset + 6, 4).getUint32(0);
      at = 10;
    }
    if (!control && this.#fragmentsLength + length > this.#maxMessageLength) {
      throw new FramingError(
        "too-large",
        `WebSocket message of ${
          this.#fragmentsLength + length
        } bytes exceeds the limit of ${this.#maxMessageLength}`,
      );
    }
    const total = at + (masked ? 4 : 0) + length;
    if (queue.length < total) return null;
    const view = queue.view();
    const payload = view.slice(total - length, total);
    if (masked) {
      const mask = view.subarray(at, at + 4);
      for (let i = 0; i < length; i++) payload[i] ^= mask[i & 3];
    }
    queue.consume(total);
    return { fin, opcode, payload };
  }

  #assemble(
    fin: boolean,
    opcode: number,
    payload: Uint8Array,
  ): WsMessage | null {
    switch (opcode) {
      case WsOpcode.PING:
        return { type: "ping", payload };
      case WsOpcode.PONG:
        return { type: "pong", payload };
      case WsOpcode.CLOSE:
        return closeMessage(payload);
      case WsOpcode.CONTINUATION:
        if (this.#fragmentedType === null) {
          throw protocol("continuation without a message");
        }
        this.#fragments.push(payload);
        this.#fragmentsLength += payload.length;
        if (!fin) return null;
        return this.#finish(
          this.#fragmentedType,
          concatBytes(...this.#fragments),
        );
      default: {
        if (this.#fragmentedType !== null) {
          throw protocol("data frame inside a fragmented message");
        }
        const type = opcode === WsOpcode.TEXT ? "text" : "binary";
        if (fin) return this.#finish(type, payload);
        this.#fragmentedType = type;
        this.#fragments = [payload];
        this.#fragmentsLength = payload.length;
        return null;
      }
    }
  }

  #finish(type: "text" | "binary", payload: Uint8Array): WsMessage {
    this.#fragments = [];
    this.#fragmentsLength = 0;
    this.#fragmentedType = null;
    if (type === "text" && this.#validateText) {
      try {
        strictUtf8.decode(payload);
      } catch {
        throw new FramingError(
          "invalid-utf8",
          "WebSocket TEXT message is not UTF-8",
        );
      }
    }
    return { type, payload };
  }
}

function protocol(message: string): FramingError {
  return new FramingError("protocol", `WebSocket: ${message}`);
}

function closeMessage(payload: Uint8Array): WsMessage {
  if (payload.length === 1) throw protocol("close frame with a 1-byte body");
  if (payload.length === 0) return { type: "close", code: 1005, reason: "" };
  let reason: string;
  try {
    reason = strictUtf8.decode(payload.subarray(2));
  } catch {
    throw new FramingError(
      "invalid-utf8",
      "WebSocket close reason is not UTF-8",
    );
  }
  return { type: "close", code: (payload[0] << 8) | payload[1], reason };
}
