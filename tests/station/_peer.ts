/**
 * A low-level DIM client for the station tests: real accounts, a real
 * packer, a real connection in any framing — and the freedom to do what a
 * proper client never would (forged senders, sends before the handshake,
 * raw bytes, wrong session keys).
 *
 * Also: a station per test in a temp directory ({@link withStation}), a
 * shared "world" directory of metas and visas, and accounts made once per
 * test file ({@link accounts}).
 *
 * @module
 */
import type { PrivateKey } from "../../dimp/crypto/mod.ts";
import {
  type Command,
  HandshakeCommand,
  ReceiptCommand,
} from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import {
  ANY_STATION,
  type Document,
  EntityType,
  EVERY_STATION,
  generateAccount,
  type ID,
  type Meta,
} from "../../dimp/identity/mod.ts";
import {
  type CipherKeyCache,
  type EntityDirectory,
  type InstantMessage,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import {
  type Connection,
  dialStation,
  type Framing,
  type SendResult,
  Station,
  type StationOptions,
} from "../../station/mod.ts";

/** An account with its private keys. */
export interface Account {
  readonly id: ID;
  readonly meta: Meta;
  readonly visa: Document;
  readonly signKey: PrivateKey;
  readonly decryptKeys: readonly PrivateKey[];
}

/** Makes a new account of a type (user by default). */
export async function newAccount(
  type: number = EntityType.USER,
  name = "tester",
): Promise<Account> {
  const account = await generateAccount({
    type,
    seed: type === EntityType.USER ? undefined : name.replace(/\W/g, ""),
    properties: { name },
  });
  return {
    id: account.id,
    meta: account.meta,
    visa: account.document,
    signKey: account.identityKey!,
    decryptKeys: account.messageKeys,
  };
}

/** `count` new user accounts. */
export function accounts(count: number): Promise<Account[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) => newAccount(EntityType.USER, `u${i}`),
    ),
  );
}

/** What every peer of a test knows about others (metas, visas). */
export class World implements EntityDirectory {
  readonly metas = new Map<string, Meta>();
  readonly visas = new Map<string, Document>();

  /** Learns an account's public records. */
  know(account: { id: ID; meta: Meta; visa: Document }): void {
    this.metas.set(account.id.value, account.meta);
    this.visas.set(account.id.value, account.visa);
  }

  meta(id: ID): Promise<Meta | undefined> {
    return Promise.resolve(this.metas.get(id.withoutTerminal().value));
  }

  visa(id: ID): Promise<Document | undefined> {
    return Promise.resolve(this.visas.get(id.withoutTerminal().value));
  }

  members(): Promise<readonly ID[]> {
    return Promise.resolve([]);
  }
}

/** One message a peer received. */
export interface Received {
  /** As received. */
  readonly msg: ReliableMessage;
  /** The raw line. */
  readonly line: string;
  /** Verified and decrypted, when it was for this peer and readable. */
  readonly instant?: InstantMessage;
  /** Why it could not be read. */
  readonly error?: unknown;
}

/** The station's receipt text of a received message, if it is one. */
export function receiptText(received: Received): string | undefined {
  const content = received.instant?.content;
  return content instanceof ReceiptCommand ? content.text : undefined;
}

/** The command name of a received message, if it carries a command. */
export function commandName(received: Received): string | undefined {
  const dict = received.instant?.content.dictionary;
  const name = dict?.command ?? dict?.cmd;
  return typeof name === "string" ? name : undefined;
}

/** How a peer connects. */
export interface PeerOptions {
  readonly framing?: Framing;
  readonly world?: World;
  /** WebSocket ACK mode (demo-js). */
  readonly sendAcks?: boolean;
  /** The peer's message keys (default: new ones): a client that stays up keeps them. */
  readonly cipherKeys?: CipherKeyCache;
}

/**
 * A test client.
 *
 * @example
 * ```ts ignore
 * const alice = await TestPeer.connect(station.port, aliceAccount, { framing: "ws" });
 * await alice.handshake();
 * await alice.sendContent(bob.id, TextContent.create("hi"));
 * ```
 */
export class TestPeer {
  readonly account: Account;
  readonly conn: Connection;
  readonly world: World;
  readonly packer: MessagePacker;
  readonly inbox: Received[] = [];
  stationId: ID | undefined;
  sessionKey: string | undefined;
  /**
   * Sees every received line first; when it returns true the line is not
   * read further (load tools count lines without decrypting them).
   */
  tap: ((line: string) => boolean) | undefined;
  /** Whether the handshake offer asks for batched receipts (`"receipts": "array"`). */
  receiptArrays = false;
  #waiters: (() => void)[] = [];
  #processing: Promise<void> = Promise.resolve();

  private constructor(
    account: Account,
    conn: Connection,
    world: World,
    cipherKeys: CipherKeyCache | undefined,
  ) {
    this.account = account;
    this.conn = conn;
    this.world = world;
    world.know(account);
    this.packer = packerFor(account, world, cipherKeys);
  }

  /** Connects to a station on 127.0.0.1. */
  static async connect(
    port: number,
    account: Account,
    options: PeerOptions = {},
  ): Promise<TestPeer> {
    const world = options.world ?? new World();
    const early: string[][] = [];
    const state: { peer?: TestPeer } = {};
    const conn = await dialStation("127.0.0.1", port, {
      framing: options.framing ?? "mtp",
      sendAcks: options.sendAcks,
      handler: {
        onPayload: (_conn, lines) => {
          if (state.peer === undefined) early.push([...lines]);
          else state.peer.#receive(lines);
        },
      },
    });
    const peer = new TestPeer(account, conn, world, options.cipherKeys);
    state.peer = peer;
    for (const lines of early) peer.#receive(lines);
    return peer;
  }

  /** The account's ID. */
  get id(): ID {
    return this.account.id;
  }

  /** Sends one payload as is. */
  sendRaw(payload: string | Uint8Array): Promise<SendResult> {
    return this.conn.send(payload);
  }

  /** Sends a message. */
  send(msg: ReliableMessage): Promise<SendResult> {
    return this.conn.send(msg.serialize());
  }

  /** Packs a content from this peer. */
  pack(
    receiver: ID,
    content: Content,
    options: { attach?: boolean; group?: ID; time?: number } = {},
  ): Promise<ReliableMessage> {
    return this.packer.packContent(receiver, content, options);
  }

  /** Packs and sends; returns the message sent. */
  async sendContent(
    receiver: ID,
    content: Content,
    options: { attach?: boolean; group?: ID; time?: number } = {},
  ): Promise<ReliableMessage> {
    const msg = await this.pack(receiver, content, options);
    await this.send(msg);
    return msg;
  }

  /** Packs a content as another account (to send it on this connection). */
  packAs(
    other: Account,
    receiver: ID,
    content: Content,
    options: { attach?: boolean; group?: ID; time?: number } = {},
  ): Promise<ReliableMessage> {
    this.world.know(other);
    return packerFor(other, this.world).packContent(receiver, content, options);
  }

  /**
   * Packs a message that claims to come from `sender` but is signed with
   * this peer's key (a forgery).
   */
  forge(sender: ID, receiver: ID, content: Content): Promise<ReliableMessage> {
    const forger = packerFor({ ...this.account, id: sender }, this.world);
    return forger.packContent(receiver, content);
  }

  /** Sends the first handshake offer (to `station@anywhere`, meta and visa attached). */
  offer(session?: string, title?: string): Promise<ReliableMessage> {
    const content = title === undefined
      ? HandshakeCommand.offer(session, { receiptArrays: this.receiptArrays })
      : HandshakeCommand.create(title, session);
    const receiver = session === undefined || this.stationId === undefined
      ? ANY_STATION
      : this.stationId;
    return this.sendContent(receiver, content, {
      attach: receiver === ANY_STATION,
      group: receiver === ANY_STATION ? EVERY_STATION : undefined,
    });
  }

  /**
   * The whole handshake: offer → `DIM?` → offer with the key → `DIM!`.
   * Returns the `DIM!` content.
   */
  async handshake(timeoutMs = 5000): Promise<HandshakeCommand> {
    const from = this.inbox.length;
    await this.offer();
    const again = await this.nextCommand("handshake", timeoutMs, from);
    const key = (again.instant!.content as HandshakeCommand).session!;
    this.sessionKey = key;
    const after = this.inbox.length;
    await this.offer(key);
    const success = await this.next(
      (r) =>
        commandName(r) === "handshake" &&
        (r.instant!.content as HandshakeCommand).title === "DIM!",
      timeoutMs,
      after,
    );
    return success.instant!.content as HandshakeCommand;
  }

  /** Waits for a received message matching `match` (from inbox index `from`). */
  async next(
    match: (received: Received) => boolean,
    timeoutMs = 5000,
    from = 0,
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#processing;
      const found = this.inbox.slice(from).find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${this.id.value}: nothing matched within ${timeoutMs} ms; got ${
            this.inbox.map(describe).join(" | ")
          }`,
        );
      }
      await this.#wait(left);
    }
  }

  /** Waits for a command with this name. */
  nextCommand(name: string, timeoutMs = 5000, from = 0): Promise<Received> {
    return this.next((r) => commandName(r) === name, timeoutMs, from);
  }

  /** Waits for a receipt with this text. */
  nextReceipt(text: string, timeoutMs = 5000, from = 0): Promise<Received> {
    return this.next((r) => receiptText(r) === text, timeoutMs, from);
  }

  /** Waits until `count` messages match, or the time is up; returns those that did. */
  async collect(
    match: (received: Received) => boolean,
    count: number,
    timeoutMs = 5000,
  ): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#processing;
      const found = this.inbox.filter(match);
      const left = deadline - Date.now();
      if (found.length >= count || left <= 0) return found;
      await this.#wait(left);
    }
  }

  /** Waits `ms` and returns what matched in that time (to check that nothing came). */
  async quiet(
    match: (received: Received) => boolean,
    ms = 300,
  ): Promise<Received[]> {
    const from = this.inbox.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.#processing;
    return this.inbox.slice(from).filter(match);
  }

  /** Closes the connection and waits until it is closed. */
  async close(): Promise<void> {
    this.conn.close();
    await this.conn.done;
    await this.#processing;
  }

  #receive(all: readonly string[]): void {
    const tap = this.tap;
    const lines = tap === undefined ? all : all.filter((line) => !tap(line));
    if (lines.length === 0) return;
    this.#processing = this.#processing.then(async () => {
      for (const line of lines) {
        let msg: ReliableMessage;
        try {
          msg = ReliableMessage.parse(line);
        } catch {
          continue;
        }
        this.inbox.push(await this.#read(msg, line));
      }
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
  }

  async #read(msg: ReliableMessage, line: string): Promise<Received> {
    try {
      const instant = await this.packer.unpack(msg);
      const content = instant.content;
      if (
        msg.sender.type === EntityType.STATION &&
        content instanceof HandshakeCommand && this.stationId === undefined
      ) {
        this.stationId = msg.sender;
      }
      return { msg, line, instant };
    } catch (error) {
      return { msg, line, error };
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }
}

function packerFor(
  account: Account,
  world: World,
  cipherKeys?: CipherKeyCache,
): MessagePacker {
  return new MessagePacker({
    cipherKeys,
    user: {
      id: account.id,
      signKey: account.signKey,
      decryptKeys: account.decryptKeys,
      meta: account.meta,
      visa: account.visa,
    },
    directory: world,
    onAttachments: (sender, found) => {
      if (found.meta !== undefined) world.metas.set(sender.value, found.meta);
      if (found.visa !== undefined) world.visas.set(sender.value, found.visa);
    },
  });
}

function describe(received: Received): string {
  const content = received.instant?.content;
  if (content === undefined) {
    return `${received.msg.sender.value}->${received.msg.receiver.value} (unread: ${received.error})`;
  }
  const dict = content.dictionary;
  const what = (dict.command as string) ?? `type ${dict.type}`;
  const text = (content as Command).dictionary.text ??
    (content as Command).dictionary.title ?? "";
  return `${what} ${text}`;
}

/** A station in a fresh temp directory, on a free loopback port. */
export interface TestStation {
  readonly station: Station;
  readonly port: number;
  readonly dir: string;
}

/** Runs `fn` with a fresh station; stops it and removes its directory afterwards. */
export async function withStation(
  options: Partial<StationOptions>,
  fn: (test: TestStation) => Promise<void>,
): Promise<void> {
  const dir = options.storePath === undefined
    ? Deno.makeTempDirSync({ prefix: "dim-station-test-" })
    : undefined;
  const station = await Station.start({
    hostname: "127.0.0.1",
    port: 0,
    ...options,
    storePath: options.storePath ?? `${dir}/dim.db`,
  });
  try {
    await fn({ station, port: station.port, dir: dir ?? "" });
  } finally {
    await station.stop();
    if (dir !== undefined) Deno.removeSync(dir, { recursive: true });
  }
}

/** Connects and handshakes a peer per account. */
export async function online(
  port: number,
  list: readonly Account[],
  options: PeerOptions = {},
): Promise<TestPeer[]> {
  const world = options.world ?? new World();
  const peers: TestPeer[] = [];
  for (const account of list) {
    const peer = await TestPeer.connect(port, account, { ...options, world });
    await peer.handshake();
    peers.push(peer);
  }
  return peers;
}

/** Closes peers. */
export async function closeAll(
  peers: readonly (TestPeer | undefined)[],
): Promise<void> {
  await Promise.all(peers.map((peer) => peer?.close()));
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
