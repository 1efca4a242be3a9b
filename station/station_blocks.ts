/**
 * The station's own block list: accounts the operator shut out
 * (`dim block ID`). It is kept as the station's stored `block` command
 * (the `user_commands` row of the station's ID), so it survives restarts
 * and the block filter already drops messages from them to the station.
 * A blocked account's handshake is refused and its sessions are closed.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import type { Store } from "../store/mod.ts";

/**
 * The IDs the station blocks (read from the store each time: handshakes
 * are rare next to messages, and `dim block` may write from another
 * process).
 *
 * @example
 * ```ts ignore
 * stationBlockList(store, station.id).has("mallory@…");
 * ```
 */
export function stationBlockList(store: Store, station: ID): Set<string> {
  const cmd = store.userCommands.get(station.value, "block");
  return new Set(
    Array.isArray(cmd?.list)
      ? cmd.list.filter((item): item is string => typeof item === "string")
      : [],
  );
}

/**
 * Adds (`blocked = true`) or removes `user` in the station's block list;
 * returns whether the list changed.
 *
 * @example
 * ```ts ignore
 * setStationBlock(store, station.id, "mallory@…", true);
 * ```
 */
export function setStationBlock(
  store: Store,
  station: ID,
  user: string,
  blocked: boolean,
): boolean {
  const list = stationBlockList(store, station);
  if (list.has(user) === blocked) return false;
  if (blocked) list.add(user);
  else list.delete(user);
  store.userCommands.save({
    user: station.value,
    kind: "block",
    time: Date.now() / 1000,
    cmd: { type: 136, cmd: "block", list: [...list].sort() },
  });
  return true;
}
