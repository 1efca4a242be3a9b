/**
 * The bench's own MTP connection (private to `cli/bench`): what a session
 * needs of a {@linkcode Connection}, plus a raw receive path for the timed
 * phase. Each complete frame is looked at by its header only: a MESSAGE the
 * bench's tap takes (a text it counts by signature, a station receipt) is
 * acknowledged at once with `OK` as any client does — written from a
 * template, the request's sn copied in —, and an acknowledgement of one of
 * the bench's pre-encoded frames goes to the tap by frame number. Every
 * other frame (handshake answers, PING, fragments, what the tap leaves) goes
 * through the ordinary MTP endpoint of `dimp/transport` and the session's
 * handler, in order.
 *
 * @module
 */
import {
  type AckKey,
  type ByteSlab,
  createEndpoint,
  encodeMtpPackage,
  encodeMtpPackageIn,
  type FramingEndpoint,
  MtpType,
  OK,
  type Payload,
} from "../../dimp/transport/mod.ts";
import {
  type CloseInfo,
  closeInfoOf,
  type Connection,
  type ConnectionHandler,
  DialError,
  type DialOptions,
  endOfTurn,
  ReadyWaiters,
  resolveLimits,
  type SendResult,
  sweepEvery,
  type TransportLimits,
} from "../../client/transport/mod.ts";

/** What the bench does with the frames it reads itself. */
export interface FrameTap {
  /**
   * A pushed MESSAGE's body: `bytes` from `start` to `end` (valid during
   * the call only); `true`: taken (the connection acknowledges it),
   * `false`: the session gets it.
   */
  message(bytes: Uint8Array, start: number, end: number): boolean;
  /** The station acknowledged pre-encoded frame `frame` ({@link benchFrame}). */
  acknowledged(frame: number): void;
}

/** `DIM`. */
const MAGIC_0 = 0x44;
const MAGIC_1 = 0x49;
const MAGIC_2 = 0x4d;
/** Header byte 3 of an HL-4 MESSAGE and MESSAGE_RESPONSE. */
const HL4_MESSAGE = (4 << 4) | MtpType.MESSAGE;
const HL4_RESPONSE = (4 << 4) | MtpType.MESSAGE_RESPONSE;
/** An HL-4 MESSAGE_RESPONSE `OK` (the request's sn is copied in per answer). */
const OK_TEMPLATE = encodeMtpPackage({
  type: MtpType.MESSAGE_RESPONSE,
  sn: new Uint8Array(8).fill(1),
  body: OK,
});

const CLOSED: SendResult = { sent: false, reason: "closed" };
const ACKNOWLEDGED: SendResult = { sent: true, acknowledged: true };
const ACK_TIMEOUT: SendResult = { sent: false, reason: "ack-timeout" };

const MIN_READ_ROOM = 16 * 1024;
const IGNORE: ConnectionHandler = { onPayload: () => {} };

let nextId = 1_000_000_000;

/**
 * An MTP MESSAGE frame with transaction ID `prefix ‖ frame`: the bench
 * encodes every text before the clock starts and tells the station's
 * acknowledgement of it by `frame` ({@link FrameTap.acknowledged}). With a
 * `slab` the frame is a piece of its chunks (ten thousand frames: not ten
 * thousand buffers of their own to allocate and account for).
 *
 * @example
 * ```ts ignore
 * const frame = benchFrame(prefix, 7, new TextEncoder().encode('{"sender":"…"}'));
 * ```
 */
export function benchFrame(
  prefix: number,
  frame: number,
  body: Uint8Array,
  slab?: ByteSlab,
): Uint8Array {
  return encodeMtpPackageIn(slab, {
    type: MtpType.MESSAGE,
    snHi: prefix,
    snLo: frame,
    body,
  });
}

/**
 * A connection's read buffer and its two write buffers, made ahead: ~96 KiB
 * that cost ~0.3 ms to allocate on this machine, which a bench makes before
 * its clock as a client has its memory before it connects.
 */
export interface RawBuffers {
  readonly read: Uint8Array;
  readonly out: Uint8Array;
  readonly spare: Uint8Array;
}

/**
 * New buffers for one {@link RawMtpConnection}.
 *
 * @example
 * ```ts ignore
 * const buffers = rawBuffers(); // before the clock
 * buffers.read.length; // 65536
 * ```
 */
export function rawBuffers(): RawBuffers {
  return {
    read: new Uint8Array(64 * 1024),
    out: new Uint8Array(16 * 1024),
    spare: new Uint8Array(16 * 1024),
  };
}

interface Awaiting {
  readonly settle: (result: SendResult) => void;
  readonly deadline: number;
}

/**
 * A client MTP connection whose read loop hands frames to a {@link FrameTap}
 * first.
 */
export class RawMtpConnection implements Connection {
  readonly id: number = nextId++;
  readonly framing = "mtp" as const;
  readonly role = "client" as const;
  readonly remoteAddress: readonly [string, number];
  readonly connectedAt: number = Date.now();
  readonly done: Promise<CloseInfo>;
  readonly #conn: Deno.TcpConn;
  readonly #endpoint: FramingEndpoint;
  readonly #handler: ConnectionHandler;
  readonly #limits: Required<TransportLimits>;
  readonly #prefix: number;
  #tap: FrameTap | undefined;
  #resolveDone!: (info: CloseInfo) => void;
  #closeInfo: CloseInfo | undefined;
  #closing = false;
  #closed = false;
  #bytesReceived = 0;
  #bytesSent = 0;
  #lastReceived = Date.now();
  #lastHeartbeat = 0;
  #buffer: Uint8Array;
  #start = 0;
  #end = 0;
  /** What the next write takes, and the buffer of the write under way. */
  #out: Uint8Array;
  #outLength = 0;
  #outFrames = 0;
  #spare: Uint8Array;
  #writing = 0;
  #writer: Promise<void> | null = null;
  #awaiting = new Map<AckKey, Awaiting>();
  readonly #readyWaiters = new ReadyWaiters();
  #handing: Promise<void> = Promise.resolve();
  /** Leaves the process's sweep of client connections. */
  #stopTicks: () => void;

  private constructor(
    conn: Deno.TcpConn,
    options: DialOptions,
    prefix: number,
    tap: FrameTap | undefined,
    buffers: RawBuffers,
  ) {
    this.#conn = conn;
    this.#buffer = buffers.read;
    this.#out = buffers.out;
    this.#spare = buffers.spare;
    this.#limits = resolveLimits(options);
    this.#handler = options.handler ?? IGNORE;
    this.#prefix = prefix;
    this.#tap = tap;
    this.#endpoint = createEndpoint("mtp", "client", {
      maxPayloadLength: this.#limits.maxFrameBytes,
      maxLinesPerPayload: this.#limits.maxLinesPerPayload,
    });
    this.#endpoint.next(); // "open": MTP has no handshake of its own
    const remote = conn.remoteAddr;
    this.remoteAddress = [remote.hostname, remote.port];
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    conn.setNoDelay(true);
    this.#stopTicks = sweepEvery(1000, { tick: (now) => this.#tick(now) });
  }

  /**
   * Connects (MTP is open at once) and starts reading; `prefix` is the
   * upper half of the bench frames' transaction IDs; `buffers` (default:
   * new ones) are the connection's own from then on.
   *
   * @throws {DialError} the connection could not be made
   */
  static async dial(
    host: string,
    port: number,
    options: DialOptions,
    prefix: number,
    tap?: FrameTap,
    buffers: RawBuffers = rawBuffers(),
  ): Promise<RawMtpConnection> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
    } catch (error) {
      throw new DialError(`cannot connect to ${host}:${port}`, {
        cause: error,
      });
    }
    const connection = new RawMtpConnection(
      conn,
      options,
      prefix,
      tap,
      buffers,
    );
    connection.#run();
    return connection;
  }

  get closed(): boolean {
    return this.#closed || this.#closing;
  }

  get pending(): number {
    return this.#awaiting.size + this.#outFrames;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Sets (or, with `undefined`, removes) the tap. */
  set tap(tap: FrameTap | undefined) {
    this.#tap = tap;
  }

  /** Writes a pre-encoded frame ({@link benchFrame}); false once closed. */
  sendFrame(frame: Uint8Array): boolean {
    if (this.closed) return false;
    this.#enqueue(frame);
    return true;
  }

  /**
   * Hands a line the tap took back to the session, after what the session
   * has been handed before (not ordered with the frames read meanwhile).
   */
  handOver(line: string): void {
    if (this.closed) return;
    this.#handing = this.#handing.then(() => this.#deliver([line]));
  }

  send(payload: Payload): Promise<SendResult> {
    return new Promise((resolve) => this.sendWith(payload, resolve));
  }

  sendWith(payload: Payload, onResult: (result: SendResult) => void): void {
    if (this.closed) return onResult(CLOSED);
    const out = this.#endpoint.encodeMessage(payload);
    const key = out.ackKey!;
    this.#awaiting.set(key, {
      settle: (result) => {
        this.#awaiting.delete(key);
        onResult(result);
        this.#wakeReady();
      },
      deadline: Date.now() +
        this.#limits.ackTimeout * (this.#limits.ackRetries + 1),
    });
    this.#enqueue(out.bytes);
  }

  reply(payloads: readonly Payload[]): void {
    if (this.closed) return;
    for (const bytes of this.#endpoint.encodeReplies(-1, payloads)) {
      this.#enqueue(bytes);
    }
  }

  ready(): Promise<void> {
    return this.#readyWaiters.ready(() => this.#hasRoom());
  }

  close(): void {
    if (this.closed) return;
    this.#closeInfo ??= { reason: "local" };
    this.#closing = true;
    this.#writer ??= this.#flush();
  }

  // ------------------------------------------------------------- reading

  async #run(): Promise<void> {
    try {
      for (;;) {
        this.#makeRoom();
        let n: number | null;
        try {
          n = await this.#conn.read(this.#buffer.subarray(this.#end));
        } catch (error) {
          if (!this.#closed) {
            this.#closeInfo ??= closeInfoOf(error);
          }
          return;
        }
        if (n === null) {
          this.#closeInfo ??= { reason: "peer" };
          return;
        }
        if (this.#closed) return;
        this.#bytesReceived += n;
        this.#lastReceived = Date.now();
        this.#end += n;
        if (this.#closing) { // lingering: what the peer still says is dropped
          this.#start = this.#end;
          continue;
        }
        const handling = this.#frames();
        if (handling !== undefined) await handling;
      }
    } finally {
      this.#terminate(this.#closeInfo ?? { reason: "peer" });
      await this.#writer;
      this.#stopTicks();
      try {
        this.#handler.onClose?.(this, this.#closeInfo!);
      } catch {
        // the owner's bug must not keep `done` from resolving
      }
      this.#resolveDone(this.#closeInfo!);
    }
  }

  /** Room for the next read: the unread bytes moved to the front, or a bigger buffer. */
  #makeRoom(): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#buffer.length - this.#end >= MIN_READ_ROOM) return;
    const unread = this.#end - this.#start;
    if (unread + MIN_READ_ROOM <= this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(2 * (unread + MIN_READ_ROOM));
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
    }
    this.#end = unread;
    this.#start = 0;
  }

  /**
   * The complete frames in the buffer, in order; a promise only while the
   * session's handler works on a payload (the next frames wait for it).
   */
  #frames(): Promise<void> | void {
    const buf = this.#buffer;
    const tap = this.#tap;
    // a frame the endpoint has begun: it reads on (asked again only after
    // `#slow` fed it, not per frame — a chain of getters)
    if (this.#endpoint.bufferedBytes > 0) return this.#slow(this.#end);
    while (this.#end - this.#start >= 4 && !this.closed) {
      const at = this.#start;
      if (
        buf[at] !== MAGIC_0 ||
        buf[at + 1] !== MAGIC_1 || buf[at + 2] !== MAGIC_2
      ) {
        // junk: the endpoint resynchronises
        return this.#slow(this.#end);
      }
      const words = buf[at + 3] >> 4;
      if (words !== 2 && words !== 4 && words !== 6) {
        return this.#slow(this.#end);
      }
      const headerLength = words * 4;
      if (this.#end - at < headerLength) return;
      const bodyLength = readU32(buf, at + headerLength - 4);
      if (bodyLength > this.#limits.maxFrameBytes) return this.#slow(this.#end);
      const total = headerLength + bodyLength;
      if (this.#end - at < total) return;
      if (tap !== undefined && words === 4) {
        if (
          buf[at + 3] === HL4_MESSAGE &&
          tap.message(buf, at + 16, at + total)
        ) {
          this.#start = at + total;
          this.#enqueueOk(buf, at + 4);
          continue;
        }
        if (
          buf[at + 3] === HL4_RESPONSE && readU32(buf, at + 4) === this.#prefix
        ) {
          this.#start = at + total;
          tap.acknowledged(readU32(buf, at + 8));
          continue;
        }
      }
      const handling = this.#slow(at + total);
      if (handling !== undefined) {
        return handling.then(() => this.#frames());
      }
      if (this.#endpoint.bufferedBytes > 0) return this.#slow(this.#end);
    }
  }

  /** Bytes up to `to` through the endpoint and the handler. */
  #slow(to: number): Promise<void> | void {
    this.#endpoint.push(this.#buffer.slice(this.#start, to));
    this.#start = to;
    return this.#drain();
  }

  #drain(): Promise<void> | void {
    const endpoint = this.#endpoint;
    for (let event = endpoint.next(); event !== null; event = endpoint.next()) {
      switch (event.type) {
        case "write":
          this.#enqueue(event.bytes);
          break;
        case "acknowledged":
          this.#awaiting.get(event.key)?.settle(ACKNOWLEDGED);
          break;
        case "discarded":
          this.#report(
            new Error(`${event.count} line(s) dropped: ${event.why}`),
          );
          break;
        case "payload": {
          const handling = this.#deliver(event.lines);
          if (handling !== undefined) {
            return handling.then(() => this.closed ? undefined : this.#drain());
          }
          break;
        }
        case "end":
          if (event.error) this.#report(event.error);
          this.#closeInfo ??= event.error
            ? { reason: "framing-error", error: event.error }
            : { reason: "peer" };
          this.close();
          return;
        case "open":
          break;
      }
    }
  }

  #deliver(lines: readonly string[]): Promise<void> | void {
    if (lines.length === 0) return;
    const answered = (responses: readonly Payload[] | void) => {
      if (responses) this.reply(responses);
    };
    try {
      const result = this.#handler.onPayload(this, lines);
      if (result instanceof Promise) {
        return result.then(answered, (error) => this.#report(error));
      }
      answered(result);
    } catch (error) {
      this.#report(error as Error);
    }
  }

  #report(error: Error): void {
    try {
      this.#handler.onError?.(this, error);
    } catch {
      // a failing logger must not break the connection
    }
  }

  // ------------------------------------------------------------- writing

  #enqueue(bytes: Uint8Array): void {
    if (!this.#reserve(bytes.length)) return;
    this.#out.set(bytes, this.#outLength);
    this.#outLength += bytes.length;
  }

  /** An `OK` for the MESSAGE whose sn is at `bytes[sn]`, with no copy of its own. */
  #enqueueOk(bytes: Uint8Array, sn: number): void {
    if (!this.#reserve(OK_TEMPLATE.length)) return;
    const out = this.#out;
    const at = this.#outLength;
    out.set(OK_TEMPLATE, at);
    for (let i = 0; i < 8; i++) out[at + 4 + i] = bytes[sn + i];
    this.#outLength += OK_TEMPLATE.length;
  }

  /** Room for a frame of `size` bytes in the next write; false once closed. */
  #reserve(size: number): boolean {
    if (this.#closed) return false;
    if (this.#outLength + this.#writing + size > this.#limits.maxQueuedBytes) {
      this.#terminate({ reason: "slow-consumer" });
      return false;
    }
    if (this.#outLength + size > this.#out.length) {
      const grown = new Uint8Array(2 * (this.#outLength + size));
      grown.set(this.#out.subarray(0, this.#outLength));
      this.#out = grown;
    }
    this.#outFrames++;
    this.#writer ??= this.#flush();
    return true;
  }

  async #flush(): Promise<void> {
    // what the rest of this turn of the event loop queues (the answers to
    // every connection's reads, the sends they release) goes into one write
    await endOfTurn();
    try {
      while (this.#outLength > 0 && !this.#closed) {
        const data = this.#out;
        const size = this.#outLength;
        this.#out = this.#spare;
        this.#outLength = 0;
        this.#outFrames = 0;
        this.#writing = size;
        for (let at = 0; at < size;) {
          const written = await this.#conn.write(data.subarray(at, size));
          at += written;
          this.#bytesSent += written;
        }
        this.#writing = 0;
        this.#spare = data;
        this.#wakeReady();
      }
      if (this.#closing && !this.#closed) {
        await this.#conn.closeWrite();
        setTimeout(
          () => this.#terminate(this.#closeInfo!),
          this.#limits.lingerTimeout,
        );
      }
    } catch (error) {
      if (!this.#closed) {
        this.#terminate(
          closeInfoOf(error),
        );
      }
    }
    this.#writer = null;
  }

  #hasRoom(): boolean {
    return this.closed || (
      this.#awaiting.size <= this.#limits.maxQueue / 2 &&
      this.#outLength + this.#writing <= this.#limits.maxQueuedBytes / 2
    );
  }

  #wakeReady(): void {
    this.#readyWaiters.wake(() => this.#hasRoom());
  }

  // ------------------------------------------------------------- the rest

  #tick(now: number): void {
    if (this.closed) return;
    if (now - this.#lastReceived >= this.#limits.idleTimeout) {
      return this.#terminate({ reason: "idle-timeout" });
    }
    if (
      now - this.#lastReceived >= this.#limits.heartbeatInterval &&
      now - this.#lastHeartbeat >= this.#limits.heartbeatInterval
    ) {
      const heartbeat = this.#endpoint.heartbeat();
      if (heartbeat !== null) this.#enqueue(heartbeat);
      this.#lastHeartbeat = now;
    }
    for (const awaiting of [...this.#awaiting.values()]) {
      if (awaiting.deadline <= now) awaiting.settle(ACK_TIMEOUT);
    }
  }

  /** Closes at once: the socket, and every send outstanding fails. */
  #terminate(info: CloseInfo): void {
    if (this.#closed) return;
    this.#closeInfo ??= info;
    this.#closed = true;
    this.#stopTicks();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#outLength = 0;
    this.#outFrames = 0;
    for (const awaiting of [...this.#awaiting.values()]) {
      awaiting.settle(CLOSED);
    }
    this.#wakeReady();
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
    bytes[at + 3]) >>> 0;
}
