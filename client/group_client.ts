/**
 * A member's side of groups with an assistant, as the reference clients do
 * it (dimsdk `GroupManager`; station.md §6.3): a new group's meta and
 * bulletin (naming the assistant in `assistants`) go to the station, and
 * every group command goes to the assistant as a broadcast message (to
 * `anyone@anywhere`, the group on its envelope) in a `forward` — the
 * founding one as the bulletin plus the `reset` with the members. A group
 * message is encrypted once with a key for every member (`keys`) and
 * forwarded to the assistant, which splits it. What the client knows of a
 * group comes from its history, which the assistant sends on the group
 * history query; a command is settled when the history answering a query
 * sent after it came, or the assistant refused it.
 *
 * @module
 */
import {
  AnsCommand,
  DocumentCommand,
  type GroupCommand,
  InviteCommand,
  QuitCommand,
  ReceiptCommand,
  ResetCommand,
} from "../dimp/command/mod.ts";
import {
  type Content,
  CustomizedContent,
  ForwardContent,
} from "../dimp/content/mod.ts";
import {
  ANYONE,
  EntityType,
  generateAccount,
  type ID,
  tryParseId,
} from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import {
  AnswerTimeoutError,
  AssistantNotFoundError,
  GroupRefusedError,
  ReceiptTimeoutError,
} from "./errors.ts";
import { GROUP_COMMAND_RECEIVED, type GroupBook } from "./groups.ts";
import {
  type OutgoingMessage,
  type Receipt,
  receiptDetail,
} from "./receipts.ts";
import type { ClientSession } from "./session.ts";
import type { ReceivedMessage } from "./received_message.ts";

/** How long a group operation waits for the assistant (ms) by default. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** A station's answers to a documents query (station.md §4.9). */
const DOCUMENT_NOT_FOUND = "Document not found.";
const DOCUMENT_NOT_UPDATED = "Document not updated.";

/** What the assistant's runtime says to any user's message (not an answer). */
const MESSAGE_RECEIVED = "Message received.";

/** The assistant's own answer, not its runtime's acknowledgement. */
function isAnswer(receipt: Receipt): boolean {
  return receipt.text !== MESSAGE_RECEIVED;
}

/** What a group client waits for: a message, or the end of a forward. */
type GroupEvent =
  | { readonly msg: ReceivedMessage }
  | {
    readonly forwardFrom: ID;
    readonly messages: readonly ReliableMessage[];
  };

interface Waiter {
  readonly match: (event: GroupEvent) => boolean;
  readonly wake: () => void;
}

/** The refusal a receipt stands for, unless it is a plain acknowledgement. */
function refusalOf(receipt: Receipt): GroupRefusedError {
  return new GroupRefusedError(receipt.text, receiptDetail(receipt.command));
}

/**
 * Group operations of the local user, through its session.
 *
 * @example
 * ```ts ignore
 * let groups: GroupClient;
 * const session = new ClientSession({ accounts, user, groups: book,
 *   onMessage: (m) => groups.observe(m), onForward: (s, m) => groups.observeForward(s, m) });
 * groups = new GroupClient(session, book);
 * await session.connect();
 * const team = await groups.create("Team", [bob, carol]);
 * await groups.send(team, TextContent.create("hi all", { group: team }));
 * ```
 */
export class GroupClient {
  /** The local user's knowledge of groups (the session applies received commands to it). */
  readonly book: GroupBook;
  readonly #session: ClientSession;
  readonly #timeout: number;
  #waiters: Waiter[] = [];

  /** Operations through `session`, which applies received group commands to `book`. */
  constructor(
    session: ClientSession,
    book: GroupBook,
    options: { readonly timeoutMs?: number } = {},
  ) {
    this.#session = session;
    this.book = book;
    this.#timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Feed every message the session received (its `onMessage`). */
  observe(msg: ReceivedMessage): void {
    this.#event({ msg });
  }

  /** Feed every forward the session opened (its `onForward`). */
  observeForward(sender: ID, messages: readonly ReliableMessage[]): void {
    this.#event({ forwardFrom: sender, messages });
  }

  #event(event: GroupEvent): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.match(event)) return true;
      waiter.wake();
      return false;
    });
  }

  /**
   * The group's assistant: the first of its bulletin's `assistants`, else
   * the station's ANS record `assistant`.
   *
   * @throws {AssistantNotFoundError} neither names one
   */
  async assistantOf(group?: ID): Promise<ID> {
    if (group !== undefined) {
      const named = this.book.accounts.document(group)?.assistants() ?? [];
      if (named.length > 0) return named[0];
    }
    const station = this.#session.station;
    if (station !== undefined) {
      let records: Record<string, string> | undefined;
      const answer = this.#next(
        (event) => {
          if (!("msg" in event)) return false;
          const { msg } = event;
          if (
            !msg.fromStation || !(msg.content instanceof AnsCommand) ||
            !msg.content.names.includes("assistant")
          ) {
            return false;
          }
          records = msg.content.records;
          return true;
        },
        "the station's ANS record of the assistant",
      );
      answer.catch(() => {}); // awaited below
      await this.#session.send(station, AnsCommand.query(["assistant"]));
      await answer;
      const content = { records };
      const id = tryParseId(content.records?.assistant ?? "");
      if (id !== undefined && !id.isBroadcast) return id;
    }
    throw new AssistantNotFoundError(group?.value ?? "");
  }

  /**
   * Founds a group named `title` with the local user (its owner) and
   * `members`, kept by `assistant` (default: the station's `assistant`);
   * returns its ID once the assistant holds its members.
   *
   * @throws {GroupRefusedError} the assistant refused the group
   */
  async create(
    title: string,
    members: readonly ID[],
    assistant?: ID,
  ): Promise<ID> {
    const me = this.#session.user;
    const bot = assistant ?? await this.assistantOf();
    const key = this.book.accounts.identityKey(me);
    if (key === undefined) {
      throw new GroupRefusedError(
        "Permission denied.",
        `the private key of ${me.value} is not here`,
      );
    }
    const account = await generateAccount({
      type: EntityType.GROUP,
      seed: "group",
      founder: { id: me, key },
      properties: { name: title, assistants: [bot.value] },
    });
    const group = account.id;
    await this.book.accounts.saveMeta(group, account.meta.toDictionary());
    await this.book.accounts.saveDocument(account.document.toDictionary());
    const documents = DocumentCommand.response(group, account.meta, [
      account.document,
    ]);
    // the station keeps the group's meta and bulletin for members to fetch
    const station = this.#session.station;
    if (station !== undefined) await this.#session.send(station, documents);
    const list = [me, ...members.filter((member) => !member.equals(me))];
    const bulletin = await this.#session.pack(ANYONE, documents);
    await this.#submit(group, ResetCommand.create(group, list), bot, [
      bulletin,
    ]);
    return group;
  }

  /**
   * The members as the assistant keeps them (the group's history is asked
   * for and applied first).
   *
   * @throws {GroupRefusedError} the assistant does not answer a stranger
   */
  async members(group: ID): Promise<ID[]> {
    await this.#sync(group, await this.assistantOf(group));
    return this.book.members(group);
  }

  /**
   * Whether the group's messages wait for `member`'s visa: the station
   * (where the assistant gets visas from) knows none yet — asked with a
   * documents query for anything newer than now, which it answers with
   * "Document not found." or "Document not updated." (and, when not found,
   * asks its neighbours). `undefined` when no such answer came within 10 s.
   *
   * @example
   * ```ts ignore
   * if (await groups.waitsForVisa(carol)) console.log("carol has not come yet");
   * ```
   */
  async waitsForVisa(member: ID): Promise<boolean | undefined> {
    const station = this.#session.station;
    if (station === undefined) return undefined;
    const query = DocumentCommand.query(
      member.withoutTerminal(),
      Math.ceil(Date.now() / 1000),
    );
    const sent = await this.#session.send(station, query);
    try {
      const answer = await sent.stationReceipt(Math.min(this.#timeout, 10_000));
      if (answer.text === DOCUMENT_NOT_FOUND) return true;
      if (answer.text === DOCUMENT_NOT_UPDATED) return false;
    } catch (error) {
      if (!(error instanceof ReceiptTimeoutError)) throw error;
    }
    return undefined;
  }

  /**
   * Adds members: the owner or an administrator resets the list; a member
   * invites (the owner reviews). Returns whether the list changed now.
   *
   * @throws {GroupRefusedError} the assistant refused
   */
  async add(group: ID, members: readonly ID[]): Promise<boolean> {
    const bot = await this.assistantOf(group);
    await this.#sync(group, bot);
    const me = this.#session.user;
    const current = this.book.members(group);
    const manager = this.book.owner(group)?.equals(me) ||
      this.book.administrators(group).some((id) => id.equals(me));
    if (!manager) {
      await this.#submit(group, InviteCommand.create(group, members), bot);
      return false;
    }
    const list = [...current];
    for (const member of members) {
      if (!list.some((id) => id.equals(member))) list.push(member);
    }
    await this.#submit(group, ResetCommand.create(group, list), bot);
    return true;
  }

  /**
   * Removes members (a reset without them; only the owner or an
   * administrator may).
   *
   * @throws {GroupRefusedError} the assistant refused
   */
  async remove(group: ID, members: readonly ID[]): Promise<void> {
    const bot = await this.assistantOf(group);
    await this.#sync(group, bot);
    const list = this.book.members(group).filter((id) =>
      !members.some((gone) => gone.equals(id))
    );
    await this.#submit(group, ResetCommand.create(group, list), bot);
  }

  /**
   * Leaves the group.
   *
   * @throws {GroupRefusedError} the assistant refused (the owner cannot quit)
   */
  async quit(group: ID): Promise<void> {
    const bot = await this.assistantOf(group);
    // no longer a member: the assistant will not tell us the history
    await this.#submit(group, QuitCommand.create(group), bot, [], false);
  }

  /**
   * Sends a content to the group through its assistant: encrypted once with
   * a key for each member, forwarded; resolves with the assistant's receipt
   * (`Group message delivering.`).
   *
   * @throws {GroupRefusedError} the assistant refused (not a member)
   */
  async send(
    group: ID,
    content: Content,
  ): Promise<{ readonly message: OutgoingMessage; readonly receipt: Receipt }> {
    const bot = await this.assistantOf(group);
    // the members as the assistant has them now: a key for each
    await this.#sync(group, bot);
    content.group = group;
    const msg = await this.#session.pack(group, content);
    const message = this.#session.track(msg, content.sn);
    await this.#session.send(bot, ForwardContent.create([msg]));
    const receipt = await message.receiptFrom(bot, this.#timeout, isAnswer);
    if (receipt.text !== "Group message delivering.") throw refusalOf(receipt);
    return { message, receipt };
  }

  /**
   * Sends a group command to the assistant (after `before`, in one
   * forward) and waits for its answer: refused, or received — then the
   * group's history is asked for and applied here (with `sync`), or the
   * command applied here directly.
   */
  async #submit(
    group: ID,
    command: GroupCommand,
    bot: ID,
    before: readonly ReliableMessage[] = [],
    sync = true,
  ): Promise<void> {
    const msg = await this.#session.pack(ANYONE, command, { group });
    const sent = this.#session.track(msg, command.sn);
    await this.#session.send(bot, ForwardContent.create([...before, msg]));
    const answer = await sent.receiptFrom(bot, this.#timeout, isAnswer);
    if (answer.text !== GROUP_COMMAND_RECEIVED) throw refusalOf(answer);
    if (sync) await this.#sync(group, bot);
    else this.book.apply(command, msg);
  }

  /**
   * Asks the assistant for the group's history and waits until its reset
   * came (applied to the book by the session) — or the refusal of the
   * query.
   */
  async #sync(group: ID, bot: ID): Promise<void> {
    const query = this.#session.pack(
      bot,
      CustomizedContent.groupHistoryQuery(group),
    );
    const signature = (await query).signature;
    const answered = this.#next(
      (event) =>
        "msg" in event
          // the query refused
          ? event.msg.sender.equals(bot) &&
            event.msg.content instanceof ReceiptCommand &&
            event.msg.content.originalSignature === signature &&
            event.msg.content.text !== MESSAGE_RECEIVED
          // the whole history (applied to the book by the session)
          : event.forwardFrom.equals(bot) &&
            event.messages.some((msg) => msg.group?.equals(group) === true),
      "the group history",
    );
    answered.catch(() => {}); // awaited below
    const sentQuery = this.#session.track(await query);
    const sent = await this.#session.sendReliable(await query);
    if (!sent.sent) {
      throw new AnswerTimeoutError("the group history (not sent)", 0);
    }
    await answered;
    const refusal = sentQuery.receipts.find((r) =>
      r.from.equals(bot) && isAnswer(r)
    );
    if (refusal !== undefined) throw refusalOf(refusal);
  }

  /** Resolves at the next event `match` accepts, within the timeout. */
  #next(match: (event: GroupEvent) => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new AnswerTimeoutError(what, this.#timeout));
      }, this.#timeout);
      const waiter: Waiter = {
        match,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }
}
