/**
 * The answer to plain HTTP on the station port: `GET /` is the chat page for
 * a browser (`web_app.ts`) and the status as JSON for `Accept:
 * application/json`; `GET /status` is the status page in HTML; other paths
 * 404, other methods 405 — instead of the reference's silence (transport.md
 * §2.3).
 *
 * @module
 */
import {
  encodeHttpResponse,
  type HttpRequestHead,
} from "../../dimp/transport/mod.ts";
import { webAppResponse } from "./web_app.ts";

/** What the station tells about itself on its status page. */
export interface StationInfo {
  /** The station ID. */
  readonly station?: string;
  /** The software version. */
  readonly version?: string;
}

/** The status page's JSON body. */
export interface StationStatus extends StationInfo {
  /** Seconds since the listener started. */
  readonly uptime: number;
  /** Open connections (framing established), by framing and in total. */
  readonly connections: {
    readonly total: number;
    readonly mtp: number;
    readonly mars: number;
    readonly ws: number;
    readonly plain: number;
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(status: StationStatus): string {
  const rows: [string, string][] = [
    ["Station", status.station ?? "—"],
    ["Version", status.version ?? "—"],
    ["Uptime", `${status.uptime} s`],
    [
      "Connections",
      `${status.connections.total} (MTP ${status.connections.mtp}, Mars ${status.connections.mars}, ` +
      `WebSocket ${status.connections.ws}, JSON lines ${status.connections.plain})`,
    ],
  ];
  return '<!doctype html>\n<html><head><meta charset="utf-8"><title>DIM station</title></head>' +
    "<body><h1>DIM station</h1><table>" +
    rows.map(([k, v]) =>
      `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`
    ).join("") +
    "</table><p>Connect a DIM client to this address and port (MTP, WebSocket or Mars), " +
    'or chat in the browser: <a href="/">open the chat page</a>.</p></body></html>\n';
}

/**
 * The complete HTTP response to a plain request on the station port.
 *
 * @example
 * ```ts
 * import { statusResponse } from "./status_page.ts";
 * const status = { uptime: 5, connections: { total: 0, mtp: 0, mars: 0, ws: 0, plain: 0 } };
 * const bytes = statusResponse("invalid", () => status);
 * console.assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.1 400 "));
 * ```
 */
export function statusResponse(
  head: HttpRequestHead | "invalid" | "too-large",
  status: () => StationStatus,
): Uint8Array {
  const text = "text/plain; charset=utf-8";
  if (head === "invalid") return encodeHttpResponse(400, text, "bad request\n");
  if (head === "too-large") {
    return encodeHttpResponse(431, text, "request head too large\n");
  }
  const omitBody = head.method === "HEAD";
  if (head.method !== "GET" && !omitBody) {
    return encodeHttpResponse(405, text, "method not allowed\n");
  }
  const path = head.target.split("?")[0];
  const accept = head.headers.get("accept") ?? "";
  if (path === "/" && /application\/json/i.test(accept)) {
    return encodeHttpResponse(
      200,
      "application/json",
      JSON.stringify(status()) + "\n",
      omitBody,
    );
  }
  if (path === "/status") {
    return encodeHttpResponse(
      200,
      "text/html; charset=utf-8",
      html(status()),
      omitBody,
    );
  }
  return webAppResponse(head, path) ??
    encodeHttpResponse(404, text, "not found\n", omitBody);
}
