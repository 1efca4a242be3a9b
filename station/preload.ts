/**
 * A restarted station's returning users, read ahead. Everyone reconnects
 * at once after a restart, and each returning user's first handshake would
 * read its meta, its newest visa and the message key it sent last from the
 * store and parse them (the caches of the process before are gone): at
 * start, before the station takes its first connection, the users whose
 * message keys into the station were stored most recently (who sent it
 * messages lately: those online when it stopped among them) have theirs
 * read into the same caches, at most {@link DEFAULT_PRELOAD_USERS}. Nothing
 * is trusted that was not before: the caches hold what the store holds,
 * read as on demand; whatever a user sends that differs is checked as new.
 *
 * @module
 */
import type { Accounts } from "../store/mod.ts";
import type { StationMessenger } from "./messenger.ts";

/** Users read ahead at most (the account caches hold 10,000 of each). */
export const DEFAULT_PRELOAD_USERS = 10_000;

/** What {@link preloadReturning} did. */
export interface Preloaded {
  /** Message keys read (one per recent sender). */
  readonly keys: number;
  /** Users whose meta and newest visa were read into the caches. */
  readonly users: number;
  /** How long it took (ms). */
  readonly ms: number;
}

/**
 * Reads the message keys, metas and newest visas of the station's most
 * recent senders (at most `limit`) into the messenger's and the account
 * caches.
 *
 * @example
 * ```ts ignore
 * const pipeline = assemblePipeline(identity, accounts);
 * preloadReturning(pipeline.messenger, accounts); // { keys: 1000, users: 1000, ms: 60 }
 * ```
 */
export function preloadReturning(
  messenger: StationMessenger,
  accounts: Accounts,
  limit: number = DEFAULT_PRELOAD_USERS,
): Preloaded {
  const start = performance.now();
  if (limit <= 0) return { keys: 0, users: 0, ms: 0 };
  const senders = messenger.preloadKeys(limit);
  const users = accounts.preload(senders, limit);
  return { keys: senders.length, users, ms: performance.now() - start };
}
