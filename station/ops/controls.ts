/**
 * The live view and controls of a running station, served on the admin
 * listener (`dim status`, `dim sessions`, `dim kick` read and use them):
 *
 * - `GET /` — an index of what the admin listener serves
 * - `GET /status` — sessions by kind and framing, users online, the
 *   offline queue, the store's size, neighbours and bots (JSON)
 * - `GET /sessions[?user=ID]` — each connection: id, user, kind, framing,
 *   remote address, since (JSON)
 * - `POST /kick?user=ID` — closes every connection of that user
 * - `POST /block?user=ID`, `POST /unblock?user=ID`, `GET /blocked` — the
 *   station's own block list (`../station_blocks.ts`): a blocked account's
 *   sessions are closed and its handshakes refused
 *
 * @module
 */
import { parseId } from "../../dimp/identity/mod.ts";
import type { AdminRoute } from "./admin.ts";
import type { MetricsRegistry } from "./metrics.ts";
import type { Session } from "../session.ts";
import type { Station } from "../station.ts";
import { setStationBlock, stationBlockList } from "../station_blocks.ts";

/** What the controls read besides the station. */
export interface ControlSources {
  /** The neighbour stations and whether each is connected now. */
  readonly neighbours?: () => readonly { id: string; up: boolean }[];
  /** The bots running in this process and whether each is connected. */
  readonly bots?: () => readonly { kind: string; id: string; up: boolean }[];
}

/** One connection as `/sessions` shows it. */
export interface SessionView {
  /** The connection's number (as in the log). */
  readonly conn: number;
  /** The user (or station) logged in on it; absent before the handshake. */
  readonly user?: string;
  /** `user`, `station` (a neighbour or bridge), or `anonymous`. */
  readonly kind: "user" | "station" | "anonymous";
  /** `mtp`, `mars`, `ws`, `plain`. */
  readonly framing: string;
  /** `host:port` of the peer. */
  readonly remote: string;
  /** When it connected (ISO 8601). */
  readonly since: string;
  /** Whether the user is active (not in the background). */
  readonly active: boolean;
}

function kindOf(session: Session): SessionView["kind"] {
  if (session.identifier === undefined) return "anonymous";
  return session.isStation ? "station" : "user";
}

function view(session: Session): SessionView {
  const conn = session.conn;
  return {
    conn: conn.id,
    ...(session.identifier === undefined
      ? {}
      : { user: session.identifier.value }),
    kind: kindOf(session),
    framing: conn.framing,
    remote: session.address,
    since: new Date(conn.connectedAt).toISOString(),
    active: session.active,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
    },
  });
}

function userParameter(url: URL): string | Response {
  const text = url.searchParams.get("user");
  if (text === null || text === "") {
    return json(400, { error: "name the user: ?user=ID" });
  }
  try {
    return parseId(text).withoutTerminal().value;
  } catch (error) {
    return json(400, {
      error: `"${text}" is not an ID: ${(error as Error).message}`,
    });
  }
}

/** What `/status` says (and the gauges of {@link registerStatusGauges}). */
export interface StationStatusView {
  /** The station's ID. */
  readonly station: string;
  /** `host:port` it listens on. */
  readonly listening: string;
  /** Connections: all, and by kind. */
  readonly sessions: {
    readonly total: number;
    readonly user: number;
    readonly station: number;
    readonly anonymous: number;
  };
  /** Connections by framing. */
  readonly framings: Readonly<Record<string, number>>;
  /** Distinct users logged in. */
  readonly usersOnline: number;
  /** Offline messages waiting in the store, and for how many receivers. */
  readonly offline: { readonly messages: number; readonly receivers: number };
  /** The store file and its size. */
  readonly store: { readonly path: string; readonly bytes: number };
  /** Neighbour stations: up, total, each. */
  readonly neighbours: {
    readonly up: number;
    readonly total: number;
    readonly list: readonly { id: string; up: boolean }[];
  };
  /** Bots in this process: up, total, each. */
  readonly bots: {
    readonly up: number;
    readonly total: number;
    readonly list: readonly { kind: string; id: string; up: boolean }[];
  };
}

/**
 * The station's state now (`GET /status`, `dim status`).
 *
 * @example
 * ```ts ignore
 * stationStatus(station).usersOnline;
 * ```
 */
export function stationStatus(
  station: Station,
  sources: ControlSources = {},
): StationStatusView {
  const sessions = { total: 0, user: 0, station: 0, anonymous: 0 };
  const framings: Record<string, number> = {};
  const users = new Set<string>();
  for (const session of station.center.all()) {
    const kind = kindOf(session);
    sessions.total++;
    sessions[kind]++;
    framings[session.conn.framing] = (framings[session.conn.framing] ?? 0) +
      1;
    if (kind === "user") users.add(session.identifier!.value);
  }
  const db = station.store.db;
  const count = (sql: string) =>
    Number(Object.values(db.statement(sql).get() ?? {})[0] ?? 0);
  const neighbours = sources.neighbours?.() ?? [];
  const bots = sources.bots?.() ?? [];
  return {
    station: station.id.value,
    listening: `${station.hostname}:${station.port}`,
    sessions,
    framings,
    usersOnline: users.size,
    offline: {
      // the per-receiver counts the store keeps: no scan of the messages
      messages: count("SELECT coalesce(sum(n), 0) FROM message_counts"),
      receivers: count("SELECT count(*) FROM message_counts WHERE n > 0"),
    },
    store: {
      path: db.path,
      bytes: count("PRAGMA page_count") * count("PRAGMA page_size"),
    },
    neighbours: {
      up: neighbours.filter((n) => n.up).length,
      total: neighbours.length,
      list: neighbours,
    },
    bots: {
      up: bots.filter((b) => b.up).length,
      total: bots.length,
      list: bots,
    },
  };
}

/**
 * Gauges read at scrape time from {@link stationStatus}:
 * `dim_sessions{kind}`, `dim_users_online`, `dim_offline_messages`,
 * `dim_store_bytes`, `dim_neighbours_up`, `dim_bots_up`.
 *
 * @example
 * ```ts ignore
 * registerStatusGauges(metrics.registry, station, sources);
 * ```
 */
export function registerStatusGauges(
  registry: MetricsRegistry,
  station: Station,
  sources: ControlSources = {},
): void {
  const sessions = registry.gauge(
    "dim_sessions",
    "Connections now, by kind (user, station, anonymous: not logged in).",
    ["kind"],
  );
  const users = registry.gauge("dim_users_online", "Distinct users logged in.");
  const offline = registry.gauge(
    "dim_offline_messages",
    "Offline messages waiting in the store.",
  );
  const bytes = registry.gauge("dim_store_bytes", "The store file's size.");
  const neighbours = registry.gauge(
    "dim_neighbours_up",
    "Neighbour stations connected now.",
  );
  const bots = registry.gauge("dim_bots_up", "Bots in this process connected.");
  registry.onCollect(() => {
    const now = stationStatus(station, sources);
    for (const kind of ["user", "station", "anonymous"] as const) {
      sessions.labels({ kind }).set(now.sessions[kind]);
    }
    users.set(now.usersOnline);
    offline.set(now.offline.messages);
    bytes.set(now.store.bytes);
    neighbours.set(now.neighbours.up);
    bots.set(now.bots.up);
  });
}

const INDEX = `<!doctype html>
<meta charset="utf-8"><title>dim station admin</title>
<h1>dim station — admin</h1>
<ul>
<li><a href="/health">/health</a> — ok, or what fails (listener, store, neighbours, bots)
<li><a href="/metrics">/metrics</a> — Prometheus text format
<li><a href="/status">/status</a> — sessions, users online, offline queue, store, neighbours, bots
<li><a href="/sessions">/sessions</a> — every connection (<code>?user=ID</code>: one user's)
<li><code>POST /kick?user=ID</code> — close every connection of a user
<li><code>POST /block?user=ID</code>, <code>POST /unblock?user=ID</code>, <a href="/blocked">/blocked</a> — shut an account out (its handshakes refused), let it back
</ul>
<p>The same from a shell: <code>dim status</code>, <code>dim sessions [--user ID]</code>, <code>dim kick ID</code>, <code>dim block ID</code>, <code>dim unblock ID</code>.
`;

/**
 * The admin routes of the live view and controls of `station`.
 *
 * @example
 * ```ts ignore
 * startAdmin({ port: 9395, routes: stationControls(station) });
 * ```
 */
export function stationControls(
  station: Station,
  sources: ControlSources = {},
): AdminRoute[] {
  const sessions = (): Session[] => [...station.center.all()];
  return [
    {
      method: "GET",
      path: "/",
      handle: () =>
        Promise.resolve(
          new Response(INDEX, {
            headers: { "content-type": "text/html; charset=utf-8" },
          }),
        ),
    },
    {
      method: "GET",
      path: "/status",
      handle: () => Promise.resolve(json(200, stationStatus(station, sources))),
    },
    {
      method: "GET",
      path: "/sessions",
      handle: (url) => {
        const filter = url.searchParams.has("user")
          ? userParameter(url)
          : undefined;
        if (filter instanceof Response) return Promise.resolve(filter);
        const list = sessions().map(view).filter((s) =>
          filter === undefined || s.user === filter
        );
        return Promise.resolve(json(200, { sessions: list }));
      },
    },
    ...(["block", "unblock"] as const).map((action): AdminRoute => ({
      method: "POST",
      path: `/${action}`,
      handle: (url) => {
        const user = userParameter(url);
        if (user instanceof Response) return Promise.resolve(user);
        const changed = setStationBlock(
          station.store,
          station.id,
          user,
          action === "block",
        );
        const closed = action === "block"
          ? sessions().filter((s) => s.identifier?.value === user)
          : [];
        for (const session of closed) session.conn.close();
        return Promise.resolve(json(200, {
          user,
          blocked: action === "block",
          changed,
          closed: closed.map((s) => s.conn.id),
        }));
      },
    })),
    {
      method: "GET",
      path: "/blocked",
      handle: () =>
        Promise.resolve(json(200, {
          blocked: [...stationBlockList(station.store, station.id)],
        })),
    },
    {
      method: "POST",
      path: "/kick",
      handle: (url) => {
        const user = userParameter(url);
        if (user instanceof Response) return Promise.resolve(user);
        const kicked = sessions().filter((s) => s.identifier?.value === user);
        for (const session of kicked) session.conn.close();
        return Promise.resolve(
          json(200, { user, closed: kicked.map((s) => s.conn.id) }),
        );
      },
    },
  ];
}
