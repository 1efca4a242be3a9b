/**
 * Counters of what the station did, for tests, benchmarks and the status
 * page: how many messages were routed without any signature check, how many
 * signatures were verified, how many receipts were packed, ...
 *
 * @module
 */

/**
 * The station's counters (all start at 0 and only grow).
 *
 * @example
 * ```ts
 * const stats = new StationStats();
 * stats.verified++;
 * stats.snapshot().verified; // 1
 * ```
 */
export class StationStats {
  /** Reliable messages parsed from the wire. */
  received = 0;
  /** Lines dropped: not a message, too large, failed verification or decryption. */
  dropped = 0;
  /** Messages routed to other entities (never verified nor decrypted). */
  routed = 0;
  /** Signature verifications the station ran (messages it processed itself). */
  verified = 0;
  /** Messages the station processed itself. */
  processed = 0;
  /** Messages handed to sessions (live pushes, cached deliveries, replies). */
  pushed = 0;
  /** Pushed messages the transport reported sent. */
  sent = 0;
  /** Messages stored for an offline receiver ("Message cached."). */
  cached = 0;
  /** Stored messages delivered later (deleted once sent). */
  delivered = 0;
  /** Reply messages the station packed (receipts, commands). */
  replies = 0;
  /** Routed messages refused because the sender was not the session's user. */
  senderRefused = 0;
  /** Messages held until a handshake (unbound or inactive session). */
  suspended = 0;
  /** Messages dropped because they came back through this station (traces). */
  looped = 0;
  /** Messages refused by the receiver's block list. */
  blocked = 0;

  /**
   * A copy of the counters.
   *
   * @example
   * ```ts
   * const before = stats.snapshot();
   * ```
   */
  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this)) as Record<string, number>;
  }
}
