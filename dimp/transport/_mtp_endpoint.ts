/**
 * The MTP endpoint (transport.md §3.3–3.6): answers PING with PONG and other
 * commands with OK, acknowledges every MESSAGE and fragment with OK, assembles
 * fragments, correlates MESSAGE_RESPONSE to our sends by sn. Both sides behave
 * alike; only a client sends heartbeats.
 *
 * @module
 */
import { concatBytes, readU32, textLength } from "./_bytes.ts";
import { EndpointBase } from "./_endpoint_base.ts";
import type {
  AckKey,
  EndpointOptions,
  LateFrame,
  Outgoing,
  Payload,
  Role,
  TextParts,
} from "./endpoint.ts";
import { FramingError } from "./errors.ts";
import {
  encodeMtpPackage,
  encodeMtpPackageIn,
  encodeMtpPackageInto,
  type MtpDataType,
  MtpDecoder,
  type MtpHeader,
  type MtpPackageInit,
  mtpPackageMaxLength,
  MtpSerials,
  MtpType,
} from "./mtp.ts";
import { heartbeatOf, OK, PING, PONG } from "./payload.ts";
import { ByteSlab } from "./byte_slab.ts";
import { BoundedMap } from "../bounded_map.ts";

/** Fragment sets assembled at once; a new one beyond this evicts the oldest. */
const MAX_FRAGMENT_SETS = 8;
/** Pages a fragment set may have. */
const MAX_FRAGMENT_PAGES = 4096;

interface FragmentSet {
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

/**
 * The acknowledgement key of an 8-byte sn: its low 53 bits as a number (no
 * string per send). Our sns count up from a random start, so the keys of a
 * connection's sends in flight are distinct.
 */
function _snKey(sn: Uint8Array): AckKey {
  return _snKeyOf(readU32(sn, 0), readU32(sn, 4));
}

/** {@link _snKey} of an sn read as two numbers. */
function _snKeyOf(hi: number, lo: number): AckKey {
  return (hi & 0x1f_ffff) * 0x1_0000_0000 + lo;
}

/**
 * The sn of the message being encoded, shared by every endpoint: it is
 * written and read within one synchronous call (small typed arrays cost
 * ~0.5 KiB each in Deno; one per connection was one per idle session).
 */
const SN = new Uint8Array(8);

/** A MESSAGE whose frame is made when it is written ({@link LateFrame}). */
class _LateMessage implements LateFrame {
  readonly #init: MtpPackageInit;
  readonly length: number;
  readonly maxLength: number;

  constructor(snHi: number, snLo: number, body: string | TextParts) {
    this.#init = { type: MtpType.MESSAGE, snHi, snLo, body };
    this.maxLength = mtpPackageMaxLength(this.#init);
    this.length = this.maxLength - 2 * textLength(body);
  }

  writeInto(into: Uint8Array): number {
    return encodeMtpPackageInto(into, this.#init);
  }

  encode(): Uint8Array {
    return encodeMtpPackage(this.#init);
  }
}

/**
 * MTP over TCP.
 *
 * @example
 * ```ts
 * import { MtpEndpoint } from "./_mtp_endpoint.ts";
 * import { encodeMtpPackage, MtpType } from "./mtp.ts";
 * const station = new MtpEndpoint("station");
 * const sn = new Uint8Array(8).fill(7);
 * station.push(encodeMtpPackage({ type: MtpType.COMMAND, sn, body: new TextEncoder().encode("PING") }));
 * console.assert(station.next()?.type === "open");
 * console.assert(station.next()?.type === "write"); // COMMAND_RESPONSE "PONG"
 * ```
 */
export class MtpEndpoint extends EndpointBase {
  readonly framing = "mtp" as const;
  protected readonly input: MtpDecoder;
  readonly #serials = new MtpSerials();
  /**
   * The bytes of this connection's sent packages, which live until
   * acknowledged or written. A received package's body is a view of the
   * received bytes, read before more are pushed (a fragment is copied).
   */
  readonly #slab = new ByteSlab();
  /** Fragmented messages being put together (made with the first fragment). */
  #fragments: BoundedMap<string, FragmentSet> | undefined;

  constructor(role: Role, options: EndpointOptions = {}) {
    super(role, options);
    this.input = new MtpDecoder({
      maxBodyLength: this.maxPayloadLength,
      maxJunk: options.maxJunk,
      viewBodies: true,
    });
  }

  protected decodeOne(): boolean {
    const pkg = this.input.next();
    if (pkg === null) return false;
    const { header, body } = pkg;
    const heartbeat = heartbeatOf(body);
    switch (header.type) {
      case MtpType.COMMAND:
        this.#respond(
          MtpType.COMMAND_RESPONSE,
          header,
          heartbeat === "PING" ? PONG : OK,
        );
        break;
      case MtpType.MESSAGE:
        this.#respond(MtpType.MESSAGE_RESPONSE, header, OK);
        if (heartbeat === null) this.deliver(body);
        break;
      case MtpType.MESSAGE_FRAGMENT:
        this.#respond(MtpType.MESSAGE_RESPONSE, header, OK);
        this.#assemble(header, body);
        break;
      case MtpType.MESSAGE_RESPONSE:
        if (heartbeat === "AGAIN") break;
        this.emit({
          type: "acknowledged",
          key: _snKeyOf(header.snHi, header.snLo),
        });
        // a 2021 station answered with its responses as the body (§3.7)
        if (heartbeat === null && body[0] === 0x7b) this.deliver(body);
        break;
        // COMMAND_RESPONSE (PONG/OK): nothing to do
    }
    return true;
  }

  #respond(type: MtpDataType, request: MtpHeader, body: Uint8Array): void {
    this.write(encodeMtpPackageIn(this.#slab, {
      type,
      snHi: request.snHi,
      snLo: request.snLo,
      pages: request.pages,
      index: request.index,
      body,
    }));
  }

  #assemble(header: MtpHeader, body: Uint8Array): void {
    if (header.pages === 1) return this.deliver(body);
    if (header.pages > MAX_FRAGMENT_PAGES) {
      throw new FramingError(
        "too-large",
        `MTP message in ${header.pages} fragments`,
      );
    }
    const key = header.sn.toHex();
    const fragments = this.#fragments ??= new BoundedMap(MAX_FRAGMENT_SETS);
    let set = fragments.get(key);
    if (set === undefined || set.parts.length !== header.pages) {
      set = { parts: new Array(header.pages), received: 0, bytes: 0 };
      fragments.set(key, set);
    }
    const previous = set.parts[header.index];
    set.bytes += body.length - (previous?.length ?? 0);
    if (previous === undefined) set.received++;
    // kept past this push: a copy, not a view of the received bytes
    set.parts[header.index] = body.slice();
    if (set.bytes > this.maxPayloadLength) {
      throw new FramingError(
        "too-large",
        `MTP fragments of ${set.bytes} bytes`,
      );
    }
    if (set.received < header.pages) return;
    fragments.delete(key);
    this.deliver(concatBytes(...set.parts as Uint8Array[]));
  }

  encodeMessage(payload: Payload): Outgoing {
    const bytes = this.#message(payload);
    return { bytes, ackKey: _snKey(SN) };
  }

  encodeReplies(_replyTo: number, payloads: readonly Payload[]): Uint8Array[] {
    return payloads.map((body) => this.#message(body));
  }

  deferReply(body: string | TextParts): LateFrame {
    const sn = this.#serials.next(SN);
    return new _LateMessage(readU32(sn, 0), readU32(sn, 4), body);
  }

  /** A MESSAGE with a fresh sn (left in {@link SN} until the next one). */
  #message(body: Payload): Uint8Array {
    const sn = this.#serials.next(SN);
    return encodeMtpPackageIn(this.#slab, { type: MtpType.MESSAGE, sn, body });
  }

  rest(): void {
    this.#slab.release();
  }

  heartbeat(): Uint8Array | null {
    if (this.role === "station") return null;
    return encodeMtpPackage({
      type: MtpType.COMMAND,
      sn: this.#serials.next(),
      body: PING,
    });
  }
}
