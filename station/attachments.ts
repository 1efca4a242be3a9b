/**
 * The sender's meta and visa on a user's message leaving for another
 * station (messages.md §3.8: relays may add them). The neighbour and the
 * receiver there may never have seen the sender: the reference station and
 * client store attachments and verify with them, where they would
 * otherwise suspend the message for a query (ten minutes, for the
 * reference client).
 *
 * @module
 */
import { fixAttachments } from "../dimp/content/mod.ts";
import { EntityType } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import type { Accounts } from "../store/mod.ts";

/**
 * Attaches the sender's meta and visa to a user's (or bot's) message that
 * carries neither, when both are known here; `true` when attached.
 *
 * @example
 * ```ts ignore
 * attachSender(msg, station.accounts);
 * msg.get("visa"); // alice's visa, when this station has it
 * ```
 */
export function attachSender(
  msg: ReliableMessage,
  accounts: Accounts,
): boolean {
  const sender = msg.sender.withoutTerminal();
  if (sender.type === EntityType.STATION || sender.isBroadcast) return false;
  if (msg.get("meta") !== undefined || msg.get("visa") !== undefined) {
    return false;
  }
  const meta = accounts.meta(sender);
  const visa = accounts.visa(sender);
  if (meta === undefined || visa === undefined) return false;
  const attached: Record<string, unknown> = {
    meta: { ...meta.dictionary },
    visa: visa.toDictionary(),
  };
  fixAttachments(attached);
  msg.set("meta", attached.meta);
  msg.set("visa", attached.visa);
  return true;
}
