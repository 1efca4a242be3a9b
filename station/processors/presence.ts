/**
 * The presence notice (ours, see `../presence.ts`): a neighbour station
 * says which users completed a handshake there. Accepted only on that
 * neighbour's own authenticated session — a station session bound to the
 * notice's sender, which is a neighbour here and the station the notice
 * names — at most {@link PRESENCE_RATE} notices a second per session
 * (bursts of {@link PRESENCE_BURST}); anything else is refused with a log
 * line. Each user entry newer than what is known moves the user's stored
 * messages to that station. No reply: a notice is not answered.
 *
 * @module
 */
import type { Content } from "../../dimp/content/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { PRESENCE_CLOCK_SKEW, readPresenceNotice } from "../presence.ts";
import type { Session } from "../session.ts";

/**
 * Notices a second one neighbour session may send (the sender batches
 * users into one notice every 100 ms).
 *
 * @example
 * ```ts
 * PRESENCE_RATE; // 20
 * ```
 */
export const PRESENCE_RATE = 20;

/**
 * The burst of notices a neighbour session may send at once (its snapshot
 * of the users online there, when the link comes up).
 *
 * @example
 * ```ts
 * PRESENCE_BURST; // 64
 * ```
 */
export const PRESENCE_BURST = 64;

interface Bucket {
  tokens: number;
  at: number;
  refused: number;
}

const buckets = new WeakMap<Session, Bucket>();

/**
 * Processes a presence notice.
 *
 * @example
 * ```ts ignore
 * await processPresence(presenceNotice(neighbour, [{ user: bob, time }]), request, core);
 * ```
 */
export function processPresence(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] {
  const { session, sender } = request;
  const from = session.identifier;
  const refuse = (why: string): Content[] => {
    core.log.warn(
      `presence notice from ${sender.value} on ${
        from?.value ?? "an unbound session"
      } (${session.address}) refused: ${why}`,
    );
    return [];
  };
  if (!session.isStation || from === undefined) {
    return refuse("not a station session");
  }
  if (!from.equals(sender)) return refuse("relayed, not the station's own");
  if (!core.dispatcher.isNeighbour(sender)) return refuse("not a neighbour");
  if (!_admit(session)) {
    const bucket = buckets.get(session)!;
    // one line per burst refused, not one per notice
    return bucket.refused++ === 0 ? refuse("over the rate") : [];
  }
  let notice;
  try {
    notice = readPresenceNotice(content);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (!notice.station.equals(sender)) {
    return refuse(`it names ${notice.station.value}`);
  }
  const latest = Date.now() / 1000 + PRESENCE_CLOCK_SKEW;
  let moved = 0;
  let future = 0;
  for (const { user, time } of notice.users) {
    if (time > latest) {
      future++;
      continue;
    }
    if (core.dispatcher.userSeen(user, sender, time)) moved++;
  }
  if (future > 0) {
    core.log.warn(
      `presence notice from ${sender.value}: ${future} user(s) ahead of the clock ignored`,
    );
  }
  core.log.debug(
    `presence: ${notice.users.length} user(s) at ${sender.value}, ${moved} newest`,
  );
  return [];
}

/** Takes a token of the session's bucket; `false` when it is empty. */
function _admit(session: Session): boolean {
  const now = Date.now() / 1000;
  let bucket = buckets.get(session);
  if (bucket === undefined) {
    bucket = { tokens: PRESENCE_BURST, at: now, refused: 0 };
    buckets.set(session, bucket);
  }
  bucket.tokens = Math.min(
    PRESENCE_BURST,
    bucket.tokens + (now - bucket.at) * PRESENCE_RATE,
  );
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens--;
  bucket.refused = 0;
  return true;
}
