/**
 * Receiver classification (station.md §4.4): what the station does with a
 * message, decided by its receiver alone.
 *
 * @module
 */
import {
  ANY_STATION,
  ANYONE,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  type ID,
} from "../dimp/identity/mod.ts";

/**
 * Where a message goes:
 * - `local`: this station's ID, `station@anywhere`, `anyone@anywhere` —
 *   processed here, no login needed;
 * - `broadcast`: `stations@everywhere`, `everyone@everywhere` — to every
 *   neighbour and processed here;
 * - `alias`: another `name@anywhere` — to the bot the ANS names, pushed only;
 * - `group-broadcast`: another `name@everywhere` — dropped;
 * - `group`: a group ID — dropped (clients split group messages);
 * - `station`: another station — redirected to it;
 * - `entity`: a user or a bot — stored, then pushed.
 */
export type RouteKind =
  | "local"
  | "broadcast"
  | "alias"
  | "group-broadcast"
  | "group"
  | "station"
  | "entity";

/**
 * Classifies a receiver.
 *
 * @example
 * ```ts
 * import { ANY_STATION, parseId } from "../dimp/identity/mod.ts";
 * const me = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
 * routeOf(ANY_STATION, me); // "local"
 * routeOf(parseId("archivist@anywhere"), me); // "alias"
 * ```
 */
export function routeOf(receiver: ID, station: ID): RouteKind {
  if (receiver.isBroadcast) {
    if (receiver.equals(ANY_STATION) || receiver.equals(ANYONE)) return "local";
    if (receiver.equals(EVERY_STATION) || receiver.equals(EVERYONE)) {
      return "broadcast";
    }
    return receiver.isUser ? "alias" : "group-broadcast";
  }
  if (receiver.withoutTerminal().equals(station)) return "local";
  if (receiver.isGroup) return "group";
  if (receiver.type === EntityType.STATION) return "station";
  return "entity";
}
