/**
 * A raw MTP client for the station tests: it handshakes and sends
 * messages, reads what is pushed without acknowledging it, and can write
 * any bytes on its bound session.
 *
 * @module
 */
import assert from "node:assert/strict";
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import { ANY_STATION, EVERY_STATION } from "../../dimp/identity/mod.ts";
import { MessagePacker, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  encodeMtpPackage,
  MtpDecoder,
  MtpType,
} from "../../dimp/transport/mod.ts";
import { RawClient } from "./transport/_helpers.ts";
import type { Account, World } from "./_peer.ts";

/** A raw MTP client: sends messages, reads MESSAGE frames, never acknowledges. */
export class SilentMtpClient {
  readonly raw: RawClient;
  readonly packer: MessagePacker;
  readonly #decoder = new MtpDecoder();

  private constructor(raw: RawClient, packer: MessagePacker) {
    this.raw = raw;
    this.packer = packer;
  }

  static async connect(
    port: number,
    account: Account,
    world: World,
  ): Promise<SilentMtpClient> {
    world.know(account);
    const packer = new MessagePacker({
      user: { ...account, meta: account.meta, visa: account.visa },
      directory: world,
      onAttachments: (sender, found) => {
        if (found.meta) world.metas.set(sender.value, found.meta);
        if (found.visa) world.visas.set(sender.value, found.visa);
      },
    });
    return new SilentMtpClient(await RawClient.connect(port), packer);
  }

  async send(msg: ReliableMessage): Promise<void> {
    await this.raw.write(encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: crypto.getRandomValues(new Uint8Array(8)),
      body: msg.serialize(),
    }));
  }

  /** The next `count` messages pushed (not acknowledged). */
  async read(count: number): Promise<ReliableMessage[]> {
    const out: ReliableMessage[] = [];
    const deadline = Date.now() + 5000;
    while (out.length < count && Date.now() < deadline) {
      for (let p = this.#decoder.next(); p !== null; p = this.#decoder.next()) {
        if (p.header.type === MtpType.MESSAGE) {
          out.push(ReliableMessage.parse(p.body));
        }
      }
      if (out.length >= count) break;
      const { bytes, eof } = await this.raw.readSome(deadline - Date.now());
      this.#decoder.push(bytes);
      if (eof) break;
    }
    return out;
  }

  async handshake(): Promise<void> {
    await this.send(
      await this.packer.packContent(ANY_STATION, HandshakeCommand.offer(), {
        attach: true,
        group: EVERY_STATION,
      }),
    );
    const [again] = await this.read(1);
    const content = (await this.packer.unpack(again))
      .content as HandshakeCommand;
    await this.send(
      await this.packer.packContent(
        again.sender,
        HandshakeCommand.offer(content.session),
      ),
    );
    const [success] = await this.read(1);
    const done = (await this.packer.unpack(success))
      .content as HandshakeCommand;
    assert.equal(done.title, "DIM!");
  }
}
