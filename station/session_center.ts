/**
 * The registry of sessions (station.md §3.1, §3.4): by remote address, and
 * by bound ID — a user may have several sessions at once (devices,
 * connections), and every active one receives each push. The local bridge
 * is the session bound to the station's own ID ({@link SessionCenter.bridge}).
 *
 * @module
 */
import { EntityType, type ID } from "../dimp/identity/mod.ts";
import { Session } from "./session.ts";

/**
 * Sessions by address and by ID.
 *
 * @example
 * ```ts ignore
 * const center = new SessionCenter(station);
 * center.add(session);
 * center.bind(session, alice);
 * center.active(alice); // [session]
 * ```
 */
export class SessionCenter {
  /** This station's ID: what the local bridge logs in as. */
  readonly station: ID;
  readonly #byAddress = new Map<string, Session>();
  /**
   * The sessions of an ID: the session itself while it is the only one
   * (most users: no set per user), a set from the second on.
   */
  readonly #byId = new Map<string, Session | Set<Session>>();
  #changes = 0;

  /** A registry for the station `station`. */
  constructor(station: ID) {
    this.station = station;
  }

  /** Open sessions. */
  get size(): number {
    return this.#byAddress.size;
  }

  /**
   * A count that moves whenever a session was added, removed or bound, or
   * any session's active flag changed: the online list looks at the
   * sessions only then.
   */
  get changes(): number {
    return this.#changes + Session.activityChanges;
  }

  /** Every open session. */
  all(): IterableIterator<Session> {
    return this.#byAddress.values();
  }

  /**
   * Registers a new session; an older session with the same remote address
   * is replaced (and marked inactive).
   */
  add(session: Session): void {
    const old = this.#byAddress.get(session.address);
    if (old !== undefined && old !== session) {
      old.setActive(false);
      this.remove(old);
    }
    this.#byAddress.set(session.address, session);
    this.#changes++;
  }

  /** Forgets a session (its connection closed). */
  remove(session: Session): void {
    this.#changes++;
    if (this.#byAddress.get(session.address) === session) {
      this.#byAddress.delete(session.address);
    }
    const id = session.identifier;
    if (id === undefined) return;
    const found = this.#byId.get(id.value);
    if (found === session) {
      this.#byId.delete(id.value);
    } else if (found instanceof Set) {
      found.delete(session);
      if (found.size === 1) {
        const [last] = found;
        this.#byId.set(id.value, last);
      } else if (found.size === 0) this.#byId.delete(id.value);
    }
  }

  /** Binds a session to the (naked) ID of its handshake. */
  bind(session: Session, id: ID): void {
    session.bind(id);
    this.#changes++;
    const found = this.#byId.get(id.value);
    if (found === undefined) this.#byId.set(id.value, session);
    else if (found instanceof Set) found.add(session);
    else if (found !== session) {
      this.#byId.set(id.value, new Set([found, session]));
    }
  }

  /** The open sessions bound to an ID. */
  sessions(id: ID): Session[] {
    const found = this.#byId.get(id.withoutTerminal().value);
    if (found === undefined) return [];
    if (found instanceof Set) return [...found].filter((s) => !s.conn.closed);
    return found.conn.closed ? [] : [found];
  }

  /** The active sessions bound to an ID (those that receive pushes). */
  active(id: ID): Session[] {
    const found = this.#byId.get(id.withoutTerminal().value);
    if (found === undefined) return [];
    if (!(found instanceof Set)) return found.active ? [found] : [];
    const active: Session[] = [];
    for (const session of found) if (session.active) active.push(session);
    return active;
  }

  /**
   * The local bridge's active sessions (bound to this station's own ID,
   * station.md §4.1 step 8): where messages for unconnected stations go.
   */
  bridge(): Session[] {
    return this.active(this.station);
  }

  /** Whether `session` is the local bridge's (bound to this station's own ID). */
  isBridge(session: Session): boolean {
    return session.identifier?.equals(this.station) === true;
  }

  /**
   * Calls `fn` once for every bound ID with an active session, without
   * making an array or an iterator result per ID (the online list looks
   * after changes, every two seconds at most).
   */
  eachActiveId(fn: (id: ID) => void): void {
    this.#byId.forEach((entry) => {
      if (!(entry instanceof Set)) {
        if (entry.active) fn(entry.identifier!);
        return;
      }
      for (const session of entry) {
        if (session.active) return fn(session.identifier!);
      }
    });
  }

  /** Every bound ID with at least one session. */
  ids(): IterableIterator<string> {
    return this.#byId.keys();
  }

  /** The IDs of stations logged in here (neighbours and the bridge) with an active session. */
  stations(): ID[] {
    const found: ID[] = [];
    for (const entry of this.#byId.values()) {
      const sessions = entry instanceof Set ? entry : [entry];
      for (const session of sessions) {
        const id = session.identifier!;
        if (id.type === EntityType.STATION && session.active) {
          found.push(id);
          break;
        }
      }
    }
    return found;
  }
}
