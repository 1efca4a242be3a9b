/**
 * The presence notices a station's bridge sends (see `../presence.ts`):
 * the users who complete a handshake here are gathered per neighbour link
 * and sent as one notice (at most {@link MAX_PRESENCE_USERS} users) every
 * {@link PRESENCE_INTERVAL} ms, signed by this station and encrypted for
 * the neighbour — only to neighbours that take them. A link that comes up
 * first gets the users online here (with the time each arrived), so a
 * neighbour that restarted or was down learns them again.
 *
 * @module
 */
import type { ID } from "../../dimp/identity/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import type { StationLog } from "../../client/log.ts";
import { BoundedMap } from "../../dimp/bounded_map.ts";
import {
  MAX_PRESENCE_USERS,
  type PresenceEntry,
  presenceNotice,
} from "../presence.ts";
import type { StationLink } from "./link.ts";

/**
 * How often the gathered users are sent to each neighbour (ms): a user is
 * known next door within this plus one round trip.
 *
 * @example
 * ```ts
 * PRESENCE_INTERVAL; // 100
 * ```
 */
export const PRESENCE_INTERVAL = 100;

/** Users waiting for one link beyond this: the oldest are not sent. */
const MAX_WAITING = 65_536;

/** How the outbox is made. */
export interface PresenceOutboxOptions {
  /** This station (the notices' sender and the station they name). */
  readonly self: ID;
  /** Packs a content from this station for `receiver` (encrypted, signed). */
  readonly pack: (receiver: ID, content: Content) => Promise<ReliableMessage>;
  /** Where to log. */
  readonly log: StationLog;
  /** The send period (ms; default {@link PRESENCE_INTERVAL}). */
  readonly interval?: number;
}

/**
 * Presence notices waiting per neighbour link.
 *
 * @example
 * ```ts ignore
 * const outbox = new PresenceOutbox({ self, pack: (to, c) => packer.packContent(to, c), log });
 * outbox.open(link, onlineHere);        // the link came up (and takes notices)
 * outbox.add({ user: bob, time: now }); // bob completed a handshake here
 * outbox.stop();
 * ```
 */
export class PresenceOutbox {
  /** Notices sent. */
  sent = 0;
  readonly #options: PresenceOutboxOptions;
  readonly #waiting = new Map<StationLink, BoundedMap<string, PresenceEntry>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** An outbox with no links. */
  constructor(options: PresenceOutboxOptions) {
    this.#options = options;
  }

  /** The link is up and takes notices: it gets `online` first, then every arrival. */
  open(link: StationLink, online: readonly PresenceEntry[]): void {
    const waiting = new BoundedMap<string, PresenceEntry>(MAX_WAITING);
    for (const entry of online) waiting.set(entry.user.value, entry);
    this.#waiting.set(link, waiting);
    this.#schedule();
  }

  /** A user arrived here: told to every open link. */
  add(entry: PresenceEntry): void {
    for (const waiting of this.#waiting.values()) {
      waiting.set(entry.user.value, entry);
    }
    this.#schedule();
  }

  /** Sends nothing more. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#waiting.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.interval ?? PRESENCE_INTERVAL);
  }

  /** One notice per link; what is left waits for the next round. */
  #flush(): void {
    let more = false;
    for (const [link, waiting] of this.#waiting) {
      const to = link.id;
      if (!link.takesPresence || to === undefined) {
        // down: it gets the users online here when it is up again
        this.#waiting.delete(link);
        continue;
      }
      if (waiting.size === 0) continue;
      const users: PresenceEntry[] = [];
      for (const [key, entry] of waiting) {
        users.push(entry);
        waiting.delete(key);
        if (users.length === MAX_PRESENCE_USERS) break;
      }
      more ||= waiting.size > 0;
      void this.#send(link, to, users);
    }
    if (more) this.#schedule();
  }

  async #send(
    link: StationLink,
    to: ID,
    users: PresenceEntry[],
  ): Promise<void> {
    const { self, pack, log } = this.#options;
    try {
      const msg = await pack(to, presenceNotice(self, users));
      const result = await link.send(msg);
      if (result.sent) {
        this.sent++;
        log.debug(
          `bridge: presence of ${users.length} user(s) sent to ${to.value}`,
        );
      }
    } catch (error) {
      log.warn(`bridge: presence notice for ${to.value} not sent: ${error}`);
    }
  }
}
