/**
 * Typed errors of the bots (the archivist and the group assistant).
 *
 * @module
 */

/**
 * A bot cannot run as the identity it was given: the ID configured in
 * `[ans]` is not a bot, or its private keys are not in the store.
 *
 * @example
 * ```ts
 * import { BotIdentityError } from "./errors.ts";
 * const e = new BotIdentityError("archivist", "its private key is not in the store");
 * console.assert(e.bot === "archivist");
 * ```
 */
export class BotIdentityError extends Error {
  /** Which bot (`archivist`, `assistant`). */
  readonly bot: string;

  /** Creates the error. */
  constructor(bot: string, message: string, options?: ErrorOptions) {
    super(`${bot}: ${message}`, options);
    this.name = "BotIdentityError";
    this.bot = bot;
  }
}
