/**
 * The bots inside the station's process (`dim station --with-bots`): the
 * same bots as `dim archivist` and `dim assistant`, sharing the station's
 * store (and its account cache), each a client of the station over
 * loopback like any other. Their identities are found or made on the first
 * run like the station's own, and the store's ANS records point at them
 * unless `[ans]` names others.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import type { StationLog } from "../client/log.ts";
import type { Station } from "../station/station.ts";
import { BOT_KINDS, type RunningBot, startBot } from "../bots/bot.ts";
import { findBotIdentity } from "../bots/identity.ts";
import type { ClientSessionOptions } from "../client/mod.ts";

/** How the in-process bots run. */
export interface StationBotsOptions {
  /** `[ans]` records: an ID configured for a bot is used as the bot. */
  readonly ans?: ReadonlyMap<string, ID>;
  /** Where each bot logs (named by its kind). */
  readonly log?: (kind: string) => StationLog;
  /** Session settings over the defaults. */
  readonly session?: Partial<ClientSessionOptions>;
}

/**
 * The address to dial a station bound to `hostname` at: loopback for a
 * wildcard bind.
 *
 * @example
 * ```ts
 * dialableHost("0.0.0.0"); // "127.0.0.1"
 * ```
 */
export function dialableHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1";
  if (hostname === "::" || hostname === "[::]") return "::1";
  return hostname;
}

/**
 * Starts the archivist and the assistant as clients of `station`; when one
 * fails to start, those started are closed and the error thrown.
 *
 * @throws {BotIdentityError} a configured bot ID without its keys in the store
 * @example
 * ```ts ignore
 * const bots = await startStationBots(station, { ans: config.ans });
 * // ...
 * for (const bot of bots) await bot.close();
 * ```
 */
export async function startStationBots(
  station: Station,
  options: StationBotsOptions = {},
): Promise<RunningBot[]> {
  const bots: RunningBot[] = [];
  try {
    for (const kind of BOT_KINDS) {
      const { id } = await findBotIdentity(
        station.accounts,
        kind,
        options.ans?.get(kind),
      );
      bots.push(
        await startBot(kind, {
          accounts: station.accounts,
          id,
          host: dialableHost(station.hostname),
          port: station.port,
          log: options.log?.(kind),
          session: options.session,
        }),
      );
    }
  } catch (error) {
    await Promise.all(bots.map((bot) => bot.close()));
    throw error;
  }
  return bots;
}
