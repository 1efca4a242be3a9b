/**
 * InstantMessage: envelope + plain `content` (spec messages.md §2.2). Only
 * exists before encryption and after decryption (and inside combine-forward
 * contents); never sent as such.
 *
 * @module
 */
import { type Content, parseContent } from "../content/mod.ts";
import type { ID } from "../identity/mod.ts";
import { Envelope, type EnvelopeOptions } from "./envelope.ts";
import { requireId, requireRecord } from "./_require.ts";

/**
 * `{"sender", "receiver", "time", ["group"], "content": {...}}`.
 *
 * @example
 * ```ts
 * import { TextContent } from "../content/mod.ts";
 * import { parseId } from "../identity/mod.ts";
 * const alice = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const msg = InstantMessage.create(alice, bob, TextContent.create("Hi"));
 * msg.content instanceof TextContent; // true
 * ```
 */
export class InstantMessage extends Envelope {
  #content: Content | undefined;

  /**
   * A new instant message. `options.group` exposes the group on the
   * envelope (key direction sender → group, spec §3.2); `extra` adds
   * top-level members (e.g. `SDT`).
   */
  static override create(
    sender: ID,
    receiver: ID,
    content: Content,
    options: EnvelopeOptions & {
      readonly extra?: Record<string, unknown>;
    } = {},
  ): InstantMessage {
    const dict = Envelope.build(sender, receiver, options);
    Object.assign(dict, options.extra);
    dict.content = content.dictionary;
    const msg = new InstantMessage(dict, sender, receiver);
    msg.#content = content;
    return msg;
  }

  /**
   * Reads an instant message from a dictionary (no copy).
   *
   * @throws {MessageFormatError} not an object, `sender` / `receiver` not
   *   IDs, `content` not an object
   */
  static override parse(value: unknown): InstantMessage {
    const dict = requireRecord(value);
    const sender = requireId(dict, "sender");
    const receiver = requireId(dict, "receiver");
    requireRecord(dict.content, "content");
    return new InstantMessage(dict, sender, receiver);
  }

  /**
   * The content in its class (parsed once).
   *
   * @throws {MessageFormatError} `content` was replaced by a non-object
   */
  get content(): Content {
    if (this.#content === undefined) {
      this.#content = parseContent(
        requireRecord(this.dictionary.content, "content"),
      );
    }
    return this.#content;
  }

  /** The content time, else the envelope time. */
  override get time(): number | undefined {
    return this.content.time ?? super.time;
  }

  /** Drops the parsed content when `content` is replaced. */
  protected override changed(): void {
    this.#content = undefined;
  }
}
