/**
 * Presence (beyond the protocol): where each user was last seen, and the
 * notice a `dim` station sends its neighbours when a user completes a
 * handshake there.
 *
 * The protocol's roaming rests on the user's own `login` broadcast, which
 * the reference client sends only five minutes after it connects. A `dim`
 * station therefore tells its neighbours itself: a `presence` command,
 * signed by the station and sent over its bridge's connection to each
 * neighbour that says it understands it (`"presence": 1` in its `DIM!`
 * answer to a station), naming the users seen and when:
 *
 * ```json
 * {"type": 136, "command": "presence", "station": "<station ID>",
 *  "users": [{"did": "bob@…", "time": 1764890000.5}, …]}
 * ```
 *
 * The {@link PresenceBook} keeps, per user, the newest of what it knows —
 * a handshake here, a neighbour's notice, the user's own login (each by its
 * time) — so a replayed or older notice (or login) cannot move a user's
 * mail. It is bounded: the oldest entries are forgotten first (a forgotten
 * user falls back to the stored login).
 *
 * @module
 */
import { Command } from "../dimp/command/mod.ts";
import type { Content } from "../dimp/content/mod.ts";
import { EntityType, type ID, tryParseId } from "../dimp/identity/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import { StationError } from "./errors.ts";

/**
 * The command name of a presence notice.
 *
 * @example
 * ```ts
 * PRESENCE_COMMAND; // "presence"
 * ```
 */
export const PRESENCE_COMMAND = "presence";

/**
 * Most users one notice names (a longer one is refused whole).
 *
 * @example
 * ```ts
 * MAX_PRESENCE_USERS; // 256
 * ```
 */
export const MAX_PRESENCE_USERS = 256;

/**
 * How far ahead of this station's clock a notice's time may be (seconds);
 * a user entry further ahead is refused.
 *
 * @example
 * ```ts
 * PRESENCE_CLOCK_SKEW; // 120
 * ```
 */
export const PRESENCE_CLOCK_SKEW = 120;

/** A user seen at a station since `time` (seconds). */
export interface PresenceEntry {
  /** The user (naked ID). */
  readonly user: ID;
  /** When the handshake completed (seconds since the epoch). */
  readonly time: number;
}

/** A presence notice as read. */
export interface PresenceNotice {
  /** The station it names. */
  readonly station: ID;
  /** The users seen there. */
  readonly users: PresenceEntry[];
}

/**
 * A presence notice that cannot be used: no station, no user list, too
 * many users, or an entry that is not a user with a time.
 *
 * @example
 * ```ts
 * new PresenceNoticeError("presence: no station");
 * ```
 */
export class PresenceNoticeError extends StationError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PresenceNoticeError";
  }
}

/**
 * A presence notice from `station` naming `users` (at most
 * {@link MAX_PRESENCE_USERS}).
 *
 * @example
 * ```ts ignore
 * const content = presenceNotice(station.id, [{ user: bob, time: Date.now() / 1000 }]);
 * ```
 */
export function presenceNotice(
  station: ID,
  users: readonly PresenceEntry[],
): Command {
  return Command.named(PRESENCE_COMMAND, {
    station: station.value,
    users: users.map((entry) => ({
      did: entry.user.value,
      time: entry.time,
    })),
  });
}

/**
 * Reads a presence notice.
 *
 * @throws {PresenceNoticeError} no station, no `users` list, more than
 *   {@link MAX_PRESENCE_USERS}, or an entry without a user ID (not a
 *   station, group or broadcast) and a finite time
 * @example
 * ```ts ignore
 * const { station, users } = readPresenceNotice(content);
 * ```
 */
export function readPresenceNotice(content: Content): PresenceNotice {
  const dict = content.dictionary;
  const station = tryParseId(dict.station);
  if (station === undefined || station.type !== EntityType.STATION) {
    throw new PresenceNoticeError("presence: no station");
  }
  const list = dict.users;
  if (!Array.isArray(list)) {
    throw new PresenceNoticeError("presence: no users list");
  }
  if (list.length > MAX_PRESENCE_USERS) {
    throw new PresenceNoticeError(
      `presence: ${list.length} users, more than ${MAX_PRESENCE_USERS}`,
    );
  }
  const users: PresenceEntry[] = [];
  for (const item of list) {
    const record = typeof item === "object" && item !== null
      ? item as Record<string, unknown>
      : {};
    const user = tryParseId(record.did);
    const time = record.time;
    if (
      user === undefined || user.isBroadcast || user.isGroup ||
      user.type === EntityType.STATION || typeof time !== "number" ||
      !Number.isFinite(time) || time <= 0
    ) {
      throw new PresenceNoticeError(
        `presence: not a user and a time: ${JSON.stringify(item)}`,
      );
    }
    users.push({ user: user.withoutTerminal(), time });
  }
  return { station, users };
}

/** Where a user was last seen, and when (seconds; 0: a login without time). */
interface Whereabouts {
  readonly station: ID | undefined;
  readonly time: number;
}

/** How a presence book is made. */
export interface PresenceBookOptions {
  /** This station. */
  readonly self: ID;
  /** The user's newest stored login: its station and time. */
  readonly login: (
    user: string,
  ) => { stationId?: string; time?: number } | undefined;
  /** Most users kept (default 262,144). */
  readonly max?: number;
  /** The clock (seconds; default `Date.now() / 1000`). */
  readonly now?: () => number;
}

/**
 * Where each user was last seen: the newest of a handshake here, a
 * neighbour's presence notice and the user's own stored login.
 *
 * @example
 * ```ts ignore
 * const book = new PresenceBook({ self: station.id, login: (u) => store.logins.newest(u) });
 * book.arrived(bob);                 // bob completed a handshake here
 * book.seen(bob, neighbour, time);   // false: older than the handshake
 * book.where(bob);                   // this station
 * ```
 */
export class PresenceBook {
  readonly #self: ID;
  readonly #login: PresenceBookOptions["login"];
  readonly #now: () => number;
  readonly #known: BoundedMap<string, Whereabouts>;
  readonly #listeners = new Set<(entry: PresenceEntry) => void>();

  /** An empty book. */
  constructor(options: PresenceBookOptions) {
    this.#self = options.self;
    this.#login = options.login;
    this.#known = new BoundedMap(options.max ?? 262_144);
    this.#now = options.now ?? (() => Date.now() / 1000);
  }

  /** Users kept. */
  get size(): number {
    return this.#known.size;
  }

  /** The station the user was last seen at, if known. */
  where(user: ID): ID | undefined {
    return this.#get(user.withoutTerminal().value).station;
  }

  /** When the user was last seen here (seconds), if the newest news is here. */
  hereSince(user: ID): number | undefined {
    const known = this.#get(user.withoutTerminal().value);
    return known.station?.equals(this.#self) === true ? known.time : undefined;
  }

  /**
   * A user completed a handshake here (now): kept as the newest, and told
   * to the listeners (the bridge's notices).
   */
  arrived(user: ID): void {
    const entry = { user: user.withoutTerminal(), time: this.#now() };
    this.#put(entry.user.value, { station: this.#self, time: entry.time });
    for (const listener of this.#listeners) listener(entry);
  }

  /**
   * A neighbour says the user is at `station` since `time`: `true` when
   * that is newer than anything known (the user's mail should go there).
   */
  seen(user: ID, station: ID, time: number): boolean {
    const key = user.withoutTerminal().value;
    if (time <= this.#get(key).time) return false;
    this.#put(key, { station, time });
    return !station.equals(this.#self);
  }

  /**
   * The user's login naming `station` (or none) was stored: `true` when it
   * is the newest news (a login without time always is).
   */
  loginSaved(user: ID, station: ID | undefined, time?: number): boolean {
    const key = user.withoutTerminal().value;
    const at = time ?? this.#now();
    if (time !== undefined && time < this.#get(key).time) return false;
    this.#put(key, { station, time: at });
    return true;
  }

  /** Tells `listener` every user who arrives here; returns the unsubscribe. */
  onArrival(listener: (entry: PresenceEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #get(key: string): Whereabouts {
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    const login = this.#login(key);
    const loaded = {
      station: tryParseId(login?.stationId),
      time: login?.time ?? 0,
    };
    this.#put(key, loaded);
    return loaded;
  }

  #put(key: string, value: Whereabouts): void {
    this.#known.set(key, value);
  }
}
