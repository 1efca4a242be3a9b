/**
 * The Mars endpoint (transport.md §4.2). Station side: NOOP is echoed, a
 * `PING` body answered `PONG` (same cmd and seq), every SEND_MSG answered with
 * exactly one cmd-3 packet of the same seq carrying the responses joined by
 * `\n` (the 2021 style the spec recommends), pushes sent as PUSH_MESSAGE with a
 * `Mars SN:` prefix and acknowledged by the client's PUSH_MESSAGE with that SN.
 * Client side (for our own tools): SEND_MSG with a fresh seq, acknowledged by
 * the cmd-3 reply; pushes acknowledged with their SN; NOOP heartbeats.
 *
 * @module
 */
import { bytesEqual, joinLines, toBytes } from "./_bytes.ts";
import { EndpointBase } from "./_endpoint_base.ts";
import type { EndpointOptions, Outgoing, Payload, Role } from "./endpoint.ts";
import {
  encodeMarsPackage,
  MarsCmd,
  MarsDecoder,
  marsPushBody,
  marsSnOf,
  splitMarsSn,
} from "./mars.ts";
import { heartbeatOf, NOOP, PONG } from "./payload.ts";

const EMPTY = new Uint8Array(0);

/**
 * Mars over TCP.
 *
 * @example
 * ```ts
 * import { MarsEndpoint } from "./_mars_endpoint.ts";
 * import { encodeMarsPackage } from "./mars.ts";
 * const station = new MarsEndpoint("station");
 * station.push(encodeMarsPackage({ cmd: 6, seq: 5, body: new Uint8Array(0) }));
 * station.next(); // open
 * const echo = station.next();
 * console.assert(echo?.type === "write" && echo.bytes.length === 20);
 * ```
 */
export class MarsEndpoint extends EndpointBase {
  readonly framing = "mars" as const;
  protected readonly input: MarsDecoder;
  #counter = crypto.getRandomValues(new Uint32Array(1))[0];

  constructor(role: Role, options: EndpointOptions = {}) {
    super(role, options);
    this.input = new MarsDecoder({
      maxBodyLength: this.maxPayloadLength,
      maxJunk: options.maxJunk,
    });
  }

  protected decodeOne(): boolean {
    const pkg = this.input.next();
    if (pkg === null) return false;
    const { header, body } = pkg;
    const heartbeat = heartbeatOf(body);
    if (
      header.cmd === MarsCmd.NOOP &&
      (body.length === 0 || bytesEqual(body, NOOP))
    ) {
      if (this.role === "station") {
        this.write(encodeMarsPackage({ ...header, body }));
      }
      return true;
    }
    if (heartbeat === "PING" && header.cmd !== MarsCmd.PUSH_MESSAGE) {
      this.write(
        encodeMarsPackage({ cmd: header.cmd, seq: header.seq, body: PONG }),
      );
      return true;
    }
    if (heartbeat === "PONG" || heartbeat === "NOOP") return true;
    const { sn, payload } = splitMarsSn(body);
    if (this.role === "station") {
      if (header.cmd === MarsCmd.SEND_MSG) {
        this.deliver(payload, header.seq);
      } else if (header.cmd === MarsCmd.PUSH_MESSAGE) {
        this.emit({ type: "acknowledged", key: sn ?? marsSnOf(header.seq) });
        if (payload[0] === 0x7b) this.deliver(payload);
      }
    } else if (header.cmd === MarsCmd.SEND_MSG) {
      this.emit({ type: "acknowledged", key: `seq:${header.seq}` });
      this.deliver(payload);
    } else if (header.cmd === MarsCmd.PUSH_MESSAGE) {
      this.write(encodeMarsPackage({
        cmd: MarsCmd.PUSH_MESSAGE,
        seq: header.seq,
        body: sn === null ? EMPTY : marsPushBody(sn, EMPTY),
      }));
      this.deliver(payload);
    }
    return true;
  }

  #nextSeq(): number {
    this.#counter = (this.#counter + 1) >>> 0;
    return this.#counter;
  }

  encodeMessage(payload: Payload): Outgoing {
    const seq = this.#nextSeq();
    if (this.role === "client") {
      return {
        bytes: encodeMarsPackage({ cmd: MarsCmd.SEND_MSG, seq, body: payload }),
        ackKey: `seq:${seq}`,
      };
    }
    const sn = marsSnOf(seq);
    const body = marsPushBody(sn, toBytes(payload));
    return {
      bytes: encodeMarsPackage({ cmd: MarsCmd.PUSH_MESSAGE, seq: 0, body }),
      ackKey: sn,
    };
  }

  encodeReplies(replyTo: number, payloads: readonly Payload[]): Uint8Array[] {
    if (replyTo < 0) return payloads.map((p) => this.encodeMessage(p).bytes);
    const body = joinLines(payloads);
    return [encodeMarsPackage({ cmd: MarsCmd.SEND_MSG, seq: replyTo, body })];
  }

  heartbeat(): Uint8Array | null {
    if (this.role === "station") return null;
    return encodeMarsPackage({
      cmd: MarsCmd.NOOP,
      seq: this.#nextSeq(),
      body: EMPTY,
    });
  }
}
