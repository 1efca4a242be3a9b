/**
 * The HTTP/1.1 head parsing the station port needs: WebSocket upgrades, the
 * status page, and the client side of the upgrade (transport.md §2.3, §5.1).
 *
 * @module
 */
import { indexOfBytes, utf8 } from "./_bytes.ts";

const HEAD_END = utf8("\r\n\r\n");
const latin1 = new TextDecoder("latin1");

/** An HTTP request head. */
export interface HttpRequestHead {
  /** The method, e.g. `GET`. */
  readonly method: string;
  /** The request target, e.g. `/` or `/status?x=1`. */
  readonly target: string;
  /** Header fields by lower-case name; repeated fields joined by `, `. */
  readonly headers: ReadonlyMap<string, string>;
  /** Bytes of the head including the blank line. */
  readonly length: number;
}

/** An HTTP response head. */
export interface HttpResponseHead {
  /** The status code. */
  readonly status: number;
  /** Header fields by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
  /** Bytes of the head including the blank line. */
  readonly length: number;
}

/**
 * The methods that make the first bytes of a connection an HTTP request (the
 * sniffer tests them before MTP and Mars).
 */
export const HTTP_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "CONNECT",
  "TRACE",
];

/** The byte length of the head (through `\r\n\r\n`), or -1 if incomplete. */
export function httpHeadLength(bytes: Uint8Array): number {
  const end = indexOfBytes(bytes, HEAD_END);
  return end < 0 ? -1 : end + HEAD_END.length;
}

function parseFields(lines: string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return headers;
}

function headLines(
  bytes: Uint8Array,
): { lines: string[]; length: number } | null {
  const length = httpHeadLength(bytes);
  if (length < 0) return null;
  const text = latin1.decode(bytes.subarray(0, length - HEAD_END.length));
  return { lines: text.split("\r\n"), length };
}

/**
 * Parses a request head: `null` until the blank line arrived, `"invalid"` if
 * the request line is malformed.
 *
 * @example
 * ```ts
 * import { parseHttpRequestHead } from "./http.ts";
 * const head = parseHttpRequestHead(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
 * console.assert(typeof head === "object" && head?.headers.get("host") === "x");
 * ```
 */
export function parseHttpRequestHead(
  bytes: Uint8Array,
): HttpRequestHead | "invalid" | null {
  const head = headLines(bytes);
  if (head === null) return null;
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.lines[0]);
  if (match === null) return "invalid";
  return {
    method: match[1],
    target: match[2],
    headers: parseFields(head.lines.slice(1)),
    length: head.length,
  };
}

/**
 * Parses a response head: `null` until the blank line arrived, `"invalid"` if
 * the status line is malformed.
 *
 * @example
 * ```ts
 * import { parseHttpResponseHead } from "./http.ts";
 * const head = parseHttpResponseHead(new TextEncoder().encode("HTTP/1.1 101 Switching Protocol\r\n\r\n"));
 * console.assert(typeof head === "object" && head?.status === 101);
 * ```
 */
export function parseHttpResponseHead(
  bytes: Uint8Array,
): HttpResponseHead | "invalid" | null {
  const head = headLines(bytes);
  if (head === null) return null;
  const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(head.lines[0]);
  if (match === null) return "invalid";
  return {
    status: Number(match[1]),
    headers: parseFields(head.lines.slice(1)),
    length: head.length,
  };
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

/**
 * A complete `Connection: close` response with a `Content-Length` body
 * (`HEAD` requests: pass `omitBody` to send the head only).
 *
 * @example
 * ```ts
 * import { encodeHttpResponse } from "./http.ts";
 * const bytes = encodeHttpResponse(404, "text/plain; charset=utf-8", "not found\n");
 * console.assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.1 404 Not Found\r\n"));
 * ```
 */
export function encodeHttpResponse(
  status: number,
  contentType: string,
  body: string,
  omitBody = false,
): Uint8Array {
  const content = utf8(body);
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n` +
    `Server: DIM-Station\r\n` +
    `Content-Type: ${contentType}\r\n` +
    `Content-Length: ${content.length}\r\n` +
    `Cache-Control: no-store\r\n` +
    `Connection: close\r\n\r\n`;
  if (omitBody) return utf8(head);
  const out = new Uint8Array(head.length + content.length);
  out.set(utf8(head));
  out.set(content, head.length);
  return out;
}
