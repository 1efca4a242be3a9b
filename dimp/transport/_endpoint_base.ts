/**
 * The event queue, error handling and payload delivery every endpoint shares
 * (private to `dimp/transport`).
 *
 * @module
 */
import type {
  EndpointEvent,
  EndpointOptions,
  Framing,
  FramingEndpoint,
  Outgoing,
  Payload,
  Role,
} from "./endpoint.ts";
import { FramingError } from "./errors.ts";
import { decodeLines, splitPayload } from "./payload.ts";

/** Default cap of a frame body / message / line: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Default cap of JSON lines per payload. */
export const DEFAULT_MAX_LINES = 64;

/** Where received bytes go: a framing's stream decoder. */
export interface ByteSink {
  push(chunk: Uint8Array): void;
  readonly bufferedBytes: number;
}

/**
 * Shared machinery; subclasses decode one frame per `decodeOne` call from
 * their `input` decoder.
 */
export abstract class EndpointBase implements FramingEndpoint {
  abstract readonly framing: Framing;
  readonly role: Role;
  protected readonly maxPayloadLength: number;
  readonly #maxLines: number;
  #events: EndpointEvent[] = [];
  #ended = false;

  /** `open` is emitted at once unless the framing has a handshake. */
  constructor(role: Role, options: EndpointOptions, openAtStart = true) {
    this.role = role;
    this.maxPayloadLength = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD;
    this.#maxLines = options.maxLinesPerPayload ?? DEFAULT_MAX_LINES;
    if (openAtStart) this.emit({ type: "open" });
  }

  /** The decoder received bytes go to. */
  protected abstract readonly input: ByteSink;

  get bufferedBytes(): number {
    return this.input.bufferedBytes;
  }

  push(chunk: Uint8Array): void {
    if (!this.#ended) this.input.push(chunk);
  }
  abstract encodeMessage(payload: Payload): Outgoing;
  abstract encodeReplies(
    replyTo: number,
    payloads: readonly Payload[],
  ): Uint8Array[];
  abstract heartbeat(): Uint8Array | null;

  start(): Uint8Array | null {
    return null;
  }

  goodbye(): Uint8Array | null {
    return null;
  }

  next(): EndpointEvent | null {
    for (;;) {
      if (this.#events.length > 0) return this.#events.shift()!;
      if (this.#ended) return null;
      try {
        if (!this.decodeOne()) return null;
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        const signal = this.errorSignal(error);
        if (signal !== null) this.write(signal);
        this.end(error);
      }
    }
  }

  /** Decodes at most one frame, emitting its events; false when more bytes are needed. */
  protected abstract decodeOne(): boolean;

  /** The framing's way to tell the peer about `error` (bytes), or `null`. */
  protected errorSignal(_error: FramingError): Uint8Array | null {
    return null;
  }

  protected emit(event: EndpointEvent): void {
    this.#events.push(event);
  }

  protected write(bytes: Uint8Array): void {
    this.#events.push({ type: "write", bytes });
  }

  protected end(error?: FramingError): void {
    this.#ended = true;
    this.#events.push(error ? { type: "end", error } : { type: "end" });
  }

  /**
   * Splits a payload into lines and emits them; lines that are not UTF-8 are
   * dropped, or with `strictUtf8` (a WebSocket TEXT message) fail the connection.
   */
  protected deliver(
    payload: Uint8Array,
    replyTo = -1,
    strictUtf8 = false,
  ): void {
    const raw = splitPayload(payload);
    if (raw.length > this.#maxLines) {
      throw new FramingError(
        "too-many-lines",
        `${raw.length} JSON lines in one payload (limit ${this.#maxLines})`,
      );
    }
    const { lines, invalid } = decodeLines(raw);
    if (invalid > 0 && strictUtf8) {
      throw new FramingError(
        "invalid-utf8",
        "WebSocket TEXT message is not UTF-8",
      );
    }
    if (invalid > 0) {
      this.emit({
        type: "discarded",
        count: invalid,
        why: "line is not UTF-8",
      });
    }
    if (lines.length > 0 || replyTo >= 0) {
      this.emit({ type: "payload", lines, replyTo });
    }
  }
}
