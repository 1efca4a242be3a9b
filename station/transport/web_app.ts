/**
 * The chat page on the station port (issue 16): `GET /` for a browser
 * serves the page, `/app.js` and `/app.css` its script and style — all
 * embedded in the program (`web/`), so a compiled `dim` serves them too —
 * with a strict Content-Security-Policy, an ETag (`304` on
 * `If-None-Match`), and brotli or gzip when the browser accepts them.
 *
 * @module
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { APP_JS } from "../../web/bundle.ts";
import { INDEX_HTML, STYLE_CSS } from "../../web/page.ts";
import { sha256 } from "../../dimp/crypto/mod.ts";
import type { HttpRequestHead } from "../../dimp/transport/mod.ts";

/** One embedded file with its encodings, made once. */
interface _Asset {
  readonly type: string;
  readonly identity: Uint8Array;
  readonly etag: string;
  br?: Uint8Array;
  gzip?: Uint8Array;
}

const _ASSET_SOURCES: Readonly<Record<string, [string, string]>> = {
  "/": ["text/html; charset=utf-8", INDEX_HTML],
  "/app.js": ["text/javascript; charset=utf-8", APP_JS],
  "/app.css": ["text/css; charset=utf-8", STYLE_CSS],
};

const _assets = new Map<string, _Asset>();

function _asset(path: string): _Asset | undefined {
  let asset = _assets.get(path);
  if (asset !== undefined) return asset;
  const source = _ASSET_SOURCES[path];
  if (source === undefined) return undefined;
  const identity = new TextEncoder().encode(source[1]);
  asset = {
    type: source[0],
    identity,
    etag: `"${sha256(identity).subarray(0, 12).toHex()}"`,
  };
  _assets.set(path, asset);
  return asset;
}

/** The host of a `Host` header if it is a plain host[:port], else undefined. */
function _host(head: HttpRequestHead): string | undefined {
  const host = head.headers.get("host");
  return host !== undefined && /^[A-Za-z0-9.\-\[\]:]{1,255}$/.test(host)
    ? host
    : undefined;
}

/**
 * The Content-Security-Policy of the page: everything from the station
 * itself, no inline script or style, the WebSocket to the station's own
 * address.
 *
 * @example
 * ```ts
 * import { contentSecurityPolicy } from "./web_app.ts";
 * contentSecurityPolicy("127.0.0.1:9394").includes("connect-src 'self' ws://127.0.0.1:9394"); // true
 * ```
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host === undefined ? "" : ` ws://${host} wss://${host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Which encoding to send: brotli, else gzip, else none (q=0 honoured). */
function _encoding(head: HttpRequestHead): "br" | "gzip" | undefined {
  const accepted = new Set<string>();
  for (const part of (head.headers.get("accept-encoding") ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    accepted.add(name);
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}

function _body(asset: _Asset, encoding: "br" | "gzip" | undefined): Uint8Array {
  if (encoding === "br") {
    asset.br ??= new Uint8Array(brotliCompressSync(asset.identity, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 9 },
    }));
    return asset.br;
  }
  if (encoding === "gzip") {
    asset.gzip ??= new Uint8Array(gzipSync(asset.identity, { level: 9 }));
    return asset.gzip;
  }
  return asset.identity;
}

/**
 * The response to a `GET`/`HEAD` of the page or one of its files, or
 * `undefined` when `path` is none of them (`/` is the page only when the
 * caller decided the client is a browser).
 *
 * @example
 * ```ts ignore
 * const bytes = webAppResponse(head, "/app.js");
 * ```
 */
export function webAppResponse(
  head: HttpRequestHead,
  path: string,
): Uint8Array | undefined {
  const asset = _asset(path);
  if (asset === undefined) return undefined;
  const common = [
    "Server: DIM-Station",
    `ETag: ${asset.etag}`,
    "Cache-Control: no-cache",
    "Vary: Accept-Encoding",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: no-referrer",
    "Connection: close",
  ];
  if (path === "/") {
    common.push(
      `Content-Security-Policy: ${contentSecurityPolicy(_host(head))}`,
    );
  }
  const match = head.headers.get("if-none-match");
  if (
    match !== undefined && match.split(",").some((t) => t.trim() === asset.etag)
  ) {
    return _response("304 Not Modified", common, new Uint8Array(), true);
  }
  const encoding = _encoding(head);
  const body = _body(asset, encoding);
  const fields = [...common, `Content-Type: ${asset.type}`];
  if (encoding !== undefined) fields.push(`Content-Encoding: ${encoding}`);
  fields.push(`Content-Length: ${body.length}`);
  return _response("200 OK", fields, body, head.method === "HEAD");
}

function _response(
  status: string,
  fields: readonly string[],
  body: Uint8Array,
  omitBody: boolean,
): Uint8Array {
  const head = new TextEncoder().encode(
    `HTTP/1.1 ${status}\r\n${fields.join("\r\n")}\r\n\r\n`,
  );
  if (omitBody) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
