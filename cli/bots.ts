/**
 * `dim archivist` and `dim assistant`: the search bot and the group
 * assistant as their own processes — DIM clients of the station named by
 * `--station` (else `[station] host:port`), sharing the store (the data
 * directory) with a station on this machine, until SIGINT or SIGTERM.
 *
 * ```sh
 * dim [--data-dir DIR] [--config FILE] archivist [--station HOST:PORT] [--framing F]
 *     [--log LEVEL] [--log-format text|json]
 * ```
 *
 * The bot's identity: `[ans] archivist` (`assistant`), else the store's ANS
 * record, else a new bot account made and stored on this run (its ANS
 * record set, so that a station on the same store routes
 * `archivist@anywhere` to it). One line on stderr says as whom, to which
 * station and where the data is; under systemd (`Type=notify`) READY=1
 * follows the first handshake and STOPPING=1 a stop signal.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type BotKind, findBotIdentity, startBot } from "../bots/mod.ts";
import type { Logger } from "../client/logger.ts";
import { SystemdNotifier } from "../station/ops/sd_notify.ts";
import { Accounts, Store } from "../store/mod.ts";
import { explainDialError, parseEndpoint } from "./_client_common.ts";
import { loadConfig } from "./config.ts";
import { UsageError } from "./context.ts";
import { listenSignals } from "./_signals.ts";
import { loggerFor, readOpsConfig, readOpsFlags } from "./ops_config.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const WHAT: Record<BotKind, string> = {
  archivist: "the search bot: search, users (online), storage/contacts",
  assistant: "the group assistant: group membership, splitting group messages",
};

function help(kind: BotKind): string {
  return `usage: dim ${kind} [--station HOST:PORT] [--framing F] [--log LEVEL] [--log-format F]

${WHAT[kind]}, a DIM client of a station (station.md §6).

  --station HOST:PORT  the station (default [station] host:port of the config,
                       else 127.0.0.1:9394)
  --framing F          mtp (default), ws, plain, mars
  --log LEVEL          debug | info | warn | error | quiet (default [log] level)
  --log-format F       text | json (default [log] format), on stderr

Its identity is [ans] ${kind}, else the store's ANS record "${kind}", else a
new bot account made and stored on this run. SIGHUP re-reads [log] level;
SIGINT or SIGTERM stop it.${
    kind === "assistant"
      ? `

A group message for a member whose visa is not known yet is kept in the
store (bounded by [station] offline_retention and offline_cap) and sent when
the visa comes.`
      : ""
  }`;
}

interface BotFlags {
  readonly station?: string;
  readonly framing?: string;
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly help: boolean;
}

function parseFlags(kind: BotKind, args: string[]): BotFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        station: { type: "string" },
        framing: { type: "string" },
        log: { type: "string" },
        "log-format": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw UsageError.fromParseArgs(kind, e);
  }
  return {
    station: values.station,
    framing: values.framing,
    logLevel: values.log,
    logFormat: values["log-format"],
    help: values.help === true,
  };
}

/** SIGHUP: re-reads the config file's `[log] level` (as the station does). */
async function reloadLogLevel(
  ctx: CommandContext,
  flags: BotFlags,
  logger: Logger,
  notifier: SystemdNotifier,
): Promise<void> {
  await notifier.reloading();
  try {
    const config = loadConfig(ctx.configPath, ctx.env);
    const level = readOpsConfig(config, flags).log.level;
    logger.setLevel(level);
    logger.info("reloaded the log level", { level });
  } catch (error) {
    logger.error(`reload failed, settings kept: ${error}`);
  }
  await notifier.ready();
}

/**
 * Runs a bot until a stop signal; returns the exit status.
 *
 * @example
 * ```ts ignore
 * await runBot("archivist", ctx, ["--station", "127.0.0.1:9394"]);
 * ```
 */
export async function runBot(
  kind: BotKind,
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const flags = parseFlags(kind, args);
  if (flags.help) {
    printOut(help(kind));
    return 0;
  }
  const endpoint = parseEndpoint(ctx, flags);
  const ops = readOpsFlags(kind, ctx.config, flags);
  const logger = loggerFor(ops, { fields: { process: kind } });
  const notifier = new SystemdNotifier({
    onError: (error) => logger.warn(`systemd notification failed: ${error}`),
  });
  // listen for the signals before anyone can see the bot running
  const listening = listenSignals(() => {
    void reloadLogLevel(ctx, flags, logger, notifier);
  });
  // the group messages kept for a member's visa: the bounds of the offline
  // messages of the station on this store ([station] offline_retention, offline_cap)
  const accounts = new Accounts(Store.open({
    path: ctx.storePath,
    retentionSeconds: ctx.config.station.offlineRetention,
    offlineCap: ctx.config.station.offlineCap,
  }));
  try {
    const identity = await findBotIdentity(
      accounts,
      kind,
      ctx.config.ans.get(kind),
    );
    const bot = await startBot(kind, {
      accounts,
      id: identity.id,
      host: endpoint.host,
      port: endpoint.port,
      framing: endpoint.framing,
      log: logger,
    }).catch((error) => {
      throw explainDialError(error, endpoint);
    });
    try {
      printErr(
        `dim ${kind} ${bot.id.value} connected to ${
          bot.session.station?.value ?? "the station"
        } at ${endpoint.host}:${endpoint.port} (store ${ctx.storePath}${
          identity.created ? "; identity made on this run" : ""
        })`,
      );
      await notifier.ready(`connected to ${endpoint.host}:${endpoint.port}`);
      const signal = await listening.stop;
      logger.info("stopping", { signal });
      await notifier.stopping();
    } finally {
      await bot.close();
    }
    return 0;
  } finally {
    listening.dispose();
    accounts.store.close();
  }
}

/**
 * The `archivist` subcommand.
 *
 * @example
 * ```ts ignore
 * const status = await archivist.run(ctx, ["--station", "127.0.0.1:9394"]);
 * ```
 */
export const archivist: Subcommand = {
  summary: "the search bot (search, online users, contacts) as its own process",
  run: (ctx, args) => runBot("archivist", ctx, args),
};

/**
 * The `assistant` subcommand.
 *
 * @example
 * ```ts ignore
 * const status = await assistant.run(ctx, ["--station", "127.0.0.1:9394"]);
 * ```
 */
export const assistant: Subcommand = {
  summary:
    "the group assistant (membership, group messages) as its own process",
  run: (ctx, args) => runBot("assistant", ctx, args),
};
