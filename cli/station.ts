/**
 * `dim station`: runs the station on one port for every framing (MTP, Mars,
 * WebSocket, JSON lines) until SIGINT or SIGTERM.
 *
 * ```sh
 * dim [--data-dir DIR] [--db FILE] [--config FILE] station [--host H] [--port P] [--log LEVEL]
 * ```
 *
 * The identity: `[station] id`, else the store's station account, else a
 * new one made on this run — then the station listens on 127.0.0.1 unless
 * told otherwise (a first try stays local). One line on stderr says as whom,
 * where, and where the data is.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { levelLog, type LogLevel } from "../station/log.ts";
import { Station } from "../station/station.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const HELP = `usage: dim station [--host H] [--port P] [--log LEVEL]

  --host H      the address to listen on (default [station] bind, else 0.0.0.0;
                127.0.0.1 when this run makes the station's identity)
  --port P      the TCP port for every framing (default [station] port, else 9394;
                0 picks a free one)
  --log LEVEL   debug | info | warn | error | quiet (default warn), on stderr

The identity is [station] id, else the station account in the store, else a new
one (made and stored on the first run). See etc/dim.ini for every setting.`;

const LEVELS = ["debug", "info", "warn", "error", "quiet"];

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`station: --port must be 0..65535, not "${text}"`);
  }
  return port;
}

function parseFlags(args: string[]): {
  host?: string;
  port?: number;
  log: LogLevel | "quiet";
  help: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        log: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(`station: ${(e as Error).message.split(/\.\s/)[0]}`);
  }
  const log = values.log ?? "warn";
  if (!LEVELS.includes(log)) {
    throw new UsageError(`station: --log must be one of ${LEVELS.join(", ")}`);
  }
  if (values.host === "") throw new UsageError("station: --host is empty");
  return {
    host: values.host,
    port: values.port === undefined ? undefined : parsePort(values.port),
    log: log as LogLevel | "quiet",
    help: values.help === true,
  };
}

/** The first SIGINT or SIGTERM, once listened for; `dispose` stops listening. */
function stopSignal(): { signal: Promise<string>; dispose: () => void } {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const { promise, resolve } = Promise.withResolvers<string>();
  const handlers = signals.map((signal) => () => resolve(signal));
  signals.forEach((s, i) => Deno.addSignalListener(s, handlers[i]));
  const dispose = () =>
    signals.forEach((s, i) => Deno.removeSignalListener(s, handlers[i]));
  return { signal: promise, dispose };
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
  // listen for the stop signals before anyone can see the station running
  const stop = stopSignal();
  try {
    return await serve(ctx, flags, stop.signal);
  } finally {
    stop.dispose();
  }
}

/** Runs the station until `stopped` resolves. */
async function serve(
  ctx: CommandContext,
  flags: ReturnType<typeof parseFlags>,
  stopped: Promise<string>,
): Promise<number> {
  const config = ctx.config;
  const settings = config.station;
  const log = levelLog(flags.log, printErr);
  const section = config.ini.get("station");
  const explicit = (key: string) => (section?.get(key)?.value ?? "") !== "";
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
    log,
  });
  const host = station.hostname.includes(":")
    ? `[${station.hostname}]`
    : station.hostname;
  printErr(
    `dim station ${station.id.value} listening on ${host}:${station.port}` +
      ` (store ${ctx.storePath}${
        station.createdIdentity ? "; identity made on this run" : ""
      })`,
  );
  const signal = await stopped;
  log.info(`${signal}: stopping`);
  await station.stop();
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
