/**
 * Choosing the framing of a connection from its first bytes (transport.md
 * §2.2): WebSocket upgrade / HTTP, then MTP, then Mars, then plain JSON lines.
 * Undecidable data is buffered rather than dropped (the spec's SHOULD).
 *
 * @module
 */
import { indexOfBytes, startsWith, utf8 } from "./_bytes.ts";
import { HTTP_METHODS, httpHeadLength, parseHttpRequestHead } from "./http.ts";
import { parseMarsHeader } from "./mars.ts";
import { parseMtpHeader } from "./mtp.ts";
import { isWebSocketUpgrade } from "./websocket.ts";

/** The framings one station port serves, plus plain HTTP. */
export type SniffedFraming = "ws" | "http" | "mtp" | "mars" | "plain";

/** Limits of {@linkcode sniffFraming}. */
export interface SniffOptions {
  /** An HTTP head longer than this is handed to HTTP (to answer 431). */
  readonly maxHttpHeadLength?: number;
  /** After this many bytes without a decision the data is `"unknown"`. */
  readonly maxSniffLength?: number;
}

const METHODS = HTTP_METHODS.map((m) => utf8(`${m} `));
const MTP_MAGIC = utf8("DIM");
const MARS_VERSION = new Uint8Array([0, 0, 0, 200]);
const OPEN_BRACE = 0x7b;

function sniffHttp(
  bytes: Uint8Array,
  maxHead: number,
): SniffedFraming | null | undefined {
  let partial = false;
  for (const method of METHODS) {
    if (startsWith(bytes, method)) {
      const length = httpHeadLength(bytes);
      if (length < 0) return bytes.length > maxHead ? "http" : null;
      const head = parseHttpRequestHead(bytes);
      return typeof head === "object" && head !== null &&
          isWebSocketUpgrade(head)
        ? "ws"
        : "http";
    }
    if (bytes.length < method.length && startsWith(method, bytes)) {
      partial = true;
    }
  }
  return partial ? null : undefined;
}

/**
 * Whether an MTP TCP header (HL 2, 4 or 6) starts at `at`; its body length is
 * not judged here, so that an oversized one reaches the decoder and is
 * refused as `too-large` instead of waiting for a timeout.
 */
function isTcpMtpHeader(bytes: Uint8Array, at: number): boolean | null {
  const probe = bytes.slice(at, at + 24);
  const words = probe[3] >> 4;
  if (probe.length >= 4 && words % 2 === 0 && words > 0) {
    probe.fill(0, words * 4 - 4, words * 4); // body length: judged by the decoder
  }
  const header = parseMtpHeader(probe);
  if (header === "incomplete") return null;
  return header !== "invalid" && header.bodyLength >= 0;
}

function isMarsHeader(bytes: Uint8Array, at: number): boolean | null {
  const header = parseMarsHeader(bytes, at);
  if (header === "incomplete") return null;
  return header !== "invalid";
}

/**
 * The framing of a connection that sent `bytes` so far: `null` while
 * undecidable (wait for more), `"unknown"` once `maxSniffLength` bytes matched
 * nothing. An MTP or Mars header may follow junk (the reference seeks it).
 *
 * @example
 * ```ts
 * import { sniffFraming } from "./sniff.ts";
 * const enc = new TextEncoder();
 * console.assert(sniffFraming(enc.encode("DI")) === null);
 * console.assert(sniffFraming(enc.encode('{"a":1}\n')) === "plain");
 * ```
 */
export function sniffFraming(
  bytes: Uint8Array,
  options: SniffOptions = {},
): SniffedFraming | "unknown" | null {
  if (bytes.length === 0) return null;
  const http = sniffHttp(bytes, options.maxHttpHeadLength ?? 16384);
  if (http !== undefined) return http;
  const mtp = isTcpMtpHeader(bytes, 0);
  if (mtp) return "mtp";
  const mars = isMarsHeader(bytes, 0);
  if (mars) return "mars";
  if (mtp === null && startsWith(MTP_MAGIC, bytes.subarray(0, 3))) return null;
  if (bytes[0] === OPEN_BRACE) return "plain";
  for (
    let i = indexOfBytes(bytes, MTP_MAGIC, 1);
    i >= 0;
    i = indexOfBytes(bytes, MTP_MAGIC, i + 1)
  ) {
    if (isTcpMtpHeader(bytes, i)) return "mtp";
  }
  for (
    let i = indexOfBytes(bytes, MARS_VERSION, 4);
    i >= 0;
    i = indexOfBytes(bytes, MARS_VERSION, i + 1)
  ) {
    if (isMarsHeader(bytes, i - 4)) return "mars";
  }
  return bytes.length >= (options.maxSniffLength ?? 65536) ? "unknown" : null;
}
