/**
 * The admin listener: a small HTTP server apart from the station port, on
 * 127.0.0.1 unless told otherwise, for operators and their monitoring.
 *
 * - `GET /health` — `200 ok` when every health check passes, else `503`
 *   with `not ok` and one `name: reason` line per failing check (JSON with
 *   `Accept: application/json`).
 * - `GET /metrics` — the metrics in the Prometheus text format 0.0.4.
 * - the routes given (the station's live view and controls, `controls.ts`)
 * - anything else — `404`; a method other than GET or HEAD — `405`.
 *
 * Only loopback clients are served (`403` for others) unless a bearer
 * token is configured (`[admin] token`); then every request must carry it
 * (`401` without) and any client may.
 *
 * Configured by `dim station --admin HOST:PORT` or `[admin] listen`; port 0
 * there means off ({@linkcode parseAdminAddress}).
 *
 * @module
 */
import type { HealthChecks, HealthReport } from "./health.ts";
import type { Logger } from "../../client/logger.ts";
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";

/** The default admin address host. */
export const DEFAULT_ADMIN_HOST = "127.0.0.1";

/**
 * An admin address that cannot be read, or one that cannot be bound.
 *
 * @example
 * ```ts
 * try { parseAdminAddress("localhost:http"); } catch (e) { e instanceof AdminAddressError; }
 * ```
 */
export class AdminAddressError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AdminAddressError";
  }
}

/** Where the admin listener binds. */
export interface AdminAddress {
  /** The host (default 127.0.0.1). */
  readonly hostname: string;
  /** The TCP port (1..65535). */
  readonly port: number;
}

/**
 * Reads `PORT`, `HOST:PORT` or `[IPv6]:PORT`; `undefined` (off) for port 0,
 * `0`, `off` or an empty text.
 *
 * @throws {AdminAddressError} anything else
 * @example
 * ```ts
 * parseAdminAddress("9395"); // { hostname: "127.0.0.1", port: 9395 }
 * parseAdminAddress("[::1]:9395"); // { hostname: "::1", port: 9395 }
 * parseAdminAddress("127.0.0.1:0"); // undefined (off)
 * ```
 */
export function parseAdminAddress(text: string): AdminAddress | undefined {
  const value = text.trim();
  if (value === "" || value.toLowerCase() === "off") return undefined;
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]]+)):)?(\d{1,5})$/.exec(
    value,
  );
  if (match === null) {
    throw new AdminAddressError(
      `admin address must be PORT, HOST:PORT or [IPv6]:PORT, not "${text}"`,
    );
  }
  const port = Number(match[3]);
  if (port > 65535) {
    throw new AdminAddressError(
      `admin port must be 0..65535 (0: off), not ${port}`,
    );
  }
  if (port === 0) return undefined;
  return { hostname: match[1] ?? match[2] ?? DEFAULT_ADMIN_HOST, port };
}

/** One more thing the admin listener serves (the live view and controls). */
export interface AdminRoute {
  /** `GET` (HEAD too) or `POST`. */
  readonly method: "GET" | "POST";
  /** The exact path (`/status`). */
  readonly path: string;
  /** Answers the request. */
  handle(url: URL, request: Request): Promise<Response>;
}

/** What the admin listener serves. */
export interface AdminOptions {
  /** More routes: the station's live view and controls. */
  readonly routes?: readonly AdminRoute[];
  /**
   * A bearer token: when set, every request must carry
   * `Authorization: Bearer TOKEN`, and clients from other hosts are served;
   * without it only loopback clients are.
   */
  readonly token?: string;
  /** The host to bind (default 127.0.0.1). */
  readonly hostname?: string;
  /** The port (0 picks a free one — "off" is decided before, by the config). */
  readonly port: number;
  /** Served on `/metrics` (404 without). */
  readonly metrics?: MetricsRegistry;
  /** Run for `/health` (always ok without). */
  readonly health?: HealthChecks;
  /** Requests at debug, failures at warn. */
  readonly logger?: Logger;
}

/** A running admin listener. */
export interface AdminListener {
  /** The bound host. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** Stops it (open requests finish first). */
  close(): Promise<void>;
}

function text(
  status: number,
  body: string,
  type = "text/plain; charset=utf-8",
) {
  return new Response(body, {
    status,
    headers: { "content-type": type, "cache-control": "no-store" },
  });
}

/** Whether `hostname` is a loopback address (127.0.0.0/8, ::1). */
function isLoopback(hostname: string): boolean {
  return hostname === "::1" || /^(::ffff:)?127\./.test(hostname);
}

/** `undefined` when the request may be served, else the refusal. */
function admitted(
  request: Request,
  remote: string,
  token: string | undefined,
): Response | undefined {
  if (token === undefined) {
    return isLoopback(remote) ? undefined : text(
      403,
      "the admin listener serves loopback clients only: set [admin] token to serve others (with Authorization: Bearer)\n",
    );
  }
  const given = request.headers.get("authorization") ?? "";
  return given === `Bearer ${token}` ? undefined : new Response(
    "a bearer token is needed: Authorization: Bearer TOKEN ([admin] token)\n",
    {
      status: 401,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "www-authenticate": "Bearer",
      },
    },
  );
}

function healthResponse(report: HealthReport, json: boolean): Response {
  const status = report.ok ? 200 : 503;
  if (json) {
    return text(
      status,
      JSON.stringify({
        status: report.ok ? "ok" : "not ok",
        checks: report.checks,
      }) + "\n",
      "application/json",
    );
  }
  const lines = [report.ok ? "ok" : "not ok"];
  for (const check of report.checks) {
    if (!check.ok) lines.push(`${check.name}: ${check.reason}`);
  }
  return text(status, lines.join("\n") + "\n");
}

/**
 * Starts the admin listener.
 *
 * @throws {AdminAddressError} the address cannot be bound (in use, not local)
 * @example
 * ```ts
 * import { HealthChecks } from "./health.ts";
 * import { MetricsRegistry } from "./metrics.ts";
 * const admin = startAdmin({ port: 0, metrics: new MetricsRegistry(), health: new HealthChecks() });
 * const health = await fetch(`${admin.url}/health`); // 200, {"ok":true,...}
 * await health.body?.cancel();
 * await admin.close();
 * ```
 */
export function startAdmin(options: AdminOptions): AdminListener {
  const hostname = options.hostname ?? DEFAULT_ADMIN_HOST;
  const { metrics, health, logger } = options;
  const routes = options.routes ?? [];
  const handler = async (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> => {
    const url = new URL(request.url);
    const head = request.method === "HEAD";
    const refused = admitted(request, info.remoteAddr.hostname, options.token);
    if (refused !== undefined) {
      logger?.warn("admin request refused", {
        remote: info.remoteAddr.hostname,
        path: url.pathname,
        status: refused.status,
      });
      return refused;
    }
    const route = routes.find((r) =>
      r.path === url.pathname &&
      (r.method === request.method || (head && r.method === "GET"))
    );
    if (route === undefined && request.method !== "GET" && !head) {
      const response = text(405, "method not allowed\n");
      response.headers.set("allow", "GET, HEAD");
      return response;
    }
    let response: Response;
    if (route !== undefined) {
      response = await route.handle(url, request);
    } else if (url.pathname === "/health") {
      const report = health === undefined
        ? { ok: true, checks: [] }
        : await health.run();
      if (!report.ok) {
        logger?.warn("health check failed", {
          failing: report.checks.filter((c) => !c.ok),
        });
      }
      const json = (request.headers.get("accept") ?? "").includes(
        "application/json",
      );
      response = healthResponse(report, json);
    } else if (url.pathname === "/metrics" && metrics !== undefined) {
      response = text(200, metrics.expose(), PROMETHEUS_CONTENT_TYPE);
    } else {
      response = text(404, "not found\n");
    }
    logger?.debug("admin request", {
      method: request.method,
      path: url.pathname,
      status: response.status,
    });
    return head ? new Response(null, response) : response;
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port: options.port,
      onListen: () => {},
      onError: (error) => {
        logger?.error("admin request failed", { error });
        return text(500, "internal error\n");
      },
    }, handler);
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the address is in use"
      : error instanceof Deno.errors.AddrNotAvailable
      ? "the address is not on this host"
      : (error as Error).message;
    throw new AdminAddressError(
      `cannot listen on ${hostname}:${options.port} for the admin listener: ${reason}`,
      { cause: error },
    );
  }
  const addr = server.addr;
  const host = addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  logger?.info("admin listener", { address: `${host}:${addr.port}` });
  return {
    hostname: addr.hostname,
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    close: () => server.shutdown(),
  };
}
