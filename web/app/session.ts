/**
 * The page's session with its station over a WebSocket, as a DIM client
 * (station.md §3, messages.md §6, §10): handshake, texts sent end to end
 * with the receiver's visa asked of the station when unknown, messages
 * received (a sender unknown here is asked for, its messages wait), the
 * station's and the peer's receipts matched to what was sent, and a
 * reconnect with backoff that sends what waited meanwhile.
 *
 * @module
 */
import {
  AnsCommand,
  Command,
  DocumentCommand,
  ExpelCommand,
  GroupCommand,
  HandshakeCommand,
  HandshakeTitle,
  InviteCommand,
  MetaCommand,
  QuitCommand,
  ReceiptCommand,
  ResetCommand,
} from "../../dimp/command/mod.ts";
import {
  type Content,
  CustomizedContent,
  ForwardContent,
  TextContent,
} from "../../dimp/content/mod.ts";
import {
  ANY_STATION,
  ANYONE,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  generateAccount,
  type ID,
  tryParseId,
} from "../../dimp/identity/mod.ts";
import {
  KeyNotFoundError,
  type LocalUser,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import { heartbeatOf, splitPayload } from "../../dimp/transport/payload.ts";
import type { WebDirectory } from "./directory.ts";

/**
 * Where the connection stands; `online` once the station accepted.
 *
 * @example
 * ```ts
 * import type { ConnectionState } from "./session.ts";
 * const state: ConnectionState = "online";
 * ```
 */
export type ConnectionState =
  | "connecting"
  | "handshaking"
  | "online"
  | "offline";

/**
 * A sent message's progress: `queued` (waits for the connection), `sent`
 * (on the wire), `station` (the station answered), `received` (the peer
 * answered), `failed` (with a reason).
 *
 * @example
 * ```ts
 * import type { MessageState } from "./session.ts";
 * const state: MessageState = "received";
 * ```
 */
export type MessageState =
  | "queued"
  | "sent"
  | "station"
  | "received"
  | "failed";

/**
 * A text shown in a chat.
 *
 * @example
 * ```ts ignore
 * const text: ChatText = { key, chat: bob.value, sender: bob.value, text: "hi", time, mine: false };
 * ```
 */
export interface ChatText {
  /** A local key of the message. */
  readonly key: string;
  /** The chat it belongs to: the peer, or the group. */
  readonly chat: string;
  /** The author. */
  readonly sender: string;
  /** The text. */
  readonly text: string;
  /** Seconds since the epoch. */
  readonly time: number;
  /** Whether the page's user wrote it. */
  readonly mine: boolean;
}

/**
 * What the session tells the page.
 *
 * @example
 * ```ts ignore
 * const events: SessionEvents = { onState: show, onText: add, onProgress: mark };
 * ```
 */
export interface SessionEvents {
  /** The connection state changed (`detail`: e.g. the next retry). */
  onState(state: ConnectionState, detail: string): void;
  /** A text arrived. */
  onText(text: ChatText): void;
  /** A sent text moved on (`detail`: why it failed). */
  onProgress(key: string, state: MessageState, detail?: string): void;
  /** Any other content arrived (commands answered by bots, group news). */
  onContent?(content: Content, sender: ID, message: ReliableMessage): void;
  /** Something was dropped (for the browser's console). */
  onWarn?(text: string): void;
}

/** How long a query for someone's visa waits for the station (ms). */
const QUERY_TIMEOUT_MS = 10_000;
/** A handshake not accepted within this long starts over on a new connection (ms). */
const HANDSHAKE_TIMEOUT_MS = 15_000;
/** Heartbeat interval (the station closes a silent connection at 128 s). */
const HEARTBEAT_MS = 16_000;
/** First and longest reconnect delays (ms). */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;
/** Messages kept waiting for their sender's meta, per sender. */
const SUSPENDED_PER_SENDER = 32;

interface _Outgoing {
  readonly key: string;
  readonly receiver: ID;
  readonly content: Content;
}

/** A message waiting for its sender's meta, with how it came. */
interface _Suspended {
  readonly msg: ReliableMessage;
  readonly depth: number;
  readonly forwardedBy: ID | undefined;
}

/** A sent message whose receipts are awaited. */
interface _Tracked {
  /** The page's key (`""`: not shown). */
  readonly key: string;
  /** Takes every receipt instead of the default progress. */
  readonly onReceipt?: (text: string, from: ID, fromStation: boolean) => void;
  /** For a group message: the assistant that splits it. */
  readonly assistant?: ID;
}

/**
 * A group operation the assistant refused, or could not be done.
 *
 * @example
 * ```ts
 * import { GroupError } from "./session.ts";
 * new GroupError("Permission denied.").name; // "GroupError"
 * ```
 */
export class GroupError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "GroupError";
  }
}

/** The assistant's answers (not its runtime's "Message received."). */
const GROUP_COMMAND_RECEIVED = "Group command received.";
const GROUP_MESSAGE_DELIVERING = "Group message delivering.";
const MESSAGE_RECEIVED = "Message received.";

/** The last 16 characters of a signature: how receipts name a message. */
function _signatureKey(signature: string): string {
  return signature.slice(-16);
}

/**
 * A DIM session over the page's WebSocket.
 *
 * @example
 * ```ts ignore
 * const session = new WebSession(user, directory, "ws://127.0.0.1:9394/", events);
 * session.start();
 * session.sendText(bob, "hello");
 * ```
 */
export class WebSession {
  readonly user: LocalUser;
  readonly directory: WebDirectory;
  readonly #url: string;
  readonly #events: SessionEvents;
  readonly #packer: MessagePacker;
  readonly #outbox: _Outgoing[] = [];
  readonly #tracked = new Map<string, _Tracked>();
  readonly #seen = new Set<string>();
  readonly #suspended = new Map<string, _Suspended[]>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #socket: WebSocket | undefined;
  #state: ConnectionState = "offline";
  #station: ID | undefined;
  #sessionKey: string | undefined;
  #retryMs = RETRY_FIRST_MS;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #flushing = false;
  #counter = 0;
  #assistant: ID | undefined;

  /** A session (call {@link WebSession.start}). */
  constructor(
    user: LocalUser,
    directory: WebDirectory,
    url: string,
    events: SessionEvents,
  ) {
    this.user = user;
    this.directory = directory;
    this.#url = url;
    this.#events = events;
    this.#packer = new MessagePacker({
      user,
      directory,
      onAttachments: async (sender, found) => {
        if (await directory.saveAttachments(sender, found)) {
          this.#updated(sender);
        }
      },
    });
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Connects (and reconnects whenever the connection is lost). */
  start(): void {
    this.#connect();
  }

  /** A new local message key. */
  newKey(): string {
    return `${Date.now().toString(36)}-${(this.#counter++).toString(36)}`;
  }

  /**
   * Sends a text to a user (end to end): queued until the session is
   * online, then packed for the receiver's visa. Returns its key for
   * {@link SessionEvents.onProgress}.
   */
  sendText(receiver: ID, text: string): string {
    const key = this.newKey();
    this.send(key, receiver, TextContent.create(text));
    return key;
  }

  /** Sends any content under a key made by {@link WebSession.newKey}. */
  send(key: string, receiver: ID, content: Content): void {
    this.#outbox.push({ key, receiver, content });
    this.#events.onProgress(key, "queued");
    this.#flush();
  }

  /**
   * Asks the station for the visa of `id` and waits until it came;
   * `undefined` when it came, else the reason (the station's answer, or a
   * time-out).
   */
  async fetchVisa(id: ID): Promise<string | undefined> {
    const user = id.withoutTerminal();
    if (this.directory.canEncryptFor(user)) return undefined;
    let answered: (text: string) => void = () => {};
    // the station's receipt to the query: it has no visa to send
    const answer = new Promise<string>((resolve) => answered = resolve);
    const came = this.#wait(`key:${user.value}`, QUERY_TIMEOUT_MS);
    this.#query(user, (text) => answered(text));
    const result = await Promise.race([came, answer]);
    if (this.directory.canEncryptFor(user)) return undefined;
    return typeof result === "string" ? result : "the station did not answer";
  }

  // ---------------------------------------------------------------- groups

  /**
   * The station's group assistant (its ANS record `assistant`).
   *
   * @throws {GroupError} the station names none (not run with `--with-bots`)
   */
  async assistant(): Promise<ID> {
    if (this.#assistant !== undefined) return this.#assistant;
    if (this.#state !== "online") throw new GroupError("not online");
    const came = this.#wait("ans:assistant", QUERY_TIMEOUT_MS);
    this.#sendCommand(this.#stationReceiver(), AnsCommand.query(["assistant"]));
    await came;
    if (this.#assistant === undefined) {
      throw new GroupError(
        "the station names no group assistant (dim station --with-bots runs one)",
      );
    }
    return this.#assistant;
  }

  /**
   * Founds a group named `title` of the page's user (its owner) and
   * `members`, kept by the station's assistant; resolves with its ID once
   * the assistant took it.
   *
   * @throws {GroupError} no assistant, or it refused
   */
  async createGroup(title: string, members: readonly ID[]): Promise<ID> {
    const bot = await this.assistant();
    const me = this.user.id;
    const account = await generateAccount({
      type: EntityType.GROUP,
      seed: "group",
      founder: { id: me, key: this.user.signKey },
      properties: { name: title, assistants: [bot.value] },
    });
    const group = account.id;
    const documents = DocumentCommand.response(group, account.meta, [
      account.document,
    ]);
    // the station keeps the group's meta and bulletin for members to fetch
    this.#sendCommand(this.#stationReceiver(), documents);
    const list = [me, ...members.filter((member) => !member.equals(me))];
    const bulletin = await this.#packer.packContent(ANYONE, documents);
    const reset = await this.#packer.packContent(
      ANYONE,
      ResetCommand.create(group, list),
      { group },
    );
    const answer = this.#answerOf(reset, bot);
    const failure = await this.#deliver(
      bot,
      ForwardContent.create([bulletin, reset]),
    );
    if (typeof failure === "string") throw new GroupError(failure);
    const text = await answer;
    if (text !== GROUP_COMMAND_RECEIVED) throw new GroupError(text);
    this.directory.setMembers(group, list);
    this.directory.setName(group, title);
    return group;
  }

  /**
   * Asks the assistant for the group's history and applies it (members,
   * name); resolves when it came or the time is up.
   *
   * @throws {GroupError} no assistant, or it refused (not a member)
   */
  async syncGroup(group: ID): Promise<void> {
    const bot = await this.assistant();
    const history = this.#wait(`history:${group.value}`, QUERY_TIMEOUT_MS);
    const query = await this.#packFor(
      bot,
      CustomizedContent.groupHistoryQuery(group),
    );
    if (typeof query === "string") throw new GroupError(query);
    const refused = this.#answerOf(query, bot);
    if (!this.#write(query)) throw new GroupError("not online");
    const result = await Promise.race([history, refused]);
    if (typeof result === "string") throw new GroupError(result);
  }

  /** Sends a text to a group (through its assistant); returns its key. */
  sendGroupText(group: ID, text: string): string {
    const key = this.newKey();
    const content = TextContent.create(text);
    content.group = group;
    this.send(key, group, content);
    return key;
  }

  /** Resolves with the first answer of `bot` to `msg` (not its runtime's). */
  #answerOf(msg: ReliableMessage, bot: ID): Promise<string> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve("the assistant did not answer"),
        QUERY_TIMEOUT_MS,
      );
      this.#tracked.set(_signatureKey(msg.signature), {
        key: "",
        onReceipt: (text, from) => {
          if (!from.equals(bot) || text === MESSAGE_RECEIVED) return;
          clearTimeout(timer);
          resolve(text);
        },
      });
    });
  }

  #applyGroupCommand(command: GroupCommand, sender: ID): void {
    const group = command.group;
    if (group === undefined) return;
    const members = this.directory.groupMembers(group);
    const has = (id: ID) => members.some((m) => m.equals(id));
    if (command instanceof ResetCommand) {
      this.directory.setMembers(group, command.members);
    } else if (command instanceof InviteCommand) {
      this.directory.setMembers(group, [
        ...members,
        ...command.members.filter((id) => !has(id)),
      ]);
    } else if (command instanceof ExpelCommand) {
      const gone = command.members;
      this.directory.setMembers(
        group,
        members.filter((id) => !gone.some((g) => g.equals(id))),
      );
    } else if (command instanceof QuitCommand) {
      this.directory.setMembers(
        group,
        members.filter((id) => !id.equals(sender)),
      );
    }
  }

  // ------------------------------------------------------------ connection

  #setState(state: ConnectionState, detail = ""): void {
    this.#state = state;
    this.#events.onState(state, detail);
  }

  #connect(): void {
    this.#setState("connecting");
    const socket = new WebSocket(this.#url);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    socket.onopen = () => {
      this.#setState("handshaking");
      this.#sessionKey = undefined;
      this.#offer(undefined);
      this.#heartbeat = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send("PING");
      }, HEARTBEAT_MS);
      setTimeout(() => {
        if (this.#socket === socket && this.#state !== "online") {
          this.#events.onWarn?.("no handshake answer: connecting again");
          socket.close();
        }
      }, HANDSHAKE_TIMEOUT_MS);
    };
    socket.onmessage = (event) => {
      const bytes = typeof event.data === "string"
        ? new TextEncoder().encode(event.data)
        : new Uint8Array(event.data as ArrayBuffer);
      this.#onPayload(bytes).catch((error) =>
        this.#events.onWarn?.(`dropped a payload: ${error}`)
      );
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      clearInterval(this.#heartbeat);
      this.#socket = undefined;
      const delay = this.#retryMs;
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
      this.#setState(
        "offline",
        `station unreachable, retrying in ${Math.ceil(delay / 1000)} s`,
      );
      setTimeout(() => this.#connect(), delay);
    };
  }

  #write(msg: ReliableMessage): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(msg.serialize());
    return true;
  }

  #offer(session: string | undefined): void {
    const station = this.#station;
    const direct = station !== undefined &&
      this.directory.canEncryptFor(station);
    const content = HandshakeCommand.offer(session, {
      group: session === undefined ? EVERY_STATION : undefined,
    });
    this.#packer.packContent(direct ? station : ANY_STATION, content, {
      attach: true,
    }).then((msg) => this.#write(msg));
  }

  #onHandshake(command: HandshakeCommand, sender: ID): void {
    if (sender.type !== EntityType.STATION) return;
    if (command.title === HandshakeTitle.AGAIN && command.session) {
      this.#station = sender.withoutTerminal();
      this.#sessionKey = command.session;
      this.#offer(command.session);
    } else if (
      command.title === HandshakeTitle.SUCCESS && this.#state !== "online"
    ) {
      this.#station = sender.withoutTerminal();
      this.#retryMs = RETRY_FIRST_MS;
      this.#setState("online", this.#station.value);
      // our visa for everyone who asks the station
      this.#sendCommand(
        EVERYONE,
        DocumentCommand.response(this.user.id, this.user.meta, [
          this.user.visa!,
        ]),
      );
      this.#flush();
    }
  }

  // --------------------------------------------------------------- sending

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#state === "online" && this.#outbox.length > 0) {
        const next = this.#outbox[0];
        const failure = await this.#sendOne(next);
        if (failure === "offline") return;
        this.#outbox.shift();
        if (failure !== undefined) {
          this.#events.onProgress(next.key, "failed", failure);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** `undefined` when written; else why not (`offline`: try again later). */
  async #sendOne(out: _Outgoing): Promise<string | undefined> {
    if (out.receiver.isGroup && !out.receiver.isBroadcast) {
      return await this.#sendToGroup(out);
    }
    const msg = await this.#packFor(out.receiver, out.content);
    if (typeof msg === "string") return msg;
    this.#tracked.set(_signatureKey(msg.signature), { key: out.key });
    if (!this.#write(msg)) return "offline";
    this.#events.onProgress(out.key, "sent");
    return undefined;
  }

  /** A group message: a key for each member, forwarded to the assistant. */
  async #sendToGroup(out: _Outgoing): Promise<string | undefined> {
    const group = out.receiver;
    let bot: ID;
    try {
      bot = await this.assistant();
      await this.syncGroup(group);
    } catch (error) {
      if (this.#state !== "online") return "offline";
      return `${group.value}: ${(error as Error).message}`;
    }
    for (const member of this.directory.groupMembers(group)) {
      if (!member.equals(this.user.id)) await this.fetchVisa(member);
    }
    const msg = await this.#packer.packContent(group, out.content);
    this.#tracked.set(_signatureKey(msg.signature), {
      key: out.key,
      assistant: bot,
    });
    const failure = await this.#deliver(bot, ForwardContent.create([msg]));
    if (failure !== undefined) return failure;
    this.#events.onProgress(out.key, "sent");
    return undefined;
  }

  /**
   * Packs a content for `receiver` (a user: its visa asked of the station
   * when unknown); a string says why not (`offline`: try again later).
   */
  async #packFor(
    receiver: ID,
    content: Content,
  ): Promise<ReliableMessage | string> {
    const user = receiver.withoutTerminal();
    if (!user.isBroadcast && !user.isGroup) {
      const missing = await this.fetchVisa(user);
      if (missing !== undefined) {
        if (this.#state !== "online") return "offline";
        return `no visa for ${user.value}: ${missing}`;
      }
    }
    return await this.#packer.packContent(receiver, content);
  }

  /** Packs and writes (untracked); a string says why not. */
  async #deliver(receiver: ID, content: Content): Promise<string | undefined> {
    const msg = await this.#packFor(receiver, content);
    if (typeof msg === "string") return msg;
    return this.#write(msg) ? undefined : "offline";
  }

  /** The station as a receiver: its ID once its key is known. */
  #stationReceiver(): ID {
    const station = this.#station;
    return station !== undefined && this.directory.canEncryptFor(station)
      ? station
      : ANY_STATION;
  }

  /** A command to `receiver` (plain when a broadcast), not tracked. */
  #sendCommand(
    receiver: ID,
    content: Content,
    onStation?: (text: string) => void,
  ): void {
    this.#packer.packContent(receiver, content).then((msg) => {
      if (onStation !== undefined) {
        this.#tracked.set(_signatureKey(msg.signature), {
          key: "",
          onReceipt: (text, _from, fromStation) => {
            if (fromStation) onStation(text);
          },
        });
      }
      this.#write(msg);
    });
  }

  /** Asks the station for the meta (when unknown) and documents of `id`. */
  #query(id: ID, onAnswer?: (text: string) => void): void {
    const station = this.#stationReceiver();
    if (!this.directory.hasMeta(id)) {
      this.#sendCommand(station, MetaCommand.query(id));
    }
    this.#sendCommand(station, DocumentCommand.query(id), onAnswer);
  }

  #wait(name: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(name) ?? new Set();
      this.#waiters.set(name, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        set.delete(wake);
        resolve(false);
      }, timeoutMs);
      set.add(wake);
    });
  }

  /** New identity data of `id`: wake waiting sends, resume suspended messages. */
  #updated(id: ID): void {
    const key = id.withoutTerminal().value;
    if (this.directory.canEncryptFor(id)) {
      for (const wake of [...this.#waiters.get(`key:${key}`) ?? []]) wake();
    }
    const suspended = this.#suspended.get(key);
    if (suspended !== undefined && this.directory.hasMeta(id)) {
      this.#suspended.delete(key);
      (async () => {
        for (const { msg, depth, forwardedBy } of suspended) {
          await this.#receive(msg, depth, forwardedBy);
        }
      })();
    }
  }

  // ------------------------------------------------------------- receiving

  async #onPayload(bytes: Uint8Array): Promise<void> {
    const heartbeat = heartbeatOf(bytes);
    if (heartbeat !== null) {
      if (heartbeat === "PING") this.#socket?.send("PONG");
      return;
    }
    for (const line of splitPayload(bytes)) {
      let msg: ReliableMessage;
      try {
        msg = ReliableMessage.parse(new TextDecoder().decode(line));
      } catch {
        continue;
      }
      await this.#receive(msg, 0);
    }
  }

  /**
   * Opens and handles a message; `forwardedBy` is who forwarded it (a
   * group's history comes from its assistant).
   */
  async #receive(
    msg: ReliableMessage,
    depth: number,
    forwardedBy?: ID,
  ): Promise<void> {
    const seenKey = `${msg.signature.slice(-16)}:${msg.receiver.value}`;
    // a group's history is forwarded again on each query: taken each time
    const again = depth > 0 && msg.receiver.isBroadcast;
    if (!again && this.#seen.has(seenKey)) return;
    let content: Content;
    try {
      content = (await this.#packer.unpack(msg)).content;
    } catch (error) {
      if (error instanceof KeyNotFoundError) {
        const sender = msg.sender.withoutTerminal();
        const list = this.#suspended.get(sender.value) ?? [];
        if (list.length < SUSPENDED_PER_SENDER) {
          list.push({ msg, depth, forwardedBy });
        }
        this.#suspended.set(sender.value, list);
        this.#query(sender);
      } else {
        this.#events.onWarn?.(
          `dropped a message from ${msg.sender.value}: ${error}`,
        );
      }
      return;
    }
    this.#seen.add(seenKey);
    const sender = msg.sender.withoutTerminal();
    const fromStation = sender.type === EntityType.STATION;
    if (content instanceof HandshakeCommand) {
      this.#onHandshake(content, sender);
      return;
    }
    if (content instanceof ReceiptCommand) {
      this.#onReceipt(content, sender, fromStation);
      return;
    }
    if (
      (content instanceof DocumentCommand && !content.isQuery) ||
      (content instanceof MetaCommand && content.metaDictionary !== undefined)
    ) {
      const id = content.identifier;
      if (id === undefined) return;
      const saved = content instanceof DocumentCommand
        ? await this.directory.saveDocuments(
          id,
          content.metaDictionary,
          content.documents,
        )
        : await this.directory.saveMeta(id, content.metaDictionary);
      if (saved) this.#updated(id);
      return;
    }
    if (content instanceof AnsCommand && fromStation) {
      const named = tryParseId(content.records?.assistant ?? "");
      if (named !== undefined && !named.isBroadcast) {
        this.#assistant = named;
        for (const wake of [...this.#waiters.get("ans:assistant") ?? []]) {
          wake();
        }
      }
      return;
    }
    if (content instanceof GroupCommand) {
      // only as the assistant (which checks who may do what) hands them on
      const bot = this.#assistant;
      if (bot !== undefined && forwardedBy?.equals(bot)) {
        this.#applyGroupCommand(content, sender);
      }
      return;
    }
    if (content instanceof ForwardContent && depth < 2) {
      this.#receipt(msg, content, sender, fromStation);
      const groups = new Set<string>();
      for (const dict of content.messages) {
        try {
          const inner = ReliableMessage.parse(dict);
          if (inner.group !== undefined) groups.add(inner.group.value);
          await this.#receive(inner, depth + 1, sender);
        } catch {
          // not a message: dropped
        }
      }
      // a group's history came (or any forward of the group)
      for (const group of groups) {
        for (const wake of [...this.#waiters.get(`history:${group}`) ?? []]) {
          wake();
        }
      }
      return;
    }
    if (content instanceof TextContent) {
      const group = content.group ?? msg.group;
      this.#events.onText({
        key: seenKey,
        chat: group?.value ?? sender.value,
        sender: sender.value,
        text: content.text,
        time: content.time ?? msg.time ?? Date.now() / 1000,
        mine: false,
      });
    } else {
      this.#events.onContent?.(content, sender, msg);
    }
    this.#receipt(msg, content, sender, fromStation);
  }

  /** "Message received." to the author of a message (not to stations, not for commands). */
  #receipt(
    msg: ReliableMessage,
    content: Content,
    sender: ID,
    fromStation: boolean,
  ): void {
    if (fromStation || content instanceof Command || msg.receiver.isBroadcast) {
      return;
    }
    const receipt = ReceiptCommand.create("Message received.", msg, {
      originSn: content.sn,
      group: content.group,
    });
    this.send(this.newKey(), sender, receipt);
  }

  #onReceipt(receipt: ReceiptCommand, from: ID, fromStation: boolean): void {
    const signature = receipt.originalSignature;
    if (signature === undefined) return;
    const tracked = this.#tracked.get(_signatureKey(signature));
    if (tracked === undefined) return;
    if (tracked.onReceipt !== undefined) {
      tracked.onReceipt(receipt.text, from, fromStation);
      return;
    }
    const bot = tracked.assistant;
    if (bot !== undefined && from.equals(bot)) {
      // the assistant's runtime acknowledges every message: not an answer
      if (receipt.text === MESSAGE_RECEIVED) return;
      if (receipt.text === GROUP_MESSAGE_DELIVERING) {
        this.#events.onProgress(tracked.key, "station");
      } else {
        this.#events.onProgress(tracked.key, "failed", receipt.text);
      }
      return;
    }
    this.#events.onProgress(tracked.key, fromStation ? "station" : "received");
  }
}
