/**
 * A connection without a socket: the station side of a session whose
 * writes land in memory, for tests and benches that drive the pipeline and
 * the dispatcher directly (the socket tests stay). It implements
 * `client/transport`'s {@link Connection}.
 *
 * @module
 */
import type {
  CloseInfo,
  CloseReason,
  Connection,
  SendResult,
} from "../client/transport/mod.ts";
import type { Framing, Payload } from "../dimp/transport/mod.ts";

/** How a {@link MemoryConnection} behaves. */
export interface MemoryConnectionOptions {
  /** The peer's port (the session registry key; default: a new number). */
  readonly port?: number;
  /** The framing it pretends to speak (default `mtp`). */
  readonly framing?: Framing;
  /** Whether sends count as acknowledged by the peer (default true, as MTP). */
  readonly acknowledged?: boolean;
  /** Keep what is sent (default true; a bench turns it off). */
  readonly keep?: boolean;
  /**
   * Whether sends settle at once (default true); false: a peer that reads
   * but never acknowledges — sends settle only when the connection closes.
   */
  readonly settles?: boolean;
}

/**
 * A station-side connection whose sends are taken at once and kept in
 * {@link MemoryConnection.sent} as text.
 *
 * @example
 * ```ts
 * import { MemoryConnection } from "./_memory_connection.ts";
 * const conn = new MemoryConnection();
 * await conn.send("{}"); // { sent: true, acknowledged: true }
 * conn.sent; // ["{}"]
 * conn.close();
 * (await conn.done).reason; // "local"
 * ```
 */
export class MemoryConnection implements Connection {
  static #nextId = 1;
  readonly id: number = MemoryConnection.#nextId++;
  readonly framing: Framing;
  readonly role = "station" as const;
  readonly remoteAddress: readonly [string, number];
  readonly connectedAt: number = Date.now();
  readonly pending = 0;
  readonly bytesReceived = 0;
  readonly done: Promise<CloseInfo>;
  /** What was sent, in order (as text). */
  readonly sent: string[] = [];
  /** How many sends were taken. */
  sends = 0;
  /** How many late responses were written ({@link MemoryConnection.reply}). */
  replied = 0;
  bytesSent = 0;
  #closed = false;
  #finish!: (info: CloseInfo) => void;
  #waiters: (() => void)[] = [];
  readonly #acknowledged: boolean;
  readonly #keep: boolean;
  readonly #settles: boolean;

  /** An open connection. */
  constructor(options: MemoryConnectionOptions = {}) {
    this.framing = options.framing ?? "mtp";
    this.remoteAddress = ["127.0.0.1", options.port ?? 40000 + this.id];
    this.#acknowledged = options.acknowledged ?? true;
    this.#keep = options.keep ?? true;
    this.#settles = options.settles ?? true;
    this.done = new Promise((resolve) => this.#finish = resolve);
  }

  /** Whether {@link MemoryConnection.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Takes the payload at once (refused once closed). */
  send(payload: Payload): Promise<SendResult> {
    if (this.#closed) return Promise.resolve({ sent: false, reason: "closed" });
    this.sends++;
    this.#keepSent(payload);
    if (!this.#settles) {
      return this.done.then(() => ({ sent: false, reason: "closed" }));
    }
    return Promise.resolve({ sent: true, acknowledged: this.#acknowledged });
  }

  /** {@link MemoryConnection.send}, its result handed to `onResult`. */
  sendWith(payload: Payload, onResult: (result: SendResult) => void): void {
    this.send(payload).then(onResult);
  }

  /** Keeps late responses in {@link MemoryConnection.sent} too (dropped once closed). */
  reply(payloads: readonly Payload[]): void {
    if (this.#closed) return;
    this.replied += payloads.length;
    for (const payload of payloads) this.#keepSent(payload);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Waits until `count` late responses were written in all (at most `ms`). */
  async waitForReplies(count: number, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.replied < count) {
      if (this.#closed || Date.now() > deadline) {
        throw new Error(`${this.replied} of ${count} replies written`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      clearTimeout(timer);
    }
  }

  /** There is always room. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Closes (`local`, or the reason given). */
  close(reason: CloseReason = "local"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#finish({ reason });
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #keepSent(payload: Payload): void {
    if (!this.#keep) return;
    const text = payload instanceof Uint8Array
      ? new TextDecoder().decode(payload)
      : [payload].flat().map((part) =>
        typeof part === "string" ? part : part.base64.toBase64()
      ).join("");
    this.bytesSent += text.length;
    this.sent.push(text);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Waits until `count` payloads were sent (at most `ms`). */
  async waitForSent(count: number, ms = 5_000): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.sent.length < count) {
      if (this.#closed || Date.now() > deadline) {
        throw new Error(`${this.sent.length} of ${count} payloads sent`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      clearTimeout(timer);
    }
    return this.sent;
  }
}
