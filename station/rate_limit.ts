/**
 * Per-connection rate limits: token buckets for the messages (JSON lines)
 * and the bytes a client sends. A bucket starts full (`burst`), refills at
 * `rate` per second up to `burst`; a payload that finds a bucket short is
 * over the limit, and the station cuts that connection off.
 *
 * @module
 */

/** The limits of one connection; 0 turns one off. */
export interface RateLimits {
  /** Messages per second, sustained. */
  readonly messagesPerSecond: number;
  /** Messages at once after a quiet spell (the bucket's size). */
  readonly messageBurst: number;
  /** Bytes per second, sustained (framing overhead included). */
  readonly bytesPerSecond: number;
  /** Bytes at once after a quiet spell. */
  readonly byteBurst: number;
}

/**
 * The defaults: 100 messages/s with bursts of 1000 (a client splitting a
 * message for a 500-member group sends 500 at once), 1 MiB/s with bursts of
 * 8 MiB (several frames at the 1 MiB frame cap).
 *
 * @example
 * ```ts
 * DEFAULT_RATE_LIMITS.messagesPerSecond; // 100
 * ```
 */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = {
  messagesPerSecond: 100,
  messageBurst: 1000,
  bytesPerSecond: 1024 * 1024,
  byteBurst: 8 * 1024 * 1024,
};

/**
 * A token bucket.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(10, 20, 0);
 * bucket.take(20, 0); // true: the whole burst
 * bucket.take(1, 0); // false: empty
 * bucket.take(5, 500); // true: 5 tokens came back in half a second
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  /** A full bucket of `burst` tokens refilling at `rate` per second, at time `now` (ms). */
  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes `n` tokens at time `now` (ms); `false` (nothing taken) when short. */
  take(n: number, now: number): boolean {
    if (now > this.#at) {
      const elapsed = (now - this.#at) / 1000;
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
      this.#at = now;
    }
    if (n > this.#tokens) return false;
    this.#tokens -= n;
    return true;
  }
}

/** Which limit a payload went over. */
export type RateExceeded = "messages" | "bytes";

/**
 * The buckets of one connection.
 *
 * @example
 * ```ts
 * const limiter = new ConnectionRateLimiter(DEFAULT_RATE_LIMITS, performance.now());
 * limiter.admit(3, 2048, performance.now()); // undefined: within the limits
 * ```
 */
export class ConnectionRateLimiter {
  readonly #messages: TokenBucket | undefined;
  readonly #bytes: TokenBucket | undefined;
  #bytesSeen = 0;

  /** Buckets for the limits that are on, full at `now` (ms). */
  constructor(limits: RateLimits, now: number) {
    if (limits.messagesPerSecond > 0) {
      this.#messages = new TokenBucket(
        limits.messagesPerSecond,
        Math.max(1, limits.messageBurst),
        now,
      );
    }
    if (limits.bytesPerSecond > 0) {
      this.#bytes = new TokenBucket(
        limits.bytesPerSecond,
        Math.max(1, limits.byteBurst),
        now,
      );
    }
  }

  /**
   * Admits a payload of `messages` lines, the connection having received
   * `bytesReceived` bytes in all so far; the limit it went over, if any.
   */
  admit(
    messages: number,
    bytesReceived: number,
    now: number,
  ): RateExceeded | undefined {
    const bytes = bytesReceived - this.#bytesSeen;
    this.#bytesSeen = bytesReceived;
    if (this.#bytes !== undefined && !this.#bytes.take(bytes, now)) {
      return "bytes";
    }
    if (this.#messages !== undefined && !this.#messages.take(messages, now)) {
      return "messages";
    }
    return undefined;
  }

  /** Whether any limit is on. */
  get active(): boolean {
    return this.#messages !== undefined || this.#bytes !== undefined;
  }
}

/**
 * Whether an address is a loopback address (127.0.0.0/8, ::1, and
 * IPv4-mapped 127.x).
 *
 * @example
 * ```ts
 * isLoopback("127.0.0.1"); // true
 * isLoopback("::1"); // true
 * isLoopback("10.0.0.1"); // false
 * ```
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^::ffff:/, "");
  return host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
