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

/** How often, in ms, the memo looks for other connections' commits. */
export const STATION_BLOCKS_RECHECK_MS = 1000;

/** The list as last read, and what it was read against. */
interface Memo {
  readonly station: string;
  readonly list: ReadonlySet<string>;
  /** The store's `userCommands.version` then (this connection's writes). */
  readonly version: number;
  /** The store's `dataVersion` then (other connections' commits). */
  dataVersion: number;
  /** When `dataVersion` was last compared (`performance.now()`). */
  checkedAt: number;
}

const memos = new WeakMap<Store, Memo>();

/**
 * The IDs the station blocks. Read on every handshake, so kept between
 * reads: a write through this store (`dim block` through the admin API,
 * any `store.userCommands.save`, an account deleted) shows at once, one
 * committed by another connection (another process on the same file)
 * within `recheckMs` — the bound the account caches keep (`Accounts`).
 *
 * @example
 * ```ts ignore
 * stationBlockList(store, station.id).has("mallory@…");
 * ```
 */
export function stationBlockList(
  store: Store,
  station: ID,
  recheckMs: number = STATION_BLOCKS_RECHECK_MS,
): ReadonlySet<string> {
  const memo = memos.get(store);
  const now = performance.now();
  if (
    memo !== undefined && memo.station === station.value &&
    memo.version === store.userCommands.version
  ) {
    if (now - memo.checkedAt < recheckMs) return memo.list;
    const dataVersion = store.db.dataVersion;
    if (dataVersion === memo.dataVersion) {
      memo.checkedAt = now;
      return memo.list;
    }
  }
  // the version before the row: a commit in between is seen next time
  const dataVersion = store.db.dataVersion;
  const version = store.userCommands.version;
  const list = readList(store, station);
  memos.set(store, {
    station: station.value,
    list,
    version,
    dataVersion,
    checkedAt: now,
  });
  return list;
}

/** The stored list, read now. */
function readList(store: Store, station: ID): Set<string> {
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
  // read now, not the memo: the list written is the stored one changed
  const list = readList(store, station);
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
