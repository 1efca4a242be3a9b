/**
 * `dim status`, `dim sessions [--user ID]`, `dim kick ID`: the live view
 * and controls of a running station, through its admin listener
 * (`[admin] listen` or `--admin HOST:PORT`; `[admin] token` or
 * `DIM_ADMIN_TOKEN` as the bearer token when one is set).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type AdminAddress, parseAdminAddress } from "../station/ops/admin.ts";
import { UsageError } from "./context.ts";
import { hostPort } from "./listen_error.ts";
import { readOpsFlags } from "./ops_config.ts";
import { printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

/**
 * The admin listener could not be asked (not running, refused, an error).
 *
 * @example
 * ```ts
 * import { AdminRequestError } from "./admin_client.ts";
 * new AdminRequestError("nothing answers at http://127.0.0.1:9395");
 * ```
 */
export class AdminRequestError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AdminRequestError";
  }
}

const HELP = {
  status: `usage: dim status [--admin HOST:PORT] [--json]

The running station's sessions by kind and framing, users online, offline
queue, store size, neighbours and bots up — from its admin listener
([admin] listen, or --admin).`,
  sessions: `usage: dim sessions [--user ID] [--admin HOST:PORT] [--json]

Every connection of the running station: number, user, kind, framing,
remote address, since (--user: one user's).`,
  kick: `usage: dim kick ID [--admin HOST:PORT]

Closes every connection of the user ID on the running station (the client
may connect again).`,
  block: `usage: dim block ID [--admin HOST:PORT]

Shuts the account ID out of the running station: its connections are closed
and its handshakes refused until dim unblock ID (kept in the store).`,
  unblock: `usage: dim unblock ID [--admin HOST:PORT]

Lets the account ID back in (see dim block).`,
} as const;

type Command = keyof typeof HELP;

async function ask(
  address: AdminAddress,
  token: string | undefined,
  method: "GET" | "POST",
  path: string,
): Promise<Record<string, unknown>> {
  const url = `http://${hostPort(address.hostname, address.port)}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new AdminRequestError(
      `nothing answers at ${url} (is the station running with [admin] listen or --admin?): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  const body = await response.text();
  if (!response.ok) {
    throw new AdminRequestError(
      `${url} answered ${response.status}: ${body.trim()}`,
    );
  }
  return JSON.parse(body);
}

function row(cells: readonly unknown[], widths: readonly number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join("  ")
    .trimEnd();
}

function printStatus(status: Record<string, unknown>): void {
  const s = status as {
    station: string;
    listening: string;
    sessions: Record<string, number>;
    framings: Record<string, number>;
    usersOnline: number;
    offline: { messages: number; receivers: number };
    store: { path: string; bytes: number };
    neighbours: { up: number; total: number };
    bots: { up: number; total: number; list: { kind: string; up: boolean }[] };
  };
  const framings = Object.entries(s.framings).map(([f, n]) => `${f} ${n}`)
    .join(", ") || "none";
  printOut(`station       ${s.station} on ${s.listening}`);
  printOut(
    `sessions      ${s.sessions.total} (users ${s.sessions.user}, stations ${s.sessions.station}, not logged in ${s.sessions.anonymous}; ${framings})`,
  );
  printOut(`users online  ${s.usersOnline}`);
  printOut(
    `offline       ${s.offline.messages} messages for ${s.offline.receivers} receivers`,
  );
  printOut(
    `store         ${s.store.path} (${
      (s.store.bytes / 1024 / 1024).toFixed(2)
    } MiB)`,
  );
  printOut(`neighbours    ${s.neighbours.up} of ${s.neighbours.total} up`);
  printOut(
    `bots          ${s.bots.up} of ${s.bots.total} up${
      s.bots.list.length === 0
        ? ""
        : ` (${
          s.bots.list.map((b) => `${b.kind} ${b.up ? "up" : "down"}`).join(
            ", ",
          )
        })`
    }`,
  );
}

async function run(
  command: Command,
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        admin: { type: "string" },
        user: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs(command, e);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    printOut(HELP[command]);
    return 0;
  }
  const wanted = command === "status" || command === "sessions" ? 0 : 1;
  if (positionals.length !== wanted) {
    throw new UsageError(HELP[command].split("\n")[0]);
  }
  if (values.user !== undefined && command !== "sessions") {
    throw new UsageError(`${command}: --user is for dim sessions`);
  }
  const ops = readOpsFlags(command, ctx.config, { admin: values.admin });
  const address = ops.admin ??
    (values.admin === undefined ? undefined : parseAdminAddress(values.admin));
  if (address === undefined) {
    throw new UsageError(
      `${command}: the admin listener is off: name it with --admin HOST:PORT or [admin] listen`,
    );
  }
  if (command === "status") {
    const status = await ask(address, ops.adminToken, "GET", "/status");
    if (values.json) printOut(JSON.stringify(status));
    else printStatus(status);
    return 0;
  }
  if (command === "sessions") {
    const query = values.user === undefined
      ? ""
      : `?user=${encodeURIComponent(values.user)}`;
    const { sessions } = await ask(
      address,
      ops.adminToken,
      "GET",
      `/sessions${query}`,
    ) as { sessions: Record<string, unknown>[] };
    if (values.json) {
      for (const s of sessions) printOut(JSON.stringify(s));
      return 0;
    }
    const widths = [6, 46, 9, 7, 21];
    printOut(
      row(["CONN", "USER", "KIND", "FRAMING", "REMOTE", "SINCE"], widths),
    );
    for (const s of sessions) {
      printOut(
        row(
          [s.conn, s.user ?? "-", s.kind, s.framing, s.remote, s.since],
          widths,
        ),
      );
    }
    return 0;
  }
  if (command === "block" || command === "unblock") {
    const { changed, closed } = await ask(
      address,
      ops.adminToken,
      "POST",
      `/${command}?user=${encodeURIComponent(positionals[0])}`,
    ) as { changed: boolean; closed: number[] };
    printOut(
      `${command === "block" ? "blocked" : "unblocked"} ${positionals[0]}${
        changed ? "" : " (it already was)"
      }${closed.length > 0 ? `; closed ${closed.length} connection(s)` : ""}`,
    );
    return 0;
  }
  const { closed } = await ask(
    address,
    ops.adminToken,
    "POST",
    `/kick?user=${encodeURIComponent(positionals[0])}`,
  ) as { closed: number[] };
  printOut(
    `closed ${closed.length} connection(s) of ${positionals[0]}${
      closed.length === 0 ? " (not connected)" : ""
    }`,
  );
  return closed.length === 0 ? 1 : 0;
}

/**
 * `dim status`.
 *
 * @example
 * ```ts ignore
 * await statusCommand.run(ctx, ["--admin", "127.0.0.1:9395"]);
 * ```
 */
export const statusCommand: Subcommand = {
  summary:
    "the running station: sessions, users online, queue, store, neighbours, bots",
  run: (ctx, args) => run("status", ctx, args),
};

/**
 * `dim sessions [--user ID]`.
 *
 * @example
 * ```ts ignore
 * await sessionsCommand.run(ctx, ["--user", "bob@…"]);
 * ```
 */
export const sessionsCommand: Subcommand = {
  summary: "the running station's connections (--user ID: one user's)",
  run: (ctx, args) => run("sessions", ctx, args),
};

/**
 * `dim kick ID`.
 *
 * @example
 * ```ts ignore
 * await kickCommand.run(ctx, ["bob@…"]);
 * ```
 */
export const kickCommand: Subcommand = {
  summary: "close every connection of a user on the running station",
  run: (ctx, args) => run("kick", ctx, args),
};

/**
 * `dim block ID`.
 *
 * @example
 * ```ts ignore
 * await blockCommand.run(ctx, ["mallory@…"]);
 * ```
 */
export const blockCommand: Subcommand = {
  summary: "shut an account out of the running station (dim unblock ID: back)",
  run: (ctx, args) => run("block", ctx, args),
};

/**
 * `dim unblock ID`.
 *
 * @example
 * ```ts ignore
 * await unblockCommand.run(ctx, ["mallory@…"]);
 * ```
 */
export const unblockCommand: Subcommand = {
  summary: "let a blocked account back into the running station",
  run: (ctx, args) => run("unblock", ctx, args),
};
