/**
 * The one implementation of {@linkcode Connection}: a `Deno.Conn` driven by a
 * framing endpoint (private to `station/transport`). It sniffs the framing of
 * an accepted connection, runs the read loop (one payload handled at a time,
 * which is also the back-pressure on the peer), writes through one ordered,
 * bounded, coalescing queue, correlates acknowledgements, and enforces the
 * timeouts when its owner calls `tick`.
 *
 * @module
 */
import {
  type AckKey,
  createEndpoint,
  type EndpointEvent,
  type FramingEndpoint,
  FramingError,
  type HttpRequestHead,
  type LateFrame,
  parseHttpRequestHead,
  sniffFraming,
} from "../../dimp/transport/mod.ts";
import type {
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionHandler,
  Framing,
  Payload,
  SendResult,
} from "./connection.ts";
import type { ByteConn } from "./_node_socket.ts";
import { afterTurnFirsts, endOfTurn } from "./end_of_turn.ts";
import { closeInfoOf, DiscardedLinesError } from "./errors.ts";
import { ReadyWaiters } from "./ready_waiters.ts";
import type { TransportLimits } from "./limits.ts";

/** Answers a plain HTTP request on the station port (a complete response). */
export type HttpResponder = (
  head: HttpRequestHead | "invalid" | "too-large",
) => Uint8Array;

/** What a {@linkcode StreamConnection} is made of. */
export interface StreamConnectionInit {
  readonly conn: ByteConn;
  readonly handler: ConnectionHandler;
  readonly limits: Required<TransportLimits>;
  /** A client's endpoint; without one the connection sniffs as a station. */
  readonly endpoint?: FramingEndpoint;
  /** Station side: the answer to plain HTTP requests. */
  readonly http?: HttpResponder;
  /**
   * Called with the connection when every op ended, just before `done`
   * resolves (the owner's cleanup: one function may serve every connection).
   */
  readonly onFinished?: (connection: StreamConnection) => void;
}

/** A frame to write: its bytes, or a reply made when it is written. */
interface Outbound {
  readonly bytes: Uint8Array;
  readonly late?: LateFrame;
  readonly onWritten?: (written: boolean) => void;
}

interface AwaitingAck {
  readonly key: AckKey;
  /** The frame to resend; emptied once settled. */
  bytes: Uint8Array;
  /** Emptied once settled. */
  onResult: (result: SendResult) => void;
  tries: number;
  deadline: number;
  done: boolean;
}

const WRITTEN: SendResult = { sent: true, acknowledged: false };
const ACKNOWLEDGED: SendResult = { sent: true, acknowledged: true };
const CLOSED: SendResult = { sent: false, reason: "closed" };
const ACK_TIMEOUT: SendResult = { sent: false, reason: "ack-timeout" };
const NO_BYTES = new Uint8Array(0);
const NOBODY = (): void => {};
const QUEUE_FULL: SendResult = { sent: false, reason: "queue-full" };

const MAX_HTTP_HEAD = 16 * 1024;
const MAX_SNIFF = 64 * 1024;
/** The read buffer of a quiet connection (grows while reads fill it). */
const MIN_READ_BUFFER = 1024;
const MAX_READ_BUFFER = 64 * 1024;
/**
 * Queued frames are written together from a pooled buffer of this size (a
 * new backing store per write costs more than the copy), at most
 * {@link MAX_SPARE_WRITE_BUFFERS} kept for all connections; replies are
 * made straight into it. A frame larger than the buffer is written alone.
 */
const WRITE_BUFFER_BYTES = 64 * 1024;
const MAX_SPARE_WRITE_BUFFERS = 8;
const spareWriteBuffers: Uint8Array[] = [];
const MAX_LINGER_DISCARD = 64 * 1024;
/**
 * Spare read buffers by size (index k: {@link MIN_READ_BUFFER} · 2^k),
 * shared by all connections, at most {@link SPARE_READ_BYTES} of each size:
 * a read loop that grows or shrinks its buffer swaps it for a spare one
 * instead of allocating (at 2,000 texts/s a 1.3 KB text after a short `OK`
 * made the loop go 1 ↔ 2 KB hundreds of times a second). A pending read
 * still holds a buffer of the size it holds now: an idle connection's
 * stays small.
 */
const spareReadBuffers: Uint8Array[][] = [];
const SPARE_READ_BYTES = 64 * 1024;

let nextId = 1;

/**
 * "No time yet" for the fields that later hold `Date.now()` values: a
 * double from the start (0 is a small integer), so that the first timestamp
 * written does not change the field's representation — V8 would give every
 * connection a new shape then and drop the optimised code of the relay path
 * that was made for the old one (a busy station's first partial frame at a
 * tick did that).
 */
const NEVER = -Infinity;

/**
 * Writes the frames at the front of `queue` into `buffer` while they fit,
 * the late ones made there; how many and their bytes in all.
 */
function _fill(
  buffer: Uint8Array,
  queue: readonly Outbound[],
): { count: number; length: number } {
  let at = 0;
  let count = 0;
  for (; count < queue.length; count++) {
    const { bytes, late } = queue[count];
    if (late === undefined) {
      if (at + bytes.length > buffer.length) break;
      buffer.set(bytes, at);
      at += bytes.length;
    } else {
      if (at + late.length > buffer.length) break;
      const length = late.writeInto(buffer.subarray(at));
      if (length < 0) break;
      at += length;
    }
  }
  return { count, length: at };
}

/** The spares of read buffers of `size` bytes (a power of two times the least). */
function _spareReadBuffersOf(size: number): Uint8Array[] {
  const k = Math.log2(size / MIN_READ_BUFFER);
  return spareReadBuffers[k] ??= [];
}

/** A read buffer of `size` bytes: a spare one, else a new one. */
function _readBuffer(size: number): Uint8Array {
  return _spareReadBuffersOf(size).pop() ?? new Uint8Array(size);
}

/** A read buffer of `size` bytes for `old`, which becomes a spare (if room). */
function _swapReadBuffer(old: Uint8Array, size: number): Uint8Array {
  const spares = _spareReadBuffersOf(old.length);
  if ((spares.length + 1) * old.length <= SPARE_READ_BYTES) spares.push(old);
  return _readBuffer(size);
}

/** Bytes received before the framing is known (amortised growth). */
class SniffBuffer {
  #data = new Uint8Array(0);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#length + chunk.length > this.#data.length) {
      const grown = new Uint8Array(
        Math.max(1024, 2 * (this.#length + chunk.length)),
      );
      grown.set(this.#data.subarray(0, this.#length));
      this.#data = grown;
    }
    this.#data.set(chunk, this.#length);
    this.#length += chunk.length;
    return this.#data.subarray(0, this.#length);
  }
}

/** A connection over a `Deno.Conn`. */
export class StreamConnection implements Connection {
  readonly id: number = nextId++;
  readonly role: "station" | "client";
  readonly remoteAddress: readonly [string, number];
  readonly connectedAt: number = Date.now();
  readonly done: Promise<CloseInfo>;

  readonly #conn: ByteConn;
  readonly #handler: ConnectionHandler;
  readonly #limits: Required<TransportLimits>;
  readonly #http: HttpResponder | undefined;
  readonly #onFinished: ((connection: StreamConnection) => void) | undefined;
  #endpoint: FramingEndpoint | null;
  #sniff: SniffBuffer | null;
  #resolveDone!: (info: CloseInfo) => void;
  /** Made when asked for (a dialer waits for it; an accepted connection never). */
  #opened: PromiseWithResolvers<void> | undefined;
  /** Why the connection ended before its framing was established. */
  #notOpened: Error | undefined;

  #isOpen = false;
  /** No more writes are queued; the queue drains, then the socket closes. */
  #closing = false;
  /** The socket is (being) closed; everything outstanding has failed. */
  #closed = false;
  /** The write side is shut (after the last write); waiting for the peer's close. */
  #halfClosed = false;
  #closeInfo: CloseInfo | null = null;
  /** When a closing connection is closed at the latest (set when closing). */
  #closeDeadline: number = Infinity;
  #discarded = 0;

  #bytesReceived = 0;
  #bytesSent = 0;
  #lastReceived: number = this.connectedAt;
  #lastHeartbeat: number = NEVER;
  #events = 0;
  #eventsAtMark = 0;
  /** Events and sends by the previous tick (none since: the endpoint rests). */
  #activityAtTick = -1;
  #sends = 0;
  /** Since when a partial frame waits ({@link NEVER}: none). */
  #partialSince: number = NEVER;

  #queue: Outbound[] = [];
  #queuedBytes = 0;
  /**
   * A message was sent since the last flush began: this turn's flush goes
   * before those of connections with only replies, acknowledgements and
   * the like to write (a station's routed texts before its handshakes'
   * replies, whose writes may cost the thread its CPU to the peer they
   * wake).
   */
  #sent = false;
  #writer: Promise<void> | null = null;
  #inFlight = 0;
  #awaiting: AwaitingAck[] = [];
  /**
   * Awaiting acknowledgement by key (made with the first: most connections
   * never need it); a list only when sends share a key (WebSocket ACKs by
   * signature), MTP's are distinct.
   */
  #byKey: Map<AckKey, AwaitingAck | AwaitingAck[]> | undefined;
  readonly #readyWaiters = new ReadyWaiters();

  constructor(init: StreamConnectionInit) {
    this.#conn = init.conn;
    this.#handler = init.handler;
    this.#limits = init.limits;
    this.#http = init.http;
    this.#onFinished = init.onFinished;
    this.#endpoint = init.endpoint ?? null;
    this.#sniff = init.endpoint ? null : new SniffBuffer();
    this.role = init.endpoint?.role ?? "station";
    const remote = init.conn.remoteAddr as Deno.NetAddr;
    this.remoteAddress = [remote.hostname, remote.port];
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    init.conn.setNoDelay(true);
  }

  /**
   * Resolves when the framing is established; rejects if the connection
   * closes first. Made with the first call: an accepted connection, whose
   * owner hears of it through `onOpen`, holds no promise for it.
   */
  get opened(): Promise<void> {
    if (this.#opened === undefined) {
      this.#opened = Promise.withResolvers();
      this.#opened.promise.catch(() => {}); // a caller that stops waiting
      if (this.#isOpen) this.#opened.resolve();
      else if (this.#notOpened) this.#opened.reject(this.#notOpened);
    }
    return this.#opened.promise;
  }

  get framing(): Framing {
    return this.#endpoint!.framing;
  }

  get closed(): boolean {
    return this.#closed || this.#closing;
  }

  get pending(): number {
    return this.#inFlight;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Whether the framing is established (the session knows this connection). */
  get isOpen(): boolean {
    return this.#isOpen;
  }

  reply(payloads: readonly Payload[]): void {
    const endpoint = this.#endpoint;
    if (endpoint !== null && payloads.length > 0) {
      this.#reply(endpoint, -1, payloads);
    }
  }

  send(payload: Payload): Promise<SendResult> {
    return new Promise((resolve) => this.sendWith(payload, resolve));
  }

  sendWith(payload: Payload, onResult: (result: SendResult) => void): void {
    if (this.closed || this.#endpoint === null) return onResult(CLOSED);
    if (this.#inFlight >= this.#limits.maxQueue) {
      this.#terminate({ reason: "slow-consumer" });
      return onResult(QUEUE_FULL);
    }
    const out = this.#endpoint.encodeMessage(payload);
    this.#inFlight++;
    this.#sends++;
    this.#sent = true;
    if (out.ackKey === null) {
      this.#enqueue(
        out.bytes,
        (written) => this.#finish(onResult, written ? WRITTEN : CLOSED),
      );
      return;
    }
    const awaiting: AwaitingAck = {
      key: out.ackKey,
      bytes: out.bytes,
      onResult,
      tries: 1,
      deadline: Date.now() + this.#limits.ackTimeout,
      done: false,
    };
    this.#awaiting.push(awaiting);
    const byKey = this.#byKey ??= new Map();
    const found = byKey.get(out.ackKey);
    if (found === undefined) byKey.set(out.ackKey, awaiting);
    else if (Array.isArray(found)) found.push(awaiting);
    else byKey.set(out.ackKey, [found, awaiting]);
    this.#enqueue(out.bytes);
  }

  /** A send ended: its result goes to its caller, its room to the next. */
  #finish(onResult: (result: SendResult) => void, result: SendResult): void {
    this.#inFlight--;
    try {
      onResult(result);
    } catch (error) {
      this.#report(error as Error);
    }
    this.#wakeReady();
  }

  ready(): Promise<void> {
    return this.#readyWaiters.ready(() => this.#hasRoom());
  }

  close(): void {
    this.#shutdown({ reason: "local" }, true);
  }

  /** Closes for the listener's shutdown (in order, like `close`). */
  shutdown(): void {
    this.#shutdown({ reason: "shutdown" }, true);
  }

  /** Runs the connection until it closes; resolves after every op ended. */
  async run(): Promise<void> {
    try {
      if (this.#endpoint !== null) {
        const start = this.#endpoint.start();
        if (start) this.#enqueue(start);
        await this.#drain(this.#endpoint); // framings without a handshake are open at once
      }
      await this.#readLoop();
    } finally {
      this.#closeSocket();
      await this.#writer;
      this.#failOutstanding();
      const info = this.#closeInfo ?? { reason: "peer" };
      this.#onFinished?.(this);
      if (!this.#isOpen) {
        this.#notOpened = new Error(`closed before open: ${info.reason}`);
        this.#opened?.reject(this.#notOpened);
      }
      if (this.#isOpen) {
        try {
          this.#handler.onClose?.(this, info);
        } catch (error) {
          this.#report(error as Error);
        }
      }
      this.#resolveDone(info);
    }
  }

  /** Enforces timeouts, resends unacknowledged messages, sends client heartbeats. */
  tick(now: number): void {
    if (this.#closed) return;
    const limits = this.#limits;
    if (this.#closing) {
      if (now >= this.#closeDeadline) this.#terminate(this.#closeInfo!);
      return;
    }
    if (!this.#isOpen && now - this.connectedAt >= limits.handshakeTimeout) {
      return this.#terminate({ reason: "handshake-timeout" });
    }
    if (now - this.#lastReceived >= limits.idleTimeout) {
      return this.#terminate({ reason: "idle-timeout" });
    }
    if ((this.#endpoint?.bufferedBytes ?? 0) === 0) {
      this.#partialSince = NEVER;
    } else if (
      this.#partialSince === NEVER || this.#events !== this.#eventsAtMark
    ) {
      this.#partialSince = now;
      this.#eventsAtMark = this.#events;
    } else if (now - this.#partialSince >= limits.frameTimeout) {
      return this.#terminate({ reason: "frame-timeout" });
    }
    if (
      this.role === "client" && this.#isOpen &&
      now - this.#lastReceived >= limits.heartbeatInterval &&
      now - this.#lastHeartbeat >= limits.heartbeatInterval
    ) {
      const heartbeat = this.#endpoint!.heartbeat();
      if (heartbeat !== null) this.#enqueue(heartbeat);
      this.#lastHeartbeat = now;
    }
    this.#resendExpired(now);
    const activity = this.#events + this.#sends;
    if (activity === this.#activityAtTick) this.#endpoint?.rest?.();
    this.#activityAtTick = activity;
  }

  /**
   * Drops acknowledged entries from the front of the deadline-ordered list,
   * resends the expired ones (same bytes) or fails them after the retries.
   * One splice per tick: acknowledgements between ticks may be many.
   */
  #resendExpired(now: number): void {
    const awaiting = this.#awaiting;
    if (awaiting.length === 0) return; // an idle connection allocates nothing
    const resent: AwaitingAck[] = [];
    let passed = 0;
    for (; passed < awaiting.length; passed++) {
      const entry = awaiting[passed];
      if (entry.done) continue;
      if (entry.deadline > now) break;
      if (entry.tries <= this.#limits.ackRetries) {
        entry.tries++;
        entry.deadline = now + this.#limits.ackTimeout;
        resent.push(entry);
        this.#enqueue(entry.bytes);
      } else {
        this.#settleAwaiting(entry, ACK_TIMEOUT);
      }
    }
    if (passed > 0) awaiting.splice(0, passed);
    for (const entry of resent) awaiting.push(entry);
    // acknowledged entries behind an old unacknowledged one: compact
    if (awaiting.length > 2 * this.#inFlight + 64) {
      this.#awaiting = awaiting.filter((entry) => !entry.done);
    }
  }

  async #readLoop(): Promise<void> {
    // an idle connection's pending read holds this buffer: it is small
    // unless data flows (reads that fill it double it; a short read, when
    // the flow stops, shrinks it back)
    let buffer = _readBuffer(MIN_READ_BUFFER);
    for (;;) {
      let n: number | null;
      try {
        n = await this.#conn.read(buffer);
      } catch (error) {
        if (!this.#closed) {
          this.#setCloseInfo(
            closeInfoOf(error),
          );
        }
        return;
      }
      if (n === null) {
        this.#setCloseInfo({ reason: "peer" });
        return;
      }
      this.#bytesReceived += n;
      if (this.#closed) return;
      this.#lastReceived = Date.now();
      if (this.#closing) {
        // lingering: the peer's last bytes are dropped, a flood is cut off
        this.#discarded += n;
        if (this.#discarded > MAX_LINGER_DISCARD) {
          this.#terminate(this.#closeInfo!);
        }
        continue;
      }
      const handling = this.#receive(buffer.subarray(0, n));
      if (handling !== undefined) await handling;
      // the bytes were handled: nothing refers to the old buffer any more
      if (n === buffer.length && buffer.length < MAX_READ_BUFFER) {
        buffer = _swapReadBuffer(buffer, buffer.length * 2);
      } else if (n <= MIN_READ_BUFFER / 2 && buffer.length > MIN_READ_BUFFER) {
        buffer = _swapReadBuffer(buffer, MIN_READ_BUFFER);
      }
    }
  }

  /** Handles received bytes; a promise only while an async onPayload runs. */
  #receive(chunk: Uint8Array): Promise<void> | void {
    if (this.#endpoint === null) {
      const bytes = this.#sniff!.push(chunk);
      const framing = sniffFraming(bytes, {
        maxHttpHeadLength: MAX_HTTP_HEAD,
        maxSniffLength: MAX_SNIFF,
      });
      if (framing === null) return;
      if (framing === "unknown") {
        const error = new FramingError(
          "junk",
          `${bytes.length} bytes match no framing`,
        );
        return this.#terminate({ reason: "framing-error", error });
      }
      if (framing === "http") return this.#serveHttp(bytes);
      this.#sniff = null;
      this.#endpoint = createEndpoint(framing, "station", {
        maxPayloadLength: this.#limits.maxFrameBytes,
        maxLinesPerPayload: this.#limits.maxLinesPerPayload,
        maxHttpHeadLength: MAX_HTTP_HEAD,
      });
      chunk = bytes;
    }
    this.#endpoint.push(chunk);
    return this.#drain(this.#endpoint);
  }

  #serveHttp(bytes: Uint8Array): void {
    const parsed = parseHttpRequestHead(bytes);
    const head = parsed === null ||
        (typeof parsed === "object" && parsed.length > MAX_HTTP_HEAD)
      ? "too-large"
      : parsed;
    this.#enqueue(this.#http ? this.#http(head) : new Uint8Array(0));
    this.#shutdown({ reason: "local" }, false);
  }

  /** Acts on the endpoint's events; continues after an async onPayload settles. */
  #drain(endpoint: FramingEndpoint): Promise<void> | void {
    for (let event = endpoint.next(); event !== null; event = endpoint.next()) {
      this.#events++;
      switch (event.type) {
        case "open":
          this.#isOpen = true;
          this.#opened?.resolve();
          try {
            this.#handler.onOpen?.(this);
          } catch (error) {
            this.#report(error as Error);
          }
          break;
        case "write":
          this.#enqueue(event.bytes);
          break;
        case "acknowledged":
          this.#acknowledge(event.key);
          break;
        case "discarded":
          this.#report(new DiscardedLinesError(event.count, event.why));
          break;
        case "payload": {
          const handling = this.#deliver(endpoint, event);
          if (handling !== undefined) {
            return handling.then(() =>
              this.closed ? undefined : this.#drain(endpoint)
            );
          }
          break;
        }
        case "end":
          if (event.error) this.#report(event.error);
          this.#shutdown(
            event.error
              ? { reason: "framing-error", error: event.error }
              : { reason: "peer" },
            false,
          );
          return;
      }
      if (this.closed) return;
    }
  }

  /** Hands a payload to the session and writes its responses. */
  #deliver(
    endpoint: FramingEndpoint,
    event: Extract<EndpointEvent, { type: "payload" }>,
  ): Promise<void> | void {
    let responses: readonly Payload[] | void = undefined;
    if (event.lines.length > 0) {
      try {
        const result = this.#handler.onPayload(this, event.lines);
        if (result instanceof Promise) {
          return result.then(
            (later) => this.#reply(endpoint, event.replyTo, later),
            (error) => {
              this.#report(
                error instanceof Error ? error : new Error(String(error)),
              );
              this.#reply(endpoint, event.replyTo, undefined);
            },
          );
        }
        responses = result;
      } catch (error) {
        this.#report(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.#reply(endpoint, event.replyTo, responses);
  }

  #reply(
    endpoint: FramingEndpoint,
    replyTo: number,
    responses: readonly Payload[] | void,
  ): void {
    if (this.closed) return;
    if (replyTo < 0 && endpoint.deferReply !== undefined && responses) {
      // made at the flush, straight into the write buffer
      for (const response of responses) {
        if (!(response instanceof Uint8Array)) {
          this.#enqueueLate(endpoint.deferReply(response));
        } else {
          for (const reply of endpoint.encodeReplies(replyTo, [response])) {
            this.#enqueue(reply);
          }
        }
      }
      return;
    }
    for (
      const reply of endpoint.encodeReplies(
        replyTo,
        responses ?? [],
      )
    ) {
      this.#enqueue(reply);
    }
  }

  #acknowledge(key: AckKey): void {
    const found = this.#byKey?.get(key);
    const first = Array.isArray(found) ? found[0] : found;
    if (first === undefined) return; // an OK for a reply, or a late ack
    this.#settleAwaiting(first, ACKNOWLEDGED);
  }

  #settleAwaiting(awaiting: AwaitingAck, result: SendResult): void {
    if (awaiting.done) return;
    awaiting.done = true;
    const found = this.#byKey?.get(awaiting.key);
    if (found === awaiting) {
      this.#byKey!.delete(awaiting.key);
    } else if (Array.isArray(found)) {
      const at = found.indexOf(awaiting);
      if (at >= 0) found.splice(at, 1);
      if (found.length === 0) this.#byKey!.delete(awaiting.key);
    }
    // a settled entry stays in the list until the next tick: it must not
    // keep its frame and its caller's state alive that long (up to a
    // second: long enough for the GC to promote them at every text)
    const onResult = awaiting.onResult;
    awaiting.bytes = NO_BYTES;
    awaiting.onResult = NOBODY;
    this.#finish(onResult, result);
  }

  #report(error: Error): void {
    if (!this.#isOpen) return; // the session never knew this connection
    try {
      this.#handler.onError?.(this, error);
    } catch {
      // a failing logger must not break the connection
    }
  }

  #enqueue(bytes: Uint8Array, onWritten?: (written: boolean) => void): void {
    if (this.#closed || this.#halfClosed) {
      onWritten?.(false);
      return;
    }
    this.#queue.push({ bytes, onWritten });
    this.#queued(bytes.length);
  }

  #enqueueLate(late: LateFrame): void {
    if (this.#closed || this.#halfClosed) return;
    this.#queue.push({ bytes: NO_BYTES, late });
    this.#queued(late.length);
  }

  /** Counts `length` more bytes queued and makes sure a flush comes. */
  #queued(length: number): void {
    this.#queuedBytes += length;
    if (this.#queuedBytes > this.#limits.maxQueuedBytes) {
      return this.#terminate({ reason: "slow-consumer" });
    }
    this.#writer ??= this.#flush();
  }

  async #flush(): Promise<void> {
    // what the rest of this turn of the event loop queues (more responses,
    // acknowledgements, pushes from other connections' payloads) goes into
    // the same write; a connection that sent no message goes after those
    // that did
    await endOfTurn();
    if (!this.#sent) await afterTurnFirsts();
    this.#sent = false;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const queue = this.#queue;
        let data: Uint8Array;
        let pooled: Uint8Array | undefined;
        let count = 0;
        const first = queue[0];
        if (
          queue.length === 1 &&
          (first.late === undefined || spareWriteBuffers.length === 0)
        ) {
          // alone: no copy, and no new 64 KiB buffer for one reply
          data = first.late?.encode() ?? first.bytes;
          count = 1;
        } else {
          pooled = spareWriteBuffers.pop() ??
            new Uint8Array(WRITE_BUFFER_BYTES);
          const at = _fill(pooled, queue);
          count = at.count;
          data = pooled.subarray(0, at.length);
          if (count === 0) {
            // the first frame is larger than the buffer: alone
            data = first.late?.encode() ?? first.bytes;
            count = 1;
          }
        }
        const batch = queue.splice(0, count);
        let size = 0;
        for (const item of batch) {
          size += item.late?.length ?? item.bytes.length;
        }
        for (let at = 0; at < data.length;) {
          const written = await this.#conn.write(
            at === 0 ? data : data.subarray(at),
          );
          at += written;
          this.#bytesSent += written;
        }
        // written: the buffer is free again (a failed write drops it)
        if (
          pooled !== undefined &&
          spareWriteBuffers.length < MAX_SPARE_WRITE_BUFFERS
        ) spareWriteBuffers.push(pooled);
        this.#queuedBytes -= size;
        for (const item of batch) item.onWritten?.(true);
        this.#wakeReady();
      }
    } catch (error) {
      if (!this.#closed) {
        this.#terminate(
          closeInfoOf(error),
        );
      }
    }
    if (this.#closing && !this.#closed) await this.#halfClose();
    this.#writer = null;
  }

  /** After the last write: shut our side and let the peer close (until the close deadline). */
  async #halfClose(): Promise<void> {
    this.#halfClosed = true;
    try {
      await this.#conn.closeWrite();
    } catch {
      this.#terminate(this.#closeInfo!);
    }
  }

  #hasRoom(): boolean {
    return this.closed || (
      this.#inFlight <= this.#limits.maxQueue / 2 &&
      this.#queuedBytes <= this.#limits.maxQueuedBytes / 2
    );
  }

  #wakeReady(): void {
    this.#readyWaiters.wake(() => this.#hasRoom());
  }

  #setCloseInfo(info: CloseInfo): void {
    this.#closeInfo ??= info;
  }

  /** Closes in order: optional goodbye, queued writes flushed, then linger. */
  #shutdown(info: CloseInfo, goodbye: boolean): void {
    if (this.closed) return;
    this.#setCloseInfo(info);
    const bytes = goodbye ? this.#endpoint?.goodbye() : null;
    if (bytes) this.#enqueue(bytes);
    this.#closing = true;
    this.#closeDeadline = Date.now() + this.#limits.lingerTimeout;
    this.#wakeReady();
    this.#writer ??= this.#flush();
  }

  /** Closes at once: the socket, and every send outstanding fails. */
  #terminate(info: CloseInfo): void {
    if (this.#closed) return;
    this.#setCloseInfo(info);
    this.#closed = true;
    this.#closeSocket();
    this.#failOutstanding();
  }

  #closeSocket(): void {
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  #failOutstanding(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const item of queue) item.onWritten?.(false);
    const awaiting = this.#awaiting;
    this.#awaiting = [];
    for (const item of awaiting) this.#settleAwaiting(item, CLOSED);
    this.#wakeReady();
  }
}

export type { CloseReason };
