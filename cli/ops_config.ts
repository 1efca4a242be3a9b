/**
 * The operational settings of the config: `[log] level`, `[log] format` and
 * `[admin] listen` (the admin listener for /health and /metrics), with
 * their `DIM_LOG_LEVEL`, `DIM_LOG_FORMAT` and `DIM_ADMIN_LISTEN` overrides,
 * and the logger they make. Command-line flags (`--log`, `--log-format`,
 * `--admin`) go over them.
 *
 * @module
 */
import {
  type AdminAddress,
  AdminAddressError,
  parseAdminAddress,
} from "../station/ops/admin.ts";
import {
  type LogFormat,
  Logger,
  type LoggerOptions,
  LogOptionError,
  type LogThreshold,
  parseLogFormat,
  parseLogLevel,
} from "../client/logger.ts";
import { ConfigValueError, type DimConfig } from "./config.ts";
import { UsageError } from "./context.ts";

/** The default `[log] level`. */
export const DEFAULT_LOG_LEVEL: LogThreshold = "info";

/** The default `[log] format`. */
export const DEFAULT_LOG_FORMAT: LogFormat = "text";

/** The operational settings. */
export interface OpsConfig {
  /** `[log]`: what is logged and how. */
  readonly log: { readonly level: LogThreshold; readonly format: LogFormat };
  /** `[admin] listen`: where /health and /metrics are served; `undefined`: off. */
  readonly admin: AdminAddress | undefined;
  /** `[admin] token`: the bearer token of the admin listener (then other hosts may use it). */
  readonly adminToken?: string;
}

/** Command-line values that go over the config. */
export interface OpsFlags {
  /** `--log LEVEL` */
  readonly logLevel?: string;
  /** `--log-format json|text` */
  readonly logFormat?: string;
  /** `--admin HOST:PORT` (0: off) */
  readonly admin?: string;
}

function read<T>(
  config: DimConfig,
  section: string,
  key: string,
  flag: string | undefined,
  fallback: T,
  parse: (text: string) => T,
): T {
  const entry = config.ini.get(section)?.get(key);
  const origin = flag !== undefined ? "the command line" : entry?.origin;
  const text = flag ?? entry?.value;
  if (text === undefined || (flag === undefined && text === "")) {
    return fallback;
  }
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof LogOptionError || error instanceof AdminAddressError) {
      throw new ConfigValueError(
        origin ?? "<config>",
        section,
        key,
        error.message.replace(/^[a-z ]+ must/, "must"),
        { cause: error },
      );
    }
    throw error;
  }
}

/** `[admin] token` when set (the key left out otherwise). */
function adminToken(config: DimConfig): { adminToken?: string } {
  const token = config.ini.get("admin")?.get("token")?.value;
  return token === undefined || token === "" ? {} : { adminToken: token };
}

/**
 * Reads `[log]` and `[admin] listen` (the environment is already applied
 * to `config`), with command-line flags over them.
 *
 * @throws {ConfigValueError} a value that is not a level, format or address
 */
export function readOpsConfig(
  config: DimConfig,
  flags: OpsFlags = {},
): OpsConfig {
  return {
    log: {
      level: read(
        config,
        "log",
        "level",
        flags.logLevel,
        DEFAULT_LOG_LEVEL,
        parseLogLevel,
      ),
      format: read(
        config,
        "log",
        "format",
        flags.logFormat,
        DEFAULT_LOG_FORMAT,
        parseLogFormat,
      ),
    },
    admin: read(
      config,
      "admin",
      "listen",
      flags.admin,
      undefined as AdminAddress | undefined,
      parseAdminAddress,
    ),
    ...adminToken(config),
  };
}

/**
 * The root logger the settings describe (to stderr unless `options.sink`).
 */
export function loggerFor(
  ops: OpsConfig,
  options: Omit<LoggerOptions, "level" | "format"> = {},
): Logger {
  return Logger.create({
    ...options,
    level: ops.log.level,
    format: ops.log.format,
  });
}

/**
 * {@link readOpsConfig} for a subcommand: a bad flag is a usage error named
 * after it (exit 2), a bad config value stays a config error.
 *
 * @example
 * ```ts ignore
 * const ops = readOpsFlags("station", ctx.config, flags);
 * ```
 */
export function readOpsFlags(
  command: string,
  config: DimConfig,
  flags: OpsFlags,
): OpsConfig {
  try {
    return readOpsConfig(config, flags);
  } catch (error) {
    if (
      error instanceof ConfigValueError && error.origin === "the command line"
    ) {
      throw new UsageError(`${command}: ${error.message}`);
    }
    throw error;
  }
}
