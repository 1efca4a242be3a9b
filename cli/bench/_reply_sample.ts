/**
 * Which of the station's replies to a bench's handshakes (`DIM?`, `DIM!`)
 * have their signature checked: each session's first, then one in
 * `every` of the others across the run (every one with `all`), as the
 * text path samples its station receipts. A real client
 * checks every one on a CPU of its own; the bench shares the station's.
 *
 * @module
 */
import { EntityType } from "../../dimp/identity/mod.ts";
import type { SignatureSample } from "../../client/mod.ts";
import type { StationReplies } from "./result.ts";

/**
 * The replies of every session of a run, sampled and counted.
 *
 * @example
 * ```ts ignore
 * const replies = new ReplySample(false, 32);
 * const session = benchSession(o, { ...init, signatureSample: replies.forSession() });
 * replies.counts().verified;
 * ```
 */
export class ReplySample {
  readonly #all: boolean;
  readonly #every: number;
  #messages = 0;
  #checked = 0;
  #rejected = 0;
  #later = 0;

  /** `all`: check every reply; else the first and one in `every` after. */
  constructor(all: boolean, every: number) {
    this.#all = all;
    this.#every = every;
  }

  /**
   * The sample of one session; with `handshaking`, only what the station
   * sends while it returns true is a reply (everything after is checked).
   */
  forSession(handshaking?: () => boolean): SignatureSample {
    let first = true;
    return {
      check: (msg) => {
        if (msg.sender.type !== EntityType.STATION) return true;
        if (handshaking !== undefined && !handshaking()) return true;
        this.#messages++;
        const check = this.#all || first ||
          this.#later++ % this.#every === 0;
        first = false;
        if (check) this.#checked++;
        return check;
      },
      rejected: (msg) => {
        if (msg.sender.type === EntityType.STATION) this.#rejected++;
      },
    };
  }

  /** What was received, checked, and failed. */
  counts(): StationReplies {
    return {
      messages: this.#messages,
      verified: this.#checked - this.#rejected,
      bad_signatures: this.#rejected,
    };
  }
}
