/**
 * A scripted station side for the client-session tests: a real listener on
 * 127.0.0.1, a real station account and real crypto, but no station logic —
 * each test says what to answer (so that it can also answer wrongly, late,
 * or not at all, which a real station never does on purpose).
 *
 * @module
 */
import {
  DocumentCommand,
  HandshakeCommand,
  MetaCommand,
  ReceiptCommand,
} from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import {
  type Document,
  EntityType,
  type GeneratedAccount,
  type ID,
  type Meta,
} from "../../dimp/identity/mod.ts";
import {
  type InstantMessage,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import {
  type Connection,
  listenStation,
  type StationListener,
} from "../../station/transport/mod.ts";
import { localUser, newAccount } from "./_accounts.ts";

/** One message the responder received. */
export interface Inbound {
  readonly conn: Connection;
  readonly reliable: ReliableMessage;
  /** Decrypted when it was for the station (or a broadcast). */
  readonly instant: InstantMessage | undefined;
}

/** What a test does with each message (after it was recorded). */
export type Script = (inbound: Inbound, responder: Responder) => unknown;

/** A station identity made once for every test. */
const STATION = await newAccount("gsp-test", EntityType.STATION);

/** The scripted station side. */
export class Responder implements AsyncDisposable {
  readonly account: GeneratedAccount = STATION;
  readonly listener: StationListener;
  readonly packer: MessagePacker;
  readonly metas = new Map<string, Meta>();
  readonly visas = new Map<string, Document>();
  readonly received: Inbound[] = [];
  script: Script;
  #waiters: { test: (i: Inbound) => boolean; wake: (i: Inbound) => void }[] =
    [];

  constructor(script: Script) {
    this.script = script;
    this.metas.set(STATION.id.value, STATION.meta);
    this.visas.set(STATION.id.value, STATION.document);
    this.packer = new MessagePacker({
      user: localUser(STATION),
      directory: {
        meta: (id: ID) => Promise.resolve(this.metas.get(id.value)),
        visa: (id: ID) => Promise.resolve(this.visas.get(id.value)),
        members: () => Promise.resolve([]),
      },
      onAttachments: (sender, found) => {
        if (found.meta) this.metas.set(sender.value, found.meta);
        if (found.visa) this.visas.set(sender.value, found.visa);
      },
    });
    this.listener = listenStation({
      hostname: "127.0.0.1",
      port: 0,
      handler: {
        onPayload: async (conn, lines) => {
          for (const line of lines) await this.#receive(conn, line);
        },
      },
    });
  }

  get port(): number {
    return this.listener.port;
  }

  get id(): ID {
    return STATION.id;
  }

  /** Lets the station know an account (as if it had uploaded its documents). */
  know(account: GeneratedAccount): void {
    this.metas.set(account.id.value, account.meta);
    this.visas.set(account.id.value, account.document);
  }

  /**
   * Packs `content` from the station to `receiver` and pushes it on `conn`
   * (not waiting for the acknowledgement: it is read only after the script
   * returns).
   */
  async reply(
    conn: Connection,
    receiver: ID,
    content: Content,
    attach = false,
  ): Promise<void> {
    const msg = await this.packer.packContent(receiver, content, { attach });
    conn.send(msg.serialize());
  }

  /**
   * The reference handshake: an offer with `key` gets `DIM!`, any other
   * `DIM?` with `key` (meta and visa attached when it came to
   * station@anywhere). Returns true when it was a handshake.
   */
  async handshake(inbound: Inbound, key: string): Promise<boolean> {
    const content = inbound.instant?.content;
    if (!(content instanceof HandshakeCommand)) return false;
    const sender = inbound.reliable.sender;
    const address: [string, number] = [...inbound.conn.remoteAddress];
    const answer = content.session === key
      ? HandshakeCommand.success(key, { remoteAddress: address })
      : HandshakeCommand.again(key, { remoteAddress: address });
    await this.reply(
      inbound.conn,
      sender,
      answer,
      inbound.reliable.receiver.isBroadcast,
    );
    return true;
  }

  /** Answers a documents query from what the station knows, like §4.9. */
  async documents(inbound: Inbound): Promise<boolean> {
    const content = inbound.instant?.content;
    if (!(content instanceof DocumentCommand) || !content.isQuery) {
      return false;
    }
    const id = content.identifier!;
    const visa = this.visas.get(id.value);
    const answer = visa === undefined
      ? ReceiptCommand.create("Document not found.", inbound.reliable)
      : DocumentCommand.response(id, this.metas.get(id.value), [visa]);
    await this.reply(inbound.conn, inbound.reliable.sender, answer);
    return true;
  }

  /** Answers a meta query from what the station knows, like §4.9. */
  async meta(inbound: Inbound): Promise<boolean> {
    const content = inbound.instant?.content;
    if (!(content instanceof MetaCommand) || content.metaDictionary) {
      return false;
    }
    const id = content.identifier!;
    const meta = this.metas.get(id.value);
    const answer = meta === undefined
      ? ReceiptCommand.create("Meta not found.", inbound.reliable)
      : MetaCommand.response(id, meta);
    await this.reply(inbound.conn, inbound.reliable.sender, answer);
    return true;
  }

  /** The handshake, meta and documents answers, in one. */
  async standard(inbound: Inbound, key: string): Promise<boolean> {
    return await this.handshake(inbound, key) || await this.meta(inbound) ||
      await this.documents(inbound);
  }

  /** Resolves with the first message (recorded or coming) that passes `test`. */
  waitFor(test: (i: Inbound) => boolean, timeoutMs = 5000): Promise<Inbound> {
    const found = this.received.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.wake !== wake);
        reject(new Error(`no such message within ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = (i: Inbound) => {
        clearTimeout(timer);
        resolve(i);
      };
      this.#waiters.push({ test, wake });
    });
  }

  async #receive(conn: Connection, line: string): Promise<void> {
    const reliable = ReliableMessage.parse(line);
    let instant: InstantMessage | undefined;
    const receiver = reliable.receiver;
    if (receiver.isBroadcast || receiver.equals(STATION.id)) {
      instant = await this.packer.unpack(reliable);
    }
    const inbound = { conn, reliable, instant };
    this.received.push(inbound);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.test(inbound)) return true;
      w.wake(inbound);
      return false;
    });
    await this.script(inbound, this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.listener.close();
  }
}

/** Whether the message carries a command of this name (decrypted). */
export function isCommand(inbound: Inbound, name: string): boolean {
  const content = inbound.instant?.content as { name?: string } | undefined;
  return content?.name === name;
}
