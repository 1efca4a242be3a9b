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
import type { AssistantOptions } from "../bots/assistant.ts";
import { BOT_KINDS, type RunningBot, startBot } from "../bots/bot.ts";
import type { PendingDropReason } from "../bots/group_delivery.ts";
import type { MetricsRegistry } from "../station/ops/metrics.ts";
import type { Store } from "../store/mod.ts";
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
  /** The assistant's settings (e.g. where dropped kept messages are counted). */
  readonly assistant?: AssistantOptions;
}

/** Why kept group messages are dropped (the `reason` label). */
const PENDING_DROP_REASONS: readonly PendingDropReason[] = [
  "expired",
  "offline_cap",
];

/**
 * The metrics of group messages waiting for a member's visa:
 * `dim_group_messages_waiting_visa` (a gauge read from `store` at scrape
 * time — whichever process runs the assistant on it) and
 * `dim_group_messages_dropped_total` by `reason` (`expired`,
 * `offline_cap`), counted through the function returned (the assistant's
 * `onDropped`).
 *
 * @example
 * ```ts ignore
 * const onDropped = groupDeliveryMetrics(metrics.registry, station.store);
 * await startStationBots(station, { assistant: { onDropped } });
 * ```
 */
export function groupDeliveryMetrics(
  registry: MetricsRegistry,
  store: Store,
): (count: number, reason: PendingDropReason) => void {
  const waiting = registry.gauge(
    "dim_group_messages_waiting_visa",
    "Group messages kept for members whose visa is not known yet (read at scrape time).",
  );
  registry.onCollect(() => waiting.set(store.groupPending.count()));
  const dropped = registry.counter(
    "dim_group_messages_dropped_total",
    "Group messages kept for a member's visa and dropped, by reason.",
    ["reason"],
  );
  for (const reason of PENDING_DROP_REASONS) dropped.labels({ reason });
  return (count, reason) => dropped.labels({ reason }).inc(count);
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
          assistant: options.assistant,
        }),
      );
    }
  } catch (error) {
    await Promise.all(bots.map((bot) => bot.close()));
    throw error;
  }
  return bots;
}
