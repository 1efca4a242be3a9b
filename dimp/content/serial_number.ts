/**
 * Content serial numbers (spec messages.md §5.1, §12): a counter that starts
 * at a random value in 1..2^31−1, increments, and wraps to 1.
 *
 * @module
 */

const MAX_SN = 0x7fffffff;

/**
 * A serial number counter.
 *
 * @example
 * ```ts
 * const sn = new SerialNumberGenerator();
 * const a = sn.next();
 * sn.next() === (a === 0x7fffffff ? 1 : a + 1); // true
 * ```
 */
export class SerialNumberGenerator {
  #next: number;

  /** Starts at `start` (1..2^31−1), else at a random value from the CSPRNG. */
  constructor(start?: number) {
    if (start === undefined) {
      const [r] = crypto.getRandomValues(new Uint32Array(1));
      start = (r % MAX_SN) + 1;
    }
    if (!Number.isInteger(start) || start < 1 || start > MAX_SN) {
      throw new RangeError(`serial number start ${start} not in 1..${MAX_SN}`);
    }
    this.#next = start;
  }

  /** The next serial number. */
  next(): number {
    const sn = this.#next;
    this.#next = sn >= MAX_SN ? 1 : sn + 1;
    return sn;
  }
}

const shared = new SerialNumberGenerator();

/**
 * The next serial number of this process.
 *
 * @example
 * ```ts
 * const content = { type: 1, sn: nextSerialNumber(), text: "hi" };
 * ```
 */
export function nextSerialNumber(): number {
  return shared.next();
}
