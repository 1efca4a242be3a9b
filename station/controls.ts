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
 *
 * @module
 */
import { parseId } from "../dimp/identity/mod.ts";
import type { AdminRoute } from "./admin.ts";
import type { Session } from "./session.ts";
import type { Station } from "./station.ts";

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

const INDEX = `<!doctype html>
<meta charset="utf-8"><title>dim station admin</title>
<h1>dim station — admin</h1>
<ul>
<li><a href="/health">/health</a> — ok, or what fails (listener, store, neighbours, bots)
<li><a href="/metrics">/metrics</a> — Prometheus text format
<li><a href="/status">/status</a> — sessions, users online, offline queue, store, neighbours, bots
<li><a href="/sessions">/sessions</a> — every connection (<code>?user=ID</code>: one user's)
<li><code>POST /kick?user=ID</code> — close every connection of a user
</ul>
<p>The same from a shell: <code>dim status</code>, <code>dim sessions [--user ID]</code>, <code>dim kick ID</code>.
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
      handle: () => {
        const all = sessions();
        const byKind: Record<string, number> = {
          user: 0,
          station: 0,
          anonymous: 0,
        };
        const byFraming: Record<string, number> = {};
        const users = new Set<string>();
        for (const session of all) {
          byKind[kindOf(session)]++;
          byFraming[session.conn.framing] =
            (byFraming[session.conn.framing] ?? 0) + 1;
          if (kindOf(session) === "user") {
            users.add(session.identifier!.value);
          }
        }
        const db = station.store.db;
        const count = (sql: string) =>
          Number(Object.values(db.statement(sql).get() ?? {})[0] ?? 0);
        const neighbours = sources.neighbours?.() ?? [];
        const bots = sources.bots?.() ?? [];
        return Promise.resolve(json(200, {
          station: station.id.value,
          listening: `${station.hostname}:${station.port}`,
          sessions: { total: all.length, ...byKind },
          framings: byFraming,
          usersOnline: users.size,
          offline: {
            messages: count("SELECT count(*) FROM messages"),
            receivers: count("SELECT count(DISTINCT receiver) FROM messages"),
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
        }));
      },
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
