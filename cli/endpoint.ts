/**
 * Where a client-side subcommand (`dim client`, `dim bench`) finds the
 * station: `--station HOST:PORT` (else `[station] host:port` of the config)
 * and `--framing`.
 *
 * @module
 */
import type { Framing } from "../station/transport/mod.ts";
import { UsageError } from "./context.ts";
import type { CommandContext } from "./subcommand.ts";

/** The framings a client can dial. */
export const FRAMINGS: readonly Framing[] = ["mtp", "ws", "plain", "mars"];

/**
 * A station to dial.
 *
 * @example
 * ```ts
 * const endpoint: Endpoint = { host: "127.0.0.1", port: 9394, framing: "mtp" };
 * ```
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly framing: Framing;
}

/**
 * The station of `--station HOST:PORT` (`[v6]:port` too) and `--framing`
 * (default MTP); without `--station`, the config's `[station] host:port`
 * (a wildcard host dials 127.0.0.1).
 *
 * @throws {UsageError} a bad `--station` or `--framing`
 * @example
 * ```ts ignore
 * parseEndpoint(ctx, { station: "127.0.0.1:9394", framing: "ws" });
 * ```
 */
export function parseEndpoint(
  ctx: CommandContext,
  flags: { readonly station?: string; readonly framing?: string },
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
