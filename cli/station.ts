/**
 * `dim station`: runs the station on one port for every framing (MTP, Mars,
 * WebSocket, JSON lines) until SIGINT or SIGTERM.
 *
 * ```sh
 * dim [--data-dir DIR] [--db FILE] [--config FILE] station [--host H] [--port P]
 *     [--log LEVEL] [--log-format json|text] [--admin HOST:PORT] [--check]
 *     [--with-bots] [--no-self-warmup]
 *     [--neighbor HOST:PORT]...
 * ```
 *
 * The identity: `[station] id`, else the store's station account, else a
 * new one made on this run — then the station listens on 127.0.0.1 unless
 * told otherwise (a first try stays local). One line on stderr says as whom,
 * where, and where the data is. Under systemd (`Type=notify`) it says
 * READY=1 once listening and STOPPING=1 on a stop signal, and pings the
 * watchdog when asked to; SIGHUP re-reads `[log] level`, `[ans]` and the
 * neighbour list, and warns about each changed key that needs a restart. SIGINT / SIGTERM stop it: no new connections, every
 * connection closed politely, queued store writes committed, the store
 * closed, exit 0 — within `[station] shutdown_timeout` (10 s; after it the
 * store is committed and closed and the process exits all the same). With
 * `[admin] listen` (or `--admin`) a second, local listener serves /health
 * and /metrics. Neighbours (`--neighbor`, `[neighbors]`) are served by the
 * bridge (station/bridge), started once the station listens. Before it
 * listens, the station warms its own code on a stand-in of itself
 * (`[station] self_warmup` texts, `cli/station_warmup.ts`;
 * `--no-self-warmup` skips it). `--check` runs the checks of
 * `cli/station_check.ts` instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import denoJson from "../deno.json" with { type: "json" };
import type { RunningBot } from "../bots/mod.ts";
import { groupDeliveryMetrics, startStationBots } from "./station_bots.ts";
import { type AdminListener, startAdmin } from "../station/ops/admin.ts";
import { Bridge } from "../station/bridge/mod.ts";
import {
  downCheck,
  HealthChecks,
  listenerCheck,
  storeWritableCheck,
} from "../station/ops/health.ts";
import {
  registerStatusGauges,
  stationControls,
} from "../station/ops/controls.ts";
import type { Logger } from "../client/logger.ts";
import { SystemdNotifier, watchdogInterval } from "../station/ops/sd_notify.ts";
import {
  loadStationList,
  type NeighbourAddress,
  parseNeighbourAddress,
} from "../station/neighbours.ts";
import { StationListenError } from "../station/errors.ts";
import type { SignerThreads } from "../station/signer.ts";
import { Station, type StationOptions } from "../station/station.ts";
import { StationMetrics } from "../station/ops/station_metrics.ts";
import { type DimConfig, loadConfig } from "./config.ts";
import { restartChanges } from "./config_keys.ts";
import { bindFailure, exposureWarning, ListenError } from "./listen_error.ts";
import { UsageError } from "./context.ts";
import { listenSignals } from "./_signals.ts";
import {
  loggerFor,
  type OpsConfig,
  readOpsConfig,
  readOpsFlags,
} from "./ops_config.ts";
import { printErr, printOut } from "./output.ts";
import { checkStation, printCheck } from "./station_check.ts";
import { selfWarmup } from "./station_warmup.ts";
import { installCryptoEngine } from "../station/crypto_engine.ts";
import { type FdTableGrowth, growFdTable } from "../station/fd_table.ts";
import { installEcdsaChoice } from "../station/ecdsa_choice.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const HELP =
  `usage: dim station [--host H] [--port P] [--log LEVEL] [--log-format F] [--admin HOST:PORT]
                   [--with-bots] [--no-self-warmup] [--neighbor HOST:PORT]... [--check]

  --host H           the address to listen on (default [station] bind, else 0.0.0.0;
                     127.0.0.1 when this run makes the station's identity)
  --port P           the TCP port for every framing (default [station] port, else 9394;
                     0 picks a free one)
  --log LEVEL        debug | info | warn | error | quiet (default [log] level, else info)
  --log-format F     text | json (default [log] format, else text), on stderr
  --admin HOST:PORT  /health and /metrics there (default [admin] listen; 0: off)
  --check            check the config, identity, keys, data directory and ports,
                     one line each, and exit (0: all passed)
  --with-bots        run the archivist and the group assistant in this process
                     (default [station] with_bots, else off)
  --no-self-warmup   listen at once: skip routing [station] self_warmup texts (default
                     10000) through a stand-in of the station, in this process and on
                     a throwaway store, before listening
  --neighbor H:P     a neighbour station (repeatable); with [neighbors] stations,
                     source and output of the config: the bridge connects to each

The identity is [station] id, else the station account in the store, else a new
one (made and stored on the first run). SIGHUP re-reads [log] level, [ans] and
the neighbour list (and warns about each changed key that needs a restart); SIGTERM / SIGINT stop within [station] shutdown_timeout.
See etc/dim.ini for every setting.`;

interface StationFlags {
  readonly host?: string;
  readonly neighbors: readonly NeighbourAddress[];
  readonly port?: number;
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly admin?: string;
  readonly check: boolean;
  readonly withBots: boolean;
  readonly noSelfWarmup: boolean;
  readonly help: boolean;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`station: --port must be 0..65535, not "${text}"`);
  }
  return port;
}

/**
 * The flags of `dim station` that set a configuration value (`dim config
 * show` takes them too, to show what a start with them would use).
 *
 * @example
 * ```ts
 * import { STATION_SETTING_FLAGS } from "./station.ts";
 * Object.keys(STATION_SETTING_FLAGS).includes("port"); // true
 * ```
 */
export const STATION_SETTING_FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  log: { type: "string" },
  "log-format": { type: "string" },
  admin: { type: "string" },
} as const;

function parseFlags(args: string[]): StationFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...STATION_SETTING_FLAGS,
        check: { type: "boolean" },
        "with-bots": { type: "boolean" },
        "no-self-warmup": { type: "boolean" },
        neighbor: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw UsageError.fromParseArgs("station", e);
  }
  if (values.host === "") throw new UsageError("station: --host is empty");
  let neighbors: NeighbourAddress[];
  try {
    neighbors = (values.neighbor ?? []).map(parseNeighbourAddress);
  } catch (e) {
    throw new UsageError(`station: --neighbor: ${(e as Error).message}`);
  }
  return {
    host: values.host,
    neighbors,
    port: values.port === undefined ? undefined : parsePort(values.port),
    logLevel: values.log,
    logFormat: values["log-format"],
    admin: values.admin,
    check: values.check === true,
    withBots: values["with-bots"] === true,
    noSelfWarmup: values["no-self-warmup"] === true,
    help: values.help === true,
  };
}

/**
 * Runs the station until a stop signal; returns the exit status.
 *
 * @example
 * ```ts ignore
 * await runStation(ctx, ["--port", "9395"]);
 * ```
 */
export async function runStation(
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const flags = parseFlags(args);
  if (flags.help) {
    printOut(HELP);
    return 0;
  }
  if (flags.check) return printCheck(checkStation(ctx, flags));
  const ops = readOpsFlags("station", ctx.config, flags);
  const logger = loggerFor(ops, { fields: { process: "station" } });
  const notifier = new SystemdNotifier({
    onError: (error) => logger.warn(`systemd notification failed: ${error}`),
  });
  // listen for the signals before anyone can see the station running
  const running: Running = {};
  const signals = listenSignals(() => {
    void reload(ctx, flags, logger, notifier, running);
  });
  try {
    return await serve(
      ctx,
      flags,
      ops,
      logger,
      notifier,
      signals.stop,
      running,
    );
  } finally {
    signals.dispose();
  }
}

/** The station, its bridge and the config it started with (for SIGHUP). */
interface Running {
  station?: Station;
  bridge?: Bridge;
  config?: DimConfig;
}

/** {@link Station.start}; an address it cannot listen on is a sentence naming it. */
async function startStation(options: StationOptions): Promise<Station> {
  try {
    return await Station.start(options);
  } catch (error) {
    if (!(error instanceof StationListenError)) throw error;
    throw new ListenError(
      bindFailure(
        error.cause,
        error.hostname,
        error.port,
        "choose another with [station] port or --port (or [station] bind or --host)",
      ),
      { cause: error },
    );
  }
}

/**
 * The neighbours: `--neighbor` flags, `[neighbors] stations`, and the
 * `stations.json` of `[neighbors] source` / `output` — the config read
 * afresh each time (at the start, on SIGHUP, every 10 minutes).
 */
async function neighbourList(
  ctx: CommandContext,
  flags: StationFlags,
  logger: Logger,
): Promise<NeighbourAddress[]> {
  const config = loadConfig(ctx.configPath, ctx.env).neighbors;
  const listed = await loadStationList({
    source: config.source,
    output: config.output,
    onWarning: (error) => logger.warn(error.message),
  });
  return [...flags.neighbors, ...config.stations, ...listed];
}

/** SIGHUP: re-reads the config file's `[log] level`, `[ans]` records and the neighbours. */
async function reload(
  ctx: CommandContext,
  flags: StationFlags,
  logger: Logger,
  notifier: SystemdNotifier,
  running: Running,
): Promise<void> {
  await notifier.reloading();
  try {
    const config = loadConfig(ctx.configPath, ctx.env);
    const level = readOpsConfig(config, flags).log.level;
    // said at the old level and at the new one: one of them writes it
    logger.info("reloading the config", { level });
    logger.setLevel(level);
    running.station?.reload({ ans: config.ans });
    logger.info("reloaded the config", { level, ans: config.ans.size });
    for (const warning of config.warnings) logger.warn(warning.message);
    if (running.config !== undefined) {
      for (const change of restartChanges(running.config.ini, config.ini)) {
        logger.warn(`${change}: needs a restart (kept as it was)`);
      }
    }
  } catch (error) {
    logger.error(`reload failed, settings kept: ${error}`);
  }
  await running.bridge?.reload();
  await notifier.ready();
}

/**
 * The self warm-up before the station listens: its warmed signing threads
 * (none when it failed: a warning), or `"stopped"` when a stop signal came
 * during it (the station then does not start).
 */
async function warmUp(
  settings: DimConfig["station"],
  logger: Logger,
  stopped: Promise<string>,
  metrics: StationMetrics,
): Promise<SignerThreads | undefined | "stopped"> {
  const abort = new AbortController();
  void stopped.then(() => abort.abort());
  logger.info(
    `self warm-up: routing ${settings.selfWarmup} texts through a stand-in ` +
      "of the station before listening",
  );
  try {
    const report = await selfWarmup({
      texts: settings.selfWarmup,
      signers: settings.signers,
      decrypters: settings.decrypters,
      signal: abort.signal,
    });
    if (abort.signal.aborted) {
      report.signerThreads.close();
      return "stopped";
    }
    const { handshakes, texts, delivered, ms } = report;
    metrics.registry.gauge(
      "dim_self_warmup_texts",
      "Texts this station routed through a stand-in of itself before it listened.",
    ).set(texts);
    metrics.registry.gauge(
      "dim_self_warmup_seconds",
      "How long this station's self warm-up took.",
    ).set(ms / 1000);
    logger.info(
      `self warm-up: ${handshakes} handshakes, ${texts} texts in ` +
        `${(ms / 1000).toFixed(1)} s`,
      { handshakes, texts, delivered, ms },
    );
    return report.signerThreads;
  } catch (error) {
    if (abort.signal.aborted) return "stopped";
    logger.warn(`${(error as Error).message}; starting without it`);
    return undefined;
  }
}

/** Runs the station (and the admin listener) until `stopped` resolves. */
async function serve(
  ctx: CommandContext,
  flags: StationFlags,
  ops: OpsConfig,
  logger: Logger,
  notifier: SystemdNotifier,
  stopped: Promise<string>,
  running: Running,
): Promise<number> {
  const config = ctx.config;
  const settings = config.station;
  const section = config.ini.get("station");
  const explicit = (key: string) => (section?.get(key)?.value ?? "") !== "";
  const metrics = new StationMetrics({ version: denoJson.version });
  for (const warning of config.warnings) logger.warn(warning.message);
  // grown before anything listens, so that accepting max_connections never
  // stalls the main thread (station/fd_table.ts); said after the listening
  // line, as the engines are
  const fdTable = growFdTable(settings.maxConnections + FD_HEADROOM);
  // installed before the warm-up and the start; said after the listening
  // line, which stays the first
  const rsa = installCryptoEngine(settings.cryptoEngine);
  metrics.registry.gauge(
    "dim_crypto_engine",
    "The engine that runs RSA (the value is always 1).",
    ["engine"],
  ).labels({ engine: rsa.engine }).set(1);
  const ecdsa = installEcdsaChoice(settings.ecdsaEngine);
  metrics.registry.gauge(
    "dim_ecdsa_engine",
    "The engine that runs ECDSA secp256k1 (the value is always 1).",
    ["engine"],
  ).labels({ engine: ecdsa.engine }).set(1);
  let signerThreads: SignerThreads | undefined;
  if (!flags.noSelfWarmup && settings.selfWarmup > 0) {
    const warmed = await warmUp(settings, logger, stopped, metrics);
    if (warmed === "stopped") return 0;
    signerThreads = warmed;
  }
  // the warmed signing threads go to the station (closing them after is a
  // no-op then), else they are stopped here
  const station = await startStation({
    storePath: ctx.storePath,
    id: settings.id,
    name: settings.name,
    hostname: flags.host ?? settings.bind,
    port: flags.port ?? settings.port,
    publicHost: explicit("host") ? settings.host : undefined,
    publicPort: flags.port ?? (explicit("port") ? settings.port : undefined),
    ans: config.ans,
    checkSender: settings.checkSender,
    broadcastToUsers: settings.broadcastToUsers,
    verifyRouted: settings.verifyRouted,
    offlineRetention: settings.offlineRetention,
    offlineCap: settings.offlineCap,
    maxConnections: settings.maxConnections,
    maxSessionsPerIp: settings.maxSessionsPerIp,
    exemptLoopback: settings.exemptLoopback,
    rateLimits: {
      messagesPerSecond: settings.messageRate,
      messageBurst: settings.messageBurst,
      bytesPerSecond: settings.byteRate,
      byteBurst: settings.byteBurst,
    },
    loginTimeout: settings.loginTimeout * 1000,
    signers: settings.signers,
    signerThreads,
    decrypters: settings.decrypters,
    handshakeThreads: settings.handshakeThreads,
    gcAfterStorm: settings.gcAfterStorm * 1000,
    gcAfterStormGrowth: settings.gcAfterStormGrowth,
    preloadUsers: settings.preloadUsers,
    limits: {
      maxFrameBytes: settings.maxFrameBytes,
      idleTimeout: settings.idleTimeout * 1000,
      handshakeTimeout: settings.handshakeTimeout * 1000,
    },
    log: logger,
    metrics,
    neighbours: () => running.bridge?.neighbourIds() ?? [],
    bridged: (neighbour) => running.bridge?.reaches(neighbour) ?? false,
  }).finally(() => signerThreads?.close());
  running.station = station;
  running.config = config;
  const exposure = exposureWarning(
    station.hostname,
    explicit("host")
      ? settings.host
      : station.identity.visa.getProperty("host") as string | undefined,
  );
  if (exposure !== undefined) logger.warn(exposure);
  const onDropped = groupDeliveryMetrics(metrics.registry, station.store);
  let admin: AdminListener | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  let bots: RunningBot[] = [];
  try {
    if (flags.withBots || settings.withBots) {
      bots = await startStationBots(station, {
        ans: config.ans,
        log: (kind) => logger.child({ bot: kind }),
        assistant: { onDropped },
      });
      for (const bot of bots) {
        logger.info(`${bot.kind} ${bot.id.value} runs in this process`);
      }
    }
    if (ops.admin !== undefined) {
      const sources = {
        neighbours: () =>
          (running.bridge?.status() ?? [])
            .filter((n) => n.state !== "ourselves")
            .map((n) => ({
              id: n.id ?? `${n.host}:${n.port}`,
              up: n.state === "running",
            })),
        bots: () =>
          bots.map((bot) => ({
            kind: bot.kind,
            id: bot.id.value,
            up: bot.session.state === "running",
          })),
      };
      registerStatusGauges(metrics.registry, station, sources);
      const health = new HealthChecks();
      health.add("listener", listenerCheck(station.hostname, station.port));
      health.add("store", storeWritableCheck(ctx.storePath, station.store.db));
      health.add("neighbours", downCheck("neighbour", sources.neighbours));
      health.add("bots", downCheck("bot", sources.bots));
      admin = startAdmin({
        ...ops.admin,
        metrics: metrics.registry,
        health,
        logger,
        token: ops.adminToken,
        routes: stationControls(station, sources),
      });
    }
    const host = station.hostname.includes(":")
      ? `[${station.hostname}]`
      : station.hostname;
    const line = `dim station ${station.id.value} listening on ` +
      `${host}:${station.port}`;
    printErr(
      ops.log.format === "json"
        ? JSON.stringify({
          time: new Date().toISOString(),
          level: "info",
          msg: line,
          station: station.id.value,
          store: ctx.storePath,
          created: station.createdIdentity,
        })
        : `${line} (store ${ctx.storePath}${
          station.createdIdentity ? "; identity made on this run" : ""
        })`,
    );
    logger.info(rsa.summary);
    logger.info(ecdsa.summary);
    _logFdTable(logger, fdTable);
    await notifier.ready(`listening on ${host}:${station.port}`);
    running.bridge = await Bridge.start({
      station,
      neighbours: () => neighbourList(ctx, flags, logger),
      log: logger,
    });
    const every = watchdogInterval(ctx.env);
    if (every !== undefined) {
      watchdog = setInterval(() => void notifier.watchdog(), every);
    }
    const signal = await stopped;
    logger.info("stopping", { signal, bound: settings.shutdownTimeout });
    await notifier.stopping();
  } finally {
    clearInterval(watchdog);
    for (const bot of bots) await bot.close();
    await admin?.close();
    await running.bridge?.stop();
    await station.stop({ timeoutMs: settings.shutdownTimeout * 1000 });
  }
  return 0;
}

/**
 * The `station` subcommand.
 *
 * @example
 * ```ts ignore
 * const status = await station.run(ctx, ["--port", "0"]);
 * ```
 */
export const station: Subcommand = {
  summary: "run the station (every framing on one port, 9394 by default)",
  run: (ctx, args) => runStation(ctx, args),
};

/**
 * Descriptors beyond the connections: the store's files, the workers', the
 * admin listener, the neighbours' and the bots' connections.
 */
const FD_HEADROOM = 256;

/** What growing the descriptor table did, in one line. */
function _logFdTable(logger: Logger, grown: FdTableGrowth): void {
  const fields = { descriptors: grown.descriptors, ms: Math.round(grown.ms) };
  if (grown.skipped === undefined) {
    logger.info("descriptor table sized for the connections", fields);
  } else {
    logger.info(
      `descriptor table left to grow on demand: ${grown.skipped}`,
      fields,
    );
  }
}
