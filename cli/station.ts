/**
 * `dim station`: runs the station on one port for every framing (MTP, Mars,
 * WebSocket, JSON lines) until SIGINT or SIGTERM.
 *
 * ```sh
 * dim [--data-dir DIR] [--db FILE] [--config FILE] station [--host H] [--port P]
 *     [--log LEVEL] [--log-format json|text] [--admin HOST:PORT]
 *     [--neighbor HOST:PORT]...
 * ```
 *
 * The identity: `[station] id`, else the store's station account, else a
 * new one made on this run — then the station listens on 127.0.0.1 unless
 * told otherwise (a first try stays local). One line on stderr says as whom,
 * where, and where the data is. Under systemd (`Type=notify`) it says
 * READY=1 once listening and STOPPING=1 on a stop signal, and pings the
 * watchdog when asked to; SIGHUP re-reads `[log] level` and the neighbour
 * list. With `[admin] listen` (or `--admin`) a second, local listener
 * serves /health and /metrics. Neighbours (`--neighbor`, `[neighbors]`)
 * are served by the bridge (station/bridge), started once the station
 * listens.
 *
 * @module
 */
import { parseArgs } from "node:util";
import denoJson from "../deno.json" with { type: "json" };
import { type AdminListener, startAdmin } from "../station/admin.ts";
import { Bridge } from "../station/bridge/mod.ts";
import { HealthChecks, storeWritableCheck } from "../station/health.ts";
import type { Logger } from "../station/logger.ts";
import { SystemdNotifier, watchdogInterval } from "../station/sd_notify.ts";
import {
  loadStationList,
  type NeighbourAddress,
  parseNeighbourAddress,
} from "../station/neighbours.ts";
import { Station } from "../station/station.ts";
import { StationMetrics } from "../station/station_metrics.ts";
import { ConfigValueError, loadConfig } from "./config.ts";
import { UsageError } from "./context.ts";
import { loggerFor, type OpsConfig, readOpsConfig } from "./ops_config.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const HELP =
  `usage: dim station [--host H] [--port P] [--log LEVEL] [--log-format F] [--admin HOST:PORT]
                   [--neighbor HOST:PORT]...

  --host H           the address to listen on (default [station] bind, else 0.0.0.0;
                     127.0.0.1 when this run makes the station's identity)
  --port P           the TCP port for every framing (default [station] port, else 9394;
                     0 picks a free one)
  --log LEVEL        debug | info | warn | error | quiet (default [log] level, else info)
  --log-format F     text | json (default [log] format, else text), on stderr
  --admin HOST:PORT  /health and /metrics there (default [admin] listen; 0: off)
  --neighbor H:P     a neighbour station (repeatable); with [neighbors] stations,
                     source and output of the config: the bridge connects to each

The identity is [station] id, else the station account in the store, else a new
one (made and stored on the first run). SIGHUP re-reads [log] level and the
neighbour list. See etc/dim.ini for every setting.`;

interface StationFlags {
  readonly host?: string;
  readonly neighbors: readonly NeighbourAddress[];
  readonly port?: number;
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly admin?: string;
  readonly help: boolean;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`station: --port must be 0..65535, not "${text}"`);
  }
  return port;
}

function parseFlags(args: string[]): StationFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        log: { type: "string" },
        "log-format": { type: "string" },
        admin: { type: "string" },
        neighbor: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(`station: ${(e as Error).message.split(/\.\s/)[0]}`);
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
    help: values.help === true,
  };
}

/** The operational settings; a bad flag is a usage error. */
function opsOf(ctx: CommandContext, flags: StationFlags): OpsConfig {
  try {
    return readOpsConfig(ctx.config, flags);
  } catch (error) {
    if (
      error instanceof ConfigValueError && error.origin === "the command line"
    ) {
      throw new UsageError(`station: ${error.message}`);
    }
    throw error;
  }
}

/** The signals the station reacts to, listened for until `dispose`. */
function listenSignals(onReload: () => void): {
  stop: Promise<string>;
  dispose: () => void;
} {
  const { promise, resolve } = Promise.withResolvers<string>();
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", () => resolve("SIGINT")],
    ["SIGTERM", () => resolve("SIGTERM")],
    ["SIGHUP", onReload],
  ];
  for (const [signal, handler] of handlers) {
    Deno.addSignalListener(signal, handler);
  }
  const dispose = () => {
    for (const [signal, handler] of handlers) {
      Deno.removeSignalListener(signal, handler);
    }
  };
  return { stop: promise, dispose };
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
  const ops = opsOf(ctx, flags);
  const logger = loggerFor(ops, { fields: { process: "station" } });
  const notifier = new SystemdNotifier({
    onError: (error) => logger.warn(`systemd notification failed: ${error}`),
  });
  const network: Network = {};
  // listen for the signals before anyone can see the station running
  const signals = listenSignals(() => {
    void reload(ctx, flags, logger, notifier, network);
  });
  try {
    return await serve(
      ctx,
      flags,
      ops,
      logger,
      notifier,
      network,
      signals.stop,
    );
  } finally {
    signals.dispose();
  }
}

/** The station's bridge, once running (SIGHUP reloads its neighbours). */
interface Network {
  bridge?: Bridge;
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

/** SIGHUP: re-reads the config file's `[log] level` and the neighbours. */
async function reload(
  ctx: CommandContext,
  flags: StationFlags,
  logger: Logger,
  notifier: SystemdNotifier,
  network: Network,
): Promise<void> {
  await notifier.reloading();
  try {
    const config = loadConfig(ctx.configPath, ctx.env);
    const level = readOpsConfig(config, flags).log.level;
    // said at the old level and at the new one: one of them writes it
    logger.info("reloading the log level", { level });
    logger.setLevel(level);
    logger.info("reloaded the log level", { level });
  } catch (error) {
    logger.error(`reload failed, settings kept: ${error}`);
  }
  await network.bridge?.reload();
  await notifier.ready();
}

/** Runs the station (and the admin listener) until `stopped` resolves. */
async function serve(
  ctx: CommandContext,
  flags: StationFlags,
  ops: OpsConfig,
  logger: Logger,
  notifier: SystemdNotifier,
  network: Network,
  stopped: Promise<string>,
): Promise<number> {
  const config = ctx.config;
  const settings = config.station;
  const section = config.ini.get("station");
  const explicit = (key: string) => (section?.get(key)?.value ?? "") !== "";
  const metrics = new StationMetrics({ version: denoJson.version });
  const station = await Station.start({
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
    signers: settings.signers,
    limits: {
      maxFrameBytes: settings.maxFrameBytes,
      idleTimeout: settings.idleTimeout * 1000,
      handshakeTimeout: settings.handshakeTimeout * 1000,
    },
    log: logger,
    metrics,
    neighbours: () => network.bridge?.neighbourIds() ?? [],
    bridged: (neighbour) => network.bridge?.reaches(neighbour) ?? false,
  });
  let admin: AdminListener | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  try {
    if (ops.admin !== undefined) {
      const health = new HealthChecks();
      health.add("store", storeWritableCheck(ctx.storePath));
      admin = startAdmin({
        ...ops.admin,
        metrics: metrics.registry,
        health,
        logger,
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
    await notifier.ready(`listening on ${host}:${station.port}`);
    network.bridge = await Bridge.start({
      station,
      neighbours: () => neighbourList(ctx, flags, logger),
      log: logger,
    });
    const every = watchdogInterval(ctx.env);
    if (every !== undefined) {
      watchdog = setInterval(() => void notifier.watchdog(), every);
    }
    const signal = await stopped;
    logger.info("stopping", { signal });
    await notifier.stopping();
  } finally {
    clearInterval(watchdog);
    await admin?.close();
    await network.bridge?.stop();
    await station.stop();
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
