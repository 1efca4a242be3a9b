/**
 * A message a {@link ClientSession} received and decrypted.
 *
 * @module
 */
import type { Content } from "../dimp/content/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import type { InstantMessage, ReliableMessage } from "../dimp/message/mod.ts";

/**
 * A message received and decrypted, as the application sees it.
 *
 * @example
 * ```ts ignore
 * for await (const msg of session.messages()) {
 *   if (msg.content instanceof TextContent) console.log(msg.sender.value, msg.content.text);
 * }
 * ```
 */
export interface ReceivedMessage {
  /** The author. */
  readonly sender: ID;
  /** The receiver (the local user, or a broadcast ID). */
  readonly receiver: ID;
  /** The decrypted content. */
  readonly content: Content;
  /** The content time, else the envelope time (seconds). */
  readonly time: number | undefined;
  /** The group conversation (content `group`, else envelope `group`). */
  readonly group: ID | undefined;
  /** Whether a station sent it (replies to our commands, forwarded logins). */
  readonly fromStation: boolean;
  /** The decrypted message. */
  readonly instant: InstantMessage;
  /** The message as received (signature, traces, …). */
  readonly reliable: ReliableMessage;
}
