/**
 * Payload-level rules shared by every framing (transport.md §1, §5.3, §5.4):
 * the heartbeat bodies, the split of a payload into JSON lines, and the
 * WebSocket ACK key.
 *
 * @module
 */
import { bytesEqual, indexOfBytes, startsWith, utf8 } from "./_bytes.ts";

/** The 4-byte heartbeat request `PING`. */
export const PING: Uint8Array = utf8("PING");
/** The 4-byte heartbeat answer `PONG`. */
export const PONG: Uint8Array = utf8("PONG");
/** The 4-byte no-op `NOOP` (ignored wherever it arrives). */
export const NOOP: Uint8Array = utf8("NOOP");
/** The MTP acknowledgement body `OK`. */
export const OK: Uint8Array = utf8("OK");
/** The MTP "send again" body `AGAIN`. */
export const AGAIN: Uint8Array = utf8("AGAIN");

/** A payload that is a heartbeat or acknowledgement body, not a message. */
export type HeartbeatBody = "PING" | "PONG" | "NOOP" | "OK" | "AGAIN";

const HEARTBEATS: readonly (readonly [HeartbeatBody, Uint8Array])[] = [
  ["PING", PING],
  ["PONG", PONG],
  ["NOOP", NOOP],
  ["OK", OK],
  ["AGAIN", AGAIN],
];

/**
 * Which heartbeat body `payload` is exactly, or `null` for anything else.
 *
 * @example
 * ```ts
 * import { heartbeatOf, PING } from "./payload.ts";
 * console.assert(heartbeatOf(PING) === "PING");
 * ```
 */
export function heartbeatOf(payload: Uint8Array): HeartbeatBody | null {
  // every message payload is longer: one comparison on the hot path
  if (payload.length > 5 || payload.length < 2) return null;
  for (let i = 0; i < HEARTBEATS.length; i++) {
    if (bytesEqual(payload, HEARTBEATS[i][1])) return HEARTBEATS[i][0];
  }
  return null;
}

const CR = 0x0d;
const LF = 0x0a;
const OPEN_BRACE = 0x7b;

/**
 * The messages of one payload: a payload starting with `{` is split into lines
 * at `\n`, `\r\n` and `\r` (empty lines skipped); any other non-empty payload is
 * one line (the message layer drops what it cannot parse).
 *
 * @example
 * ```ts
 * import { splitPayload } from "./payload.ts";
 * const lines = splitPayload(new TextEncoder().encode('{"a":1}\r\n{"b":2}\n'));
 * console.assert(lines.length === 2);
 * ```
 */
export function splitPayload(payload: Uint8Array): Uint8Array[] {
  if (payload.length === 0) return [];
  if (payload[0] !== OPEN_BRACE) return [payload];
  // indexOf scans natively in every tier: a per-byte loop here started in
  // V8's interpreter, needed on-stack replacement, and its on-stack code
  // deoptimised again and again before it settled
  const lines: Uint8Array[] = [];
  let start = 0;
  let lf = payload.indexOf(LF);
  let cr = payload.indexOf(CR);
  while (start < payload.length) {
    if (lf !== -1 && lf < start) lf = payload.indexOf(LF, start);
    if (cr !== -1 && cr < start) cr = payload.indexOf(CR, start);
    const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
    if (end === -1) {
      // one line, no end: the payload itself, no view of it
      lines.push(start === 0 ? payload : payload.subarray(start));
      break;
    }
    if (end > start) lines.push(payload.subarray(start, end));
    start = end + 1;
    if (end === cr && payload[start] === LF) start++;
  }
  return lines;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
/** The same BOM handling as {@link strictUtf8}, replacing instead of throwing. */
const replacingUtf8 = new TextDecoder("utf-8");

/**
 * Decodes lines as strict UTF-8: the valid ones in order, and how many were
 * not UTF-8 (those are dropped, transport.md §8: a line that fails to parse is
 * dropped without closing).
 *
 * @example
 * ```ts
 * import { decodeLines } from "./payload.ts";
 * const { lines, invalid } = decodeLines([new Uint8Array([0x7b, 0x7d]), new Uint8Array([0xff])]);
 * console.assert(lines[0] === "{}" && invalid === 1);
 * ```
 */
export function decodeLines(
  lines: Uint8Array[],
): { lines: string[]; invalid: number } {
  const out: string[] = [];
  let invalid = 0;
  for (const line of lines) {
    // the replacing decoder is Deno's single-pass UTF-8 path (the fatal one
    // goes through encoding_rs: ~4x the time per line); bad bytes always
    // leave a U+FFFD, and only then the strict decoder decides
    const text = replacingUtf8.decode(line);
    if (!text.includes("\uFFFD")) {
      out.push(text);
      continue;
    }
    try {
      out.push(strictUtf8.decode(line));
    } catch {
      invalid++;
    }
  }
  return { lines: out, invalid };
}

const ACK_PREFIX = utf8("ACK:");
const SIGNATURE = utf8("signature");
const TIME = utf8("time");
const COLON = utf8(":");
const COMMA = utf8(",");
const CLOSE_BRACE = utf8("}");
const lenientUtf8 = new TextDecoder();

/** Whether a WebSocket payload is an acknowledgement `ACK:{…}` (§5.4). */
export function isAck(payload: Uint8Array): boolean {
  return startsWith(payload, ACK_PREFIX);
}

function isTrimmed(b: number): boolean {
  return b === 0x20 || b === 0x22 || b === 0x27; // space, double and single quote
}

/**
 * The naive value search both DIM WebSocket peers use for ACKs: after the
 * first occurrence of `tag`, skip to `:`, take up to the next `,` (else `}`),
 * strip spaces and quotes.
 */
function fetchValue(data: Uint8Array, tag: Uint8Array): string | null {
  let pos = indexOfBytes(data, tag);
  if (pos < 0) return null;
  pos = indexOfBytes(data, COLON, pos + tag.length);
  if (pos < 0) return null;
  pos += 1;
  let end = indexOfBytes(data, COMMA, pos);
  if (end < 0) end = indexOfBytes(data, CLOSE_BRACE, pos);
  if (end < 0) return null;
  while (pos < end && isTrimmed(data[pos])) pos++;
  while (end > pos && isTrimmed(data[end - 1])) end--;
  return lenientUtf8.decode(data.subarray(pos, end));
}

/**
 * The key that correlates a WebSocket message frame with the `ACK:` the client
 * sends for it: the message's `signature` value, else its `time` value, else
 * `null` (transport.md §5.4). Applied to an `ACK:{…}` payload it yields the
 * same key.
 *
 * @example
 * ```ts
 * import { ackKeyOf } from "./payload.ts";
 * const enc = new TextEncoder();
 * const message = enc.encode('{"time":1.5,"signature":"c2ln"}');
 * const ack = enc.encode('ACK:{"time":1.5,"signature":"c2ln"}');
 * console.assert(ackKeyOf(message) === "c2ln" && ackKeyOf(ack) === "c2ln");
 * ```
 */
export function ackKeyOf(payload: Uint8Array): string | null {
  return fetchValue(payload, SIGNATURE) ?? fetchValue(payload, TIME);
}

/**
 * The `ACK:` payload a client sends for a received message (demo-js
 * `AckEnablePorter`): only for payloads starting with `{` that have both a
 * `signature` and a `time`; `null` otherwise.
 *
 * @example
 * ```ts
 * import { ackFor } from "./payload.ts";
 * const ack = ackFor(new TextEncoder().encode('{"time":2,"signature":"c2ln"}'));
 * console.assert(new TextDecoder().decode(ack!) === 'ACK:{"time":2,"signature":"c2ln"}');
 * ```
 */
export function ackFor(payload: Uint8Array): Uint8Array | null {
  if (payload[0] !== OPEN_BRACE) return null;
  const signature = fetchValue(payload, SIGNATURE);
  const time = fetchValue(payload, TIME);
  if (signature === null || time === null) return null;
  return utf8(`ACK:{"time":${time},"signature":"${signature}"}`);
}
