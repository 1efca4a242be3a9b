/**
 * A stand-in for the station inside the bench process, on a loopback port
 * of its own (private to `cli/bench`): the bench's self warm-up (run.ts)
 * runs its timed phase's code against it before the clock, so that V8 has
 * compiled the bench's frame reader, signature look-ups, receipt scanners,
 * AES and writes before the measured station sees a frame — and the
 * measured station sees nothing of it.
 *
 * It does what the bench needs of a station and no more: each MESSAGE is
 * acknowledged with an MTP `OK` (the same transaction ID), pushed to the
 * connection its route names (a fresh transaction ID), and, when its route
 * has a receipt, answered with it — the receipts of one read batched in an
 * array content (or one message each, as the bench asked the station),
 * encrypted with the same sealed key each time, as the station sends them. The receipt messages the bench verifies (the first
 * of each connection and one in `verifyEvery` after it) are signed by the
 * stand-in's own key; the others carry random bytes of a signature's
 * length, which the bench does not read (an ECDSA signature each would
 * be most of the warm-up's time). What goes out to one connection in a
 * turn of the event loop is written at once.
 *
 * @module
 */
import { ArrayContent, type Content } from "../../dimp/content/mod.ts";
import type { PrivateKey } from "../../dimp/crypto/mod.ts";
import {
  type EntityDirectory,
  type LocalUser,
  MemoryCipherKeyCache,
  MessagePacker,
} from "../../dimp/message/mod.ts";
import {
  encodeMtpPackage,
  MtpDecoder,
  MtpType,
  OK,
} from "../../dimp/transport/mod.ts";
import { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";

/** Where a MESSAGE goes, by its frame number (the sn's last four bytes). */
export interface MirrorRoute {
  /** The connection it is pushed to (its index in accept order). */
  readonly to: number;
  /** The station receipt its sender gets, if any. */
  readonly receipt?: Content;
}

/** What the stand-in is told. */
export interface MirrorOptions {
  /** The stand-in's own identity: signs its receipt messages. */
  readonly station: LocalUser;
  /** The users' visas (the receipts' message key is sealed for them). */
  readonly directory: EntityDirectory;
  /** The user of each connection, in accept order. */
  readonly users: readonly LocalUser[];
  /** A MESSAGE's route by its frame number; `undefined`: only acknowledged. */
  readonly routeOf: (frame: number) => MirrorRoute | undefined;
  /**
   * The receipt messages of a connection the bench verifies: the first and
   * one in this many after it (1: every one).
   */
  readonly verifyEvery: number;
  /** Receipts batched in array contents (else one message each). */
  readonly arrays: boolean;
}

/**
 * Signs for real while {@link _SampledKey.real}, else makes random bytes
 * of the last real signature's length.
 */
class _SampledKey implements PrivateKey {
  readonly algorithm: PrivateKey["algorithm"];
  real = true;
  readonly #key: PrivateKey;
  #length = 72;

  constructor(key: PrivateKey) {
    this.#key = key;
    this.algorithm = key.algorithm;
  }

  get publicKey(): PrivateKey["publicKey"] {
    return this.#key.publicKey;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (!this.real) {
      return crypto.getRandomValues(new Uint8Array(this.#length));
    }
    const signature = await this.#key.sign(data);
    this.#length = signature.length;
    return signature;
  }

  toDictionary(): Record<string, unknown> {
    return this.#key.toDictionary();
  }

  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}

/**
 * The loopback stand-in: {@link MirrorStation.accept} takes the next
 * connection as the next user's.
 *
 * @example
 * ```ts ignore
 * const mirror = MirrorStation.listen({ station, directory, users, routeOf });
 * const accepted = mirror.accept();
 * const conn = await RawMtpConnection.dial("127.0.0.1", mirror.port, {}, prefix, tap);
 * await accepted;
 * ```
 */
export class MirrorStation {
  /** The loopback port it listens on. */
  readonly port: number;
  readonly #o: MirrorOptions;
  readonly #listener: Deno.TcpListener;
  readonly #packer: MessagePacker;
  readonly #signer: _SampledKey;
  readonly #conns: Deno.TcpConn[] = [];
  readonly #out: Uint8Array[][] = [];
  readonly #writing: Promise<void>[] = [];
  /** Receipt messages sent on each connection. */
  readonly #answered: number[] = [];
  /** The receipt messages' packing, one at a time ({@link _SampledKey.real}). */
  #packing: Promise<void> = Promise.resolve();
  readonly #tasks = new Set<Promise<void>>();
  #flushing = false;
  #sn = 0;

  private constructor(options: MirrorOptions) {
    this.#o = options;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = this.#listener.addr.port;
    this.#signer = new _SampledKey(options.station.signKey);
    this.#packer = new MessagePacker({
      user: { ...options.station, signKey: this.#signer },
      directory: options.directory,
      cipherKeys: new MemoryCipherKeyCache(),
    });
  }

  /** Listens on 127.0.0.1, on a port of its own. */
  static listen(options: MirrorOptions): MirrorStation {
    return new MirrorStation(options);
  }

  /** Takes the next connection, as the next user's. */
  async accept(): Promise<void> {
    const conn = await this.#listener.accept();
    conn.setNoDelay(true);
    const index = this.#conns.length;
    this.#conns.push(conn);
    this.#out.push([]);
    this.#writing.push(Promise.resolve());
    this.#answered.push(0);
    const task = this.#serve(index, conn).catch(() => {});
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    await this.#packing;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // closed by its reader already
      }
    }
    await Promise.all(this.#tasks);
  }

  async #serve(index: number, conn: Deno.TcpConn): Promise<void> {
    const decoder = new MtpDecoder();
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        decoder.push(buffer.slice(0, n));
        const receipts: Content[] = [];
        for (let got = decoder.next(); got !== null; got = decoder.next()) {
          const { header, body } = got;
          if (header.type !== MtpType.MESSAGE) continue;
          this.#push(
            index,
            encodeMtpPackage({
              type: MtpType.MESSAGE_RESPONSE,
              sn: header.sn,
              body: OK,
            }),
          );
          const route = this.#o.routeOf(header.snLo);
          if (route === undefined) continue;
          this.#push(
            route.to,
            encodeMtpPackage({
              type: MtpType.MESSAGE,
              snHi: 0,
              snLo: ++this.#sn,
              body,
            }),
          );
          if (route.receipt !== undefined) receipts.push(route.receipt);
        }
        if (receipts.length === 0) continue;
        if (this.#o.arrays) this.#answer(index, ArrayContent.create(receipts));
        else for (const receipt of receipts) this.#answer(index, receipt);
      }
    } finally {
      try {
        conn.close();
      } catch {
        // closed by close()
      }
    }
  }

  /** Sends `content` (receipts) on connection `index`, in order. */
  #answer(index: number, content: Content): void {
    const user = this.#o.users[index];
    this.#packing = this.#packing.then(async () => {
      this.#signer.real = this.#answered[index]++ % this.#o.verifyEvery === 0;
      const msg = await this.#packer.packContent(user.id, content);
      this.#push(
        index,
        encodeMtpPackage({
          type: MtpType.MESSAGE,
          snHi: 0,
          snLo: ++this.#sn,
          body: msg.serialize(),
        }),
      );
    }).catch(() => {}); // its texts stay unanswered: the warm-up reports it
  }

  /** Queues a frame for connection `index`, written at the end of the turn. */
  #push(index: number, frame: Uint8Array): void {
    if (index >= this.#out.length) return; // not connected (yet)
    this.#out[index].push(frame);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = false;
    for (let i = 0; i < this.#out.length; i++) {
      const frames = this.#out[i];
      if (frames.length === 0) continue;
      this.#out[i] = [];
      const bytes = Buffer.concat(frames);
      const conn = this.#conns[i];
      this.#writing[i] = this.#writing[i].then(async () => {
        for (let at = 0; at < bytes.length;) {
          at += await conn.write(bytes.subarray(at));
        }
      }).catch(() => {});
    }
  }
}
