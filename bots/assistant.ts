/**
 * The group assistant (station.md §6.3; messages.md §7.7, §7.9, §8.11): a
 * DIM client that keeps groups' membership and splits their messages. It
 * never decrypts a group message (no key is encrypted for it).
 *
 * What members send it, as the reference clients do: a `forward` content
 * carrying
 *
 * - a group message (receiver = the group ID, `keys` = the message key
 *   encrypted for each member): its signature is verified, the sender must
 *   be a member (else `Permission denied.`); the keys are kept per group and
 *   sender (merged while their `digest` holds); every other member with a
 *   key gets a copy — receiver = the member, `group` = the group, `key` =
 *   its key, no `keys` — in a `forward` of its own. The station keeps a copy
 *   for a member who is offline and hands it over when the member comes
 *   back: that is the group inbox (our station stores it durably; a station
 *   that keeps no offline messages loses it). A copy for a member whose
 *   visa is not known yet (it never connected, or its account lives on a
 *   neighbour station) is kept until the visa comes (`group_delivery.ts`),
 *   then sent in the order accepted. Members without a key are
 *   asked of the sender (`chat.dim.group` / `keys` / `query`); the sender
 *   gets `Group message delivering.` ("Group message split for
 *   ${count}/${total} member(s).").
 * - group commands (receiver a broadcast ID, `group` on the envelope), and
 *   the group's bulletin (a `document` command): the bulletin is stored
 *   (checked against the group's meta), each command applied to the group
 *   book — only who may do it (see `runtime/groups.ts`), answered with
 *   `Group command received.` or the refusal's receipt. After a change every member (before and after) gets
 *   the group's history: the founder's meta and visa and the bulletin (two
 *   `document` commands broadcast by the assistant) and the commands since
 *   the last `reset`. An `invite` by a
 *   member or a `join` goes to the owner and the administrators for review.
 *
 * Also, sent to it directly: group commands (the same), the group history
 * query (`chat.dim.group` / `keys` or `history` / `query`, or the `query`
 * command: members get the history, others `Permission denied.`) and the
 * group keys contents `update` (the sender's keys, merged: `Group keys
 * updated.` / `Failed to update group keys.` / `Group keys error, failed to
 * update.`) and `request` (a member's key from a sender: a `respond`
 * content, or `Failed to get group keys sender.` / `Failed to get group
 * key.`).
 *
 * @module
 */
import {
  DocumentCommand,
  GroupCommand,
  ReceiptCommand,
} from "../dimp/command/mod.ts";
import { CommandName } from "../dimp/command/mod.ts";
import {
  type Content,
  CustomizedContent,
  ForwardContent,
  GROUP_APP,
} from "../dimp/content/mod.ts";
import { ANYONE, type ID } from "../dimp/identity/mod.ts";
import {
  type InstantMessage,
  MessageError,
  ReliableMessage,
} from "../dimp/message/mod.ts";
import { silentLog, type StationLog } from "../client/log.ts";
import type { Accounts } from "../store/mod.ts";
import { GroupDelivery, type GroupDeliveryOptions } from "./group_delivery.ts";
import {
  type ClientSession,
  GROUP_COMMAND_RECEIVED,
  GroupBook,
  type GroupRefusal,
  type ReceivedMessage,
} from "../client/mod.ts";

/** How deep forwards inside forwards are looked into. */
const MAX_DEPTH = 2;

/** How an assistant is wired. */
export interface AssistantOptions
  extends Partial<Omit<GroupDeliveryOptions, "log">> {
  /** Where it logs (default: nowhere). */
  readonly log?: StationLog;
}

function has(list: readonly ID[], id: ID): boolean {
  return list.some((item) => item.equals(id));
}

/** The key of `member` in a group message's `keys` (`ID`, else `ID/terminal`). */
function keyOf(
  keys: Readonly<Record<string, unknown>>,
  member: ID,
): string | undefined {
  const exact = keys[member.value];
  if (typeof exact === "string" && exact !== "") return exact;
  const prefix = `${member.value}/`;
  for (const [name, value] of Object.entries(keys)) {
    if (name.startsWith(prefix) && typeof value === "string" && value !== "") {
      return value;
    }
  }
  return undefined;
}

/**
 * The group assistant's message handling, on a running session.
 *
 * @example
 * ```ts ignore
 * let assistant: Assistant;
 * const session = new ClientSession({ accounts, user: botId, unwrapForwards: false,
 *   onMessage: (msg) => assistant.handle(msg) });
 * assistant = new Assistant(session, accounts);
 * await session.connect();
 * // ...
 * assistant.close();
 * ```
 */
export class Assistant {
  /** The groups as the assistant keeps them. */
  readonly book: GroupBook;
  readonly #session: ClientSession;
  readonly #accounts: Accounts;
  readonly #log: StationLog;
  readonly #delivery: GroupDelivery;

  /** An assistant answering through `session` (made with `unwrapForwards: false`). */
  constructor(
    session: ClientSession,
    accounts: Accounts,
    options: AssistantOptions = {},
  ) {
    this.#session = session;
    this.#accounts = accounts;
    this.book = new GroupBook(accounts);
    this.#log = options.log ?? silentLog();
    this.#delivery = new GroupDelivery(session, accounts, {
      ...options,
      log: this.#log,
    });
  }

  /** Stops the delivery of kept messages (they stay in the store for the next start). */
  close(): void {
    this.#delivery.close();
  }

  /** Handles one message the session received. */
  async handle(msg: ReceivedMessage): Promise<void> {
    if (msg.fromStation) return;
    await this.#content(msg.content, msg.reliable, msg.sender, 0);
  }

  /** A content received in (or carried by) `carrier`, from `sender`. */
  async #content(
    content: Content,
    carrier: ReliableMessage,
    sender: ID,
    depth: number,
  ): Promise<void> {
    if (content instanceof ForwardContent) {
      if (depth >= MAX_DEPTH) {
        this.#log.warn(`a forward from ${sender.value} nested too deep`);
        return;
      }
      for (const dict of content.messages) {
        await this.#carried(dict, sender, depth + 1);
      }
    } else if (content instanceof GroupCommand) {
      await this.#command(content, carrier);
    } else if (content instanceof DocumentCommand && !content.isQuery) {
      await this.#bulletin(content);
    } else if (
      content instanceof CustomizedContent && content.app === GROUP_APP
    ) {
      await this.#customized(content, carrier, sender);
    }
  }

  /** A message a forward carried. */
  async #carried(
    dict: Record<string, unknown>,
    forwarder: ID,
    depth: number,
  ): Promise<void> {
    let inner: ReliableMessage;
    try {
      inner = ReliableMessage.parse(dict);
    } catch (error) {
      this.#log.warn(
        `a message forwarded by ${forwarder.value} is not one: ${error}`,
      );
      return;
    }
    let verified: ReliableMessage;
    try {
      verified = await this.#session.verify(inner);
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      this.#log.warn(
        `a message of ${inner.sender.value} forwarded by ${forwarder.value} is refused: ${error.message}`,
      );
      await this.#refuse(forwarder, inner, undefined, {
        text: "Permission denied.",
        template: "Message from ${sender} not verified: ${error}",
        replacements: { sender: inner.sender.value, error: error.name },
      });
      return;
    }
    const receiver = verified.receiver;
    if (receiver.isGroup && !receiver.isBroadcast) {
      await this.#split(verified, receiver);
      return;
    }
    let instant: InstantMessage;
    try {
      instant = await this.#session.open(verified);
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      this.#log.debug(
        `a message of ${verified.sender.value} forwarded by ${forwarder.value} is not for the assistant: ${error.message}`,
      );
      return;
    }
    await this.#content(
      instant.content,
      verified,
      verified.sender.withoutTerminal(),
      depth,
    );
  }

  /** A group message: copies for the other members, each with its key. */
  async #split(msg: ReliableMessage, group: ID): Promise<void> {
    const sender = msg.sender.withoutTerminal();
    const members = this.book.members(group);
    if (!has(members, sender)) {
      await this.#refuse(sender, msg, group, {
        text: "Permission denied.",
        template: "You are not a member of group: ${ID}",
        replacements: { ID: group.value },
      });
      return;
    }
    const carried = msg.dictionary.keys;
    const groupKeys = this.#accounts.store.groupKeys;
    const keys = carried !== null && typeof carried === "object" &&
        !Array.isArray(carried)
      ? groupKeys.merge(
        group.value,
        sender.value,
        carried as Record<string, unknown>,
      ).keys
      : groupKeys.get(group.value, sender.value) ?? {};
    const others = members.filter((member) => !member.equals(sender));
    const missed: ID[] = [];
    for (const member of others) {
      const key = keyOf(keys, member);
      if (key === undefined) {
        missed.push(member);
        continue;
      }
      const { keys: _keys, ...rest } = msg.dictionary;
      const copy = ReliableMessage.parse({
        ...rest,
        receiver: member.value,
        group: group.value,
        key,
      });
      await this.#delivery.send(member, group, [copy], msg.signature, msg.time);
    }
    if (missed.length > 0) {
      const digest = typeof keys.digest === "string" ? keys.digest : undefined;
      await this.#send(
        sender,
        CustomizedContent.groupKeys("query", group, {
          from: sender,
          to: missed,
          digest,
        }),
      );
    }
    await this.#send(
      sender,
      receipt("Group message delivering.", msg, group, {
        template: "Group message split for ${count}/${total} member(s).",
        replacements: {
          count: String(others.length - missed.length),
          total: String(others.length),
        },
      }),
    );
  }

  /** A group command (verified), applied or refused. */
  async #command(command: GroupCommand, msg: ReliableMessage): Promise<void> {
    const sender = msg.sender.withoutTerminal();
    const result = this.book.apply(command, msg);
    if (!result.ok) {
      this.#log.info(
        `${command.name} of ${sender.value} refused: ${result.refusal.text}`,
      );
      await this.#refuse(sender, msg, command.group, result.refusal, command);
      return;
    }
    const group = result.group;
    if (command.name === CommandName.QUERY) {
      await this.#sendHistory(group, [sender]);
      return;
    }
    await this.#send(
      sender,
      receipt(GROUP_COMMAND_RECEIVED, msg, group, {
        template: result.review
          ? "Group command (${command}) kept for the owner or an administrator of group ${gid} to review."
          : "Group command (${command}) applied to group: ${gid}.",
        replacements: { command: command.name, gid: group.value },
      }, command),
    );
    if (result.review) {
      const reviewers = [
        this.book.owner(group),
        ...this.book.administrators(group),
      ].filter((id): id is ID => id !== undefined);
      for (const reviewer of reviewers) {
        await this.#delivery.send(reviewer, group, [msg], msg.signature);
      }
    } else if (result.changed) {
      this.#log.info(
        `${command.name} of ${sender.value} applied to ${group.value}`,
      );
      const after = this.book.members(group);
      const told = [...result.before];
      for (const member of after) if (!has(told, member)) told.push(member);
      await this.#sendHistory(
        group,
        told.filter((member) => !member.equals(sender)),
      );
    }
  }

  /** A group's bulletin (and meta), checked and stored. */
  async #bulletin(command: DocumentCommand): Promise<void> {
    const id = command.identifier;
    if (id === undefined || !id.isGroup) return;
    await this.#accounts.receiveDocuments(id, {
      meta: command.metaDictionary,
      documents: command.documents,
    });
  }

  /** Group keys (`update`, `request`) and the history query. */
  async #customized(
    content: CustomizedContent,
    msg: ReliableMessage,
    sender: ID,
  ): Promise<void> {
    const group = content.group;
    const mod = content.mod;
    const act = content.act;
    if (group === undefined || (mod !== "keys" && mod !== "history")) return;
    if (act === "query") {
      if (this.book.isMember(group, sender)) {
        await this.#sendHistory(group, [sender]);
      } else {
        await this.#refuse(sender, msg, group, {
          text: "Permission denied.",
          template: "Not allowed to query members of group: ${gid}",
          replacements: { gid: group.value },
        }, content);
      }
      return;
    }
    if (mod !== "keys") return;
    const groupKeys = this.#accounts.store.groupKeys;
    if (act === "update") {
      const keys = content.keys;
      let text = "Group keys error, failed to update.";
      if (keys !== undefined && this.book.isMember(group, sender)) {
        text = groupKeys.merge(group.value, sender.value, keys).changed
          ? "Group keys updated."
          : "Failed to update group keys.";
      }
      await this.#send(sender, receipt(text, msg, group, {}, content));
    } else if (act === "request") {
      const from = content.from;
      if (from === undefined) {
        await this.#send(
          sender,
          receipt("Failed to get group keys sender.", msg, group, {}, content),
        );
        return;
      }
      const keys = groupKeys.get(group.value, from.value) ?? {};
      const key = keyOf(keys, sender);
      if (key === undefined || !this.book.isMember(group, sender)) {
        await this.#send(
          sender,
          receipt("Failed to get group key.", msg, group, {}, content),
        );
        return;
      }
      const digest = typeof keys.digest === "string" ? keys.digest : undefined;
      await this.#send(
        sender,
        CustomizedContent.groupKeys("respond", group, {
          from,
          keys: digest === undefined
            ? { [sender.value]: key }
            : { [sender.value]: key, digest },
        }),
      );
    }
  }

  /**
   * Sends the group's history to each of `receivers`: its founder's meta
   * and visa and its bulletin (`document` commands broadcast by the
   * assistant, when the bulletin is known) and the commands since the last
   * reset, the reset first.
   */
  async #sendHistory(group: ID, receivers: readonly ID[]): Promise<void> {
    if (receivers.length === 0) return;
    const messages: ReliableMessage[] = [];
    const bulletin = this.#accounts.document(group);
    if (bulletin !== undefined) {
      // the founder's meta and visa first: a client saves a bulletin only
      // once it knows the founder (the reference's database refuses it
      // else); with the assistant's own attached, none waits for a query
      const founder = bulletin.founder();
      const founderMeta = founder && this.#accounts.meta(founder);
      if (founder !== undefined && founderMeta !== undefined) {
        const visa = this.#accounts.visa(founder);
        messages.push(
          await this.#session.pack(
            ANYONE,
            DocumentCommand.response(founder, founderMeta, visa ? [visa] : []),
            { attach: true },
          ),
        );
      }
      messages.push(
        await this.#session.pack(
          ANYONE,
          DocumentCommand.response(group, this.#accounts.meta(group), [
            bulletin,
          ]),
          { attach: true },
        ),
      );
    }
    const rows = this.book.history(group);
    const resets = rows.filter((row) =>
      row.command === CommandName.RESET || row.command === CommandName.FOUND
    );
    for (const row of [...resets, ...rows.filter((r) => !resets.includes(r))]) {
      messages.push(ReliableMessage.parse(row.msg));
    }
    if (messages.length === 0) return;
    // the same history again is kept once; a changed one is kept again
    const ref = `history:${group.value}:${messages.at(-1)!.signature}`;
    for (const receiver of receivers) {
      await this.#delivery.send(receiver, group, messages, ref);
    }
  }

  async #refuse(
    to: ID,
    msg: ReliableMessage,
    group: ID | undefined,
    refusal: GroupRefusal,
    content?: Content,
  ): Promise<void> {
    await this.#send(
      to,
      receipt(refusal.text, msg, group, {
        template: refusal.template,
        replacements: refusal.replacements,
      }, content),
    );
  }

  /** Sends; a receiver the station does not know is logged, not thrown. */
  async #send(to: ID, content: Content): Promise<void> {
    try {
      await this.#session.send(to, content);
    } catch (error) {
      this.#log.warn(`cannot send to ${to.value}: ${error}`);
    }
  }
}

/** A receipt about `msg` (its `sn` when the content is known), with the group. */
function receipt(
  text: string,
  msg: ReliableMessage,
  group: ID | undefined,
  extra: Record<string, unknown>,
  content?: Content,
): ReceiptCommand {
  const sn = content?.sn ?? msg.dictionary.sn;
  return ReceiptCommand.create(text, msg, {
    originSn: typeof sn === "number" ? sn : undefined,
    group,
    extra: Object.keys(extra).length === 0 ? undefined : extra,
  });
}
