/**
 * Reply packing (station.md §4.1 steps 7–8): what the station answers a
 * message with is packed as one message per content, addressed to the
 * message's sender — no receipts nor texts to station senders; the first
 * reply may carry the station's meta and visa. On the local bridge's
 * session (bound to this station's own ID) replies for anyone else are
 * routed instead of written back.
 *
 * @module
 */
import { HandshakeCommand, ReceiptCommand } from "../dimp/command/mod.ts";
import { type Content, TextContent } from "../dimp/content/mod.ts";
import { EntityType, type ID } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import type { StationLog } from "../client/log.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { StationMessenger } from "./messenger.ts";
import { PRIORITY_NORMAL, PRIORITY_URGENT } from "./push_queue.ts";
import type { Session } from "./session.ts";
import type { SessionCenter } from "./session_center.ts";

/** What reply packing works with. */
export interface RepliesParts {
  /** The station's packer. */
  readonly messenger: StationMessenger;
  /** Routes the local bridge's replies for others. */
  readonly dispatcher: Dispatcher;
  /** Tells the local bridge's session. */
  readonly center: SessionCenter;
  /** The log. */
  readonly log: StationLog;
}

/**
 * Packs the station's replies for a session.
 *
 * @example
 * ```ts ignore
 * const replies = new Replies({ messenger, dispatcher, center, log });
 * const out = await replies.answer(session, msg, [receipt]); // write these back
 * ```
 */
export class Replies {
  readonly #messenger: StationMessenger;
  readonly #dispatcher: Dispatcher;
  readonly #center: SessionCenter;
  readonly #log: StationLog;

  /** Wires the packer, the dispatcher and the registry. */
  constructor(parts: RepliesParts) {
    this.#messenger = parts.messenger;
    this.#dispatcher = parts.dispatcher;
    this.#center = parts.center;
    this.#log = parts.log;
  }

  /**
   * Packs `contents` as replies to the sender of `msg` (the first with the
   * station's meta and visa when `attach`) and returns those to write back
   * on `session`; on the local bridge's session, replies for others are
   * routed (§4.1 step 8).
   */
  answer(
    session: Session,
    msg: ReliableMessage,
    contents: readonly Content[],
    attach = false,
  ): Promise<ReliableMessage[]> {
    return this.answerTo(session, msg.sender, contents, attach);
  }

  /**
   * {@link Replies.answer} to `sender` (a message's sender): what waits
   * for the packing keeps the sender's ID, not the whole message.
   */
  async answerTo(
    session: Session,
    sender: ID,
    contents: readonly Content[],
    attach = false,
  ): Promise<ReliableMessage[]> {
    const replies = await this.pack(session, sender, contents, attach);
    if (!this.#center.isBridge(session)) return replies;
    const back: ReliableMessage[] = [];
    for (const reply of replies) {
      if (this.#forStation(reply)) back.push(reply);
      else await this.#route(reply);
    }
    return back;
  }

  /**
   * Packs `contents` for `receiver`, one message each (none of the
   * receipts and texts when it is a station); a reply that waits for the
   * receiver's visa is sent on `session` once it is known.
   */
  async pack(
    session: Session,
    receiver: ID,
    contents: readonly Content[],
    attach: boolean,
  ): Promise<ReliableMessage[]> {
    const toStation = receiver.type === EntityType.STATION;
    const out: ReliableMessage[] = [];
    for (const content of contents) {
      if (
        toStation &&
        (content instanceof ReceiptCommand || content instanceof TextContent)
      ) continue;
      const urgent = content instanceof HandshakeCommand;
      const packed = await this.#messenger.pack(receiver, content, {
        attach: attach && out.length === 0,
        later: (reply) => this.#sendLater(session, reply, urgent),
      });
      if (packed !== undefined) out.push(packed);
    }
    return out;
  }

  /**
   * Sends a reply that waited for its receiver's visa: back on the session,
   * or — on the local bridge, for someone else — routed (§4.1 step 8).
   */
  #sendLater(session: Session, reply: ReliableMessage, urgent: boolean): void {
    if (this.#center.isBridge(session) && !this.#forStation(reply)) {
      this.#route(reply).catch((error) =>
        this.#log.error(`reply to ${reply.receiver.value} not routed: ${error}`)
      );
      return;
    }
    session.push({
      priority: urgent ? PRIORITY_URGENT : PRIORITY_NORMAL,
      payload: reply.serialize(),
    });
  }

  #forStation(reply: ReliableMessage): boolean {
    return reply.receiver.withoutTerminal().equals(this.#center.station);
  }

  async #route(reply: ReliableMessage): Promise<void> {
    const delivery = await this.#dispatcher.deliver(reply, reply.receiver);
    if (delivery.kind === "failed") {
      this.#log.warn(`reply to ${reply.receiver.value} not stored`);
    }
  }
}
