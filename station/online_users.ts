/**
 * Publishes who is online here into the store (station.md §5.2 "active
 * users"; the reference keeps it in Redis): the archivist, a separate
 * process on the same store, answers `users` from it (§6.2). The session
 * registry is looked at every couple of seconds, once it changed, and only
 * the difference is written, so the station's paths never wait for it; a
 * heartbeat says the rows are current. Stations (neighbours, the bridge) are
 * not users and are left out.
 *
 * @module
 */
import { EntityType, type ID } from "../dimp/identity/mod.ts";
import { ONLINE_HEARTBEAT_MS, type Store } from "../store/mod.ts";
import { silentLog, type StationLog } from "../client/log.ts";
import type { SessionCenter } from "./session_center.ts";

/**
 * How often the registry is looked at (ms).
 */
export const ONLINE_PUBLISH_INTERVAL_MS = 2_000;

/** How an {@link OnlinePublisher} runs. */
export interface OnlinePublisherOptions {
  /** Registry look period (ms; default {@link ONLINE_PUBLISH_INTERVAL_MS}). */
  readonly interval?: number;
  /** Heartbeat period (ms; default {@link ONLINE_HEARTBEAT_MS}). */
  readonly heartbeat?: number;
  /** Where failures are logged. */
  readonly log?: StationLog;
  /** The clock (ms; default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Keeps the store's `online_users` rows of this station in step with the
 * active sessions.
 *
 * @example
 * ```ts ignore
 * const online = new OnlinePublisher(center, store, stationId);
 * online.start();
 * // ...
 * online.stop(); // the rows are removed
 * ```
 */
export class OnlinePublisher {
  readonly #center: SessionCenter;
  readonly #store: Store;
  readonly #station: string;
  readonly #interval: number;
  readonly #heartbeat: number;
  readonly #log: StationLog;
  readonly #now: () => number;
  #published = new Set<string>();
  /** The registry's {@link SessionCenter.changes} when last published. */
  #seen = -1;
  #beatAt = -Infinity;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** A publisher for `station`'s sessions in `center`. */
  constructor(
    center: SessionCenter,
    store: Store,
    station: ID,
    options: OnlinePublisherOptions = {},
  ) {
    this.#center = center;
    this.#store = store;
    this.#station = station.value;
    this.#interval = options.interval ?? ONLINE_PUBLISH_INTERVAL_MS;
    this.#heartbeat = options.heartbeat ?? ONLINE_HEARTBEAT_MS;
    this.#log = options.log ?? silentLog();
    this.#now = options.now ?? Date.now;
  }

  /** Forgets what an earlier run left, then publishes periodically. */
  start(): void {
    if (this.#timer !== undefined) return;
    try {
      this.#store.onlineUsers.clear(this.#station, { keepStation: true });
      this.#beatAt = this.#now();
    } catch (error) {
      this.#log.error(`clearing the online users failed: ${error}`);
    }
    this.#timer = setInterval(() => this.publish(), this.#interval);
  }

  /**
   * Writes who came and who went since the last time (and the heartbeat
   * when due); `true` when something was written.
   */
  publish(): boolean {
    const now = this.#now();
    const changes = this.#center.changes;
    const due = now - this.#beatAt >= this.#heartbeat;
    if (changes === this.#seen && !due) return false;
    let online = this.#published;
    let added: string[] = [];
    let removed: string[] = [];
    // an idle station's sessions are not walked, not even for the heartbeat
    if (changes !== this.#seen) {
      online = this.#online();
      added = [...online].filter((id) => !this.#published.has(id));
      removed = [...this.#published].filter((id) => !online.has(id));
      if (added.length === 0 && removed.length === 0 && !due) {
        this.#seen = changes;
        return false;
      }
    }
    try {
      this.#store.onlineUsers.update(this.#station, added, removed);
    } catch (error) {
      // tried again next time: what was published is unchanged
      this.#log.warn(`publishing the online users failed: ${error}`);
      return false;
    }
    this.#published = online;
    this.#beatAt = now;
    this.#seen = changes;
    return true;
  }

  /** Stops and removes this station's rows (its users are no longer here). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      this.#store.onlineUsers.clear(this.#station);
    } catch (error) {
      this.#log.warn(`clearing the online users failed: ${error}`);
    }
    this.#published = new Set();
    this.#seen = -1;
  }

  /** The IDs with an active session here, stations left out. */
  #online(): Set<string> {
    const online = new Set<string>();
    this.#center.eachActiveId((id) => {
      if (id.type !== EntityType.STATION) online.add(id.value);
    });
    return online;
  }
}
