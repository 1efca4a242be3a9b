/**
 * What `dim client` and the bot subcommands share: the station endpoint
 * (`--station`, `--framing`), accounts named by ID or by the name of a
 * local account, the store, and a session that logs on stderr.
 *
 * @module
 */
import { ClientSession, type ClientSessionOptions } from "../client/mod.ts";
import { EntityType, type ID, tryParseId } from "../dimp/identity/mod.ts";
import { DialError, type Framing } from "../client/transport/mod.ts";
import { AccountError, Accounts, Store } from "../store/mod.ts";
import { UsageError } from "./context.ts";
import { printErr } from "./output.ts";
import type { CommandContext } from "./subcommand.ts";

/** The framings a client can speak. */
export const FRAMINGS: readonly Framing[] = ["mtp", "ws", "plain", "mars"];

/** Where the station is. */
export interface Endpoint {
  /** Host to dial. */
  readonly host: string;
  /** Port to dial. */
  readonly port: number;
  /** Framing to speak. */
  readonly framing: Framing;
}

/** The command-line options of the endpoint. */
export interface EndpointFlags {
  /** `--station HOST:PORT` */
  readonly station?: string;
  /** `--framing mtp|ws|plain|mars` */
  readonly framing?: string;
}

/**
 * A positive number from the command line.
 *
 * @throws {UsageError} not one
 */
export function parsePositive(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) {
    throw new UsageError(`${what} must be a positive number, not "${text}"`);
  }
  return value;
}

/**
 * `--station HOST:PORT` and `--framing`, else `[station] host:port` of the
 * config (a wildcard host dialled on 127.0.0.1), MTP.
 *
 * @throws {UsageError} a bad address or framing
 */
export function parseEndpoint(
  ctx: CommandContext,
  flags: EndpointFlags,
): Endpoint {
  const framing = (flags.framing ?? "mtp").toLowerCase() as Framing;
  if (!FRAMINGS.includes(framing)) {
    throw new UsageError(
      `--framing must be mtp, ws, plain or mars, not "${flags.framing}"`,
    );
  }
  if (flags.station === undefined) {
    const { host, port } = ctx.config.station;
    const dialable = host === "" || host === "0.0.0.0" || host === "::"
      ? "127.0.0.1"
      : host;
    return { host: dialable, port, framing };
  }
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(flags.station.trim());
  const port = Number(m?.[3]);
  if (m === null || !(port >= 1 && port <= 65535)) {
    throw new UsageError(
      `--station must be HOST:PORT (port 1..65535), not "${flags.station}"`,
    );
  }
  return { host: m[1] ?? m[2], port, framing };
}

/** The local accounts (private key here) whose visa is named `name`. */
export function localNamed(accounts: Accounts, name: string): ID[] {
  return accounts.ids({ localOnly: true }).filter((id) =>
    id.type === EntityType.USER || id.type === EntityType.BOT
      ? accounts.visa(id)?.name === name
      : false
  );
}

/**
 * An ID, or the name of a local account (`what` names the option).
 *
 * @throws {UsageError} neither, or a name several accounts have
 */
export function resolveAccount(
  accounts: Accounts,
  text: string,
  what: string,
): ID {
  const named = localNamed(accounts, text);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new UsageError(
      `${what}: ${named.length} local accounts are named "${text}": give the ID (${
        named.map((id) => id.value).join(", ")
      })`,
    );
  }
  const id = tryParseId(text.trim());
  if (id === undefined || id.isBroadcast) {
    throw new UsageError(
      `${what}: "${text}" is neither an ID nor the name of an account in this store`,
    );
  }
  return id.withoutTerminal();
}

/**
 * An account of this store that can sign and decrypt.
 *
 * @throws {AccountError} its private key is not here
 */
export function resolveLocal(
  accounts: Accounts,
  text: string,
  what: string,
): ID {
  const id = resolveAccount(accounts, text, what);
  if (accounts.identityKey(id) === undefined) {
    throw new AccountError(
      `${what}: the private key of ${id.value} is not in the store ${accounts.store.db.path} (dim client register <name> makes one)`,
    );
  }
  return id;
}

/** The store of the context, with the account facade over it. */
export function openAccounts(ctx: CommandContext): Accounts {
  return new Accounts(Store.open({ path: ctx.storePath }));
}

/** A session for `user` at the endpoint, logging on stderr (all of it with `verbose`). */
export function openSession(
  accounts: Accounts,
  user: ID,
  endpoint: Endpoint,
  verbose: boolean,
  extra: Partial<ClientSessionOptions> = {},
): ClientSession {
  return new ClientSession({
    accounts,
    user,
    host: endpoint.host,
    port: endpoint.port,
    framing: endpoint.framing,
    onLog: verbose
      ? (level, text) => printErr(`dim client: [${level}] ${text}`)
      : (level, text) => {
        if (level === "warn") printErr(`dim client: ${text}`);
      },
    ...extra,
  });
}

/** Handshake limits that fit in `seconds` (one 30 s attempt per 30 s). */
export function handshakeWithin(
  seconds: number,
): Partial<ClientSessionOptions> {
  const perAttempt = Math.min(30, seconds);
  return {
    handshakeTimeout: perAttempt * 1000,
    handshakeAttempts: Math.max(1, Math.floor(seconds / perAttempt)),
  };
}

/**
 * Connects; a station that cannot be reached is said clearly.
 *
 * @throws {DialError} no station at the endpoint
 * @throws {HandshakeTimeoutError} the station did not accept
 */
export async function connect(
  session: ClientSession,
  endpoint: Endpoint,
  who = "dim client",
): Promise<void> {
  try {
    await session.connect();
  } catch (error) {
    throw explainDialError(error, endpoint);
  }
  printErr(
    `${who}: ${session.user.value} connected to ${
      session.station?.value ?? "the station"
    } at ${endpoint.host}:${endpoint.port} (${endpoint.framing})`,
  );
}

/**
 * A failed dial said with the endpoint (other errors as they are).
 *
 * @example
 * ```ts ignore
 * try { await session.connect(); } catch (e) { throw explainDialError(e, endpoint); }
 * ```
 */
export function explainDialError(error: unknown, endpoint: Endpoint): unknown {
  if (!(error instanceof DialError)) return error;
  return new DialError(
    `cannot reach a station at ${endpoint.host}:${endpoint.port} (${endpoint.framing}): ${error.message}; is it running?`,
    { cause: error },
  );
}
