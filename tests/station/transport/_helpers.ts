/**
 * Loopback helpers for the station transport tests: a listener on a free port
 * with a recording echo handler, raw sockets that read with a deadline.
 *
 * @module
 */
import {
  type EndpointEvent,
  type FramingEndpoint,
  MtpDecoder,
  type MtpPackage,
} from "../../../dimp/transport/mod.ts";
import {
  type CloseInfo,
  type Connection,
  type ConnectionHandler,
  type ListenOptions,
  listenStation,
  type StationListener,
} from "../../../station/transport/mod.ts";

/** What a recording handler saw. */
export interface Recorder {
  readonly handler: ConnectionHandler;
  /** Lines per payload, per connection id. */
  readonly payloads: Map<number, string[][]>;
  readonly opened: Connection[];
  readonly closed: { conn: Connection; info: CloseInfo }[];
  readonly errors: Error[];
  /** Resolves when `count` payloads in total were received (rejects after the timeout). */
  waitForPayloads(count: number, timeoutMs?: number): Promise<void>;
}

/** A handler that records everything and answers each line with `respond(line)`. */
export function recorder(
  respond: (line: string) => string | null = () => null,
): Recorder {
  const payloads = new Map<number, string[][]>();
  const opened: Connection[] = [];
  const closed: { conn: Connection; info: CloseInfo }[] = [];
  const errors: Error[] = [];
  let total = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    payloads,
    opened,
    closed,
    errors,
    handler: {
      onOpen: (conn) => void opened.push(conn),
      onPayload: (conn, lines) => {
        const list = payloads.get(conn.id) ?? [];
        list.push([...lines]);
        payloads.set(conn.id, list);
        total++;
        waiters = waiters.filter((w) =>
          w.count > total || (w.resolve(), false)
        );
        return lines.map(respond).filter((r): r is string => r !== null);
      },
      onClose: (conn, info) => void closed.push({ conn, info }),
      onError: (_conn, error) => void errors.push(error),
    },
    waitForPayloads(count: number, timeoutMs = 3000): Promise<void> {
      if (total >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w.resolve !== done);
          reject(
            new Error(`${total} of ${count} payloads after ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ count, resolve: done });
      });
    },
  };
}

/** An echo: `{"echo":<line>}`. */
export const echo = (line: string): string => `{"echo":${line}}`;

/** Runs `fn` with a listener on a free loopback port, closing it afterwards. */
export async function withListener(
  options: Omit<ListenOptions, "port" | "hostname">,
  fn: (listener: StationListener) => Promise<void>,
): Promise<void> {
  const listener = listenStation({
    ...options,
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    await fn(listener);
  } finally {
    await listener.close();
  }
}

/** A raw client socket with deadline reads. */
export class RawClient {
  readonly conn: Deno.TcpConn;
  #buffer = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      at += await this.conn.write(bytes.subarray(at));
    }
  }

  /** Writes one byte at a time (each its own TCP segment: no Nagle on loopback). */
  async writeBytewise(bytes: Uint8Array): Promise<void> {
    this.conn.setNoDelay(true);
    for (let i = 0; i < bytes.length; i++) {
      await this.write(bytes.subarray(i, i + 1));
    }
  }

  /**
   * Writes one byte every `everyMs` until done or the peer closes; returns how
   * many bytes were written.
   */
  async trickle(bytes: Uint8Array, everyMs: number): Promise<number> {
    let sent = 0;
    try {
      for (; sent < bytes.length; sent++) {
        await this.write(bytes.subarray(sent, sent + 1));
        await sleep(everyMs);
      }
    } catch {
      // the station closed while we were still sending
    }
    return sent;
  }

  /** Reads until `count` bytes are buffered (or EOF / the deadline); returns and consumes them. */
  async read(count: number, timeoutMs = 3000): Promise<Uint8Array> {
    await this.#fill((b) => b.length >= count, timeoutMs);
    const out = this.#buffer.slice(0, count);
    this.#buffer = this.#buffer.slice(out.length);
    return out;
  }

  /** Waits for the next bytes (or EOF / the deadline); returns what is buffered. */
  async readSome(
    timeoutMs = 3000,
  ): Promise<{ bytes: Uint8Array; eof: boolean }> {
    await this.#fill((b) => b.length > 0, timeoutMs);
    const bytes = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return { bytes, eof: this.#eof };
  }

  /** Reads until the peer closes (or the deadline); returns everything unread and whether EOF came. */
  async readToEnd(
    timeoutMs = 3000,
  ): Promise<{ bytes: Uint8Array; eof: boolean }> {
    await this.#fill(() => false, timeoutMs);
    const bytes = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return { bytes, eof: this.#eof };
  }

  async #fill(
    enough: (b: Uint8Array) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const chunk = new Uint8Array(65536);
    while (!enough(this.#buffer) && !this.#eof) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) =>
        timer = setTimeout(() => resolve("timeout"), left)
      );
      const reading = this.conn.read(chunk).catch(() => null);
      const n = await Promise.race([reading, timeout]);
      clearTimeout(timer);
      if (n === "timeout") {
        // leave no read op behind: close and finish the read
        this.close();
        await reading;
        this.#eof = true;
        return;
      }
      if (n === null) {
        this.#eof = true;
        return;
      }
      const grown = new Uint8Array(this.#buffer.length + n);
      grown.set(this.#buffer);
      grown.set(chunk.subarray(0, n), this.#buffer.length);
      this.#buffer = grown;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lower-case hex. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads MTP packages from `raw` until `count` arrived (or the deadline). */
export async function readMtp(
  raw: RawClient,
  count: number,
  timeoutMs = 3000,
): Promise<MtpPackage[]> {
  const decoder = new MtpDecoder();
  const packages: MtpPackage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (packages.length < count && Date.now() < deadline) {
    const { bytes, eof } = await raw.readSome(deadline - Date.now());
    decoder.push(bytes);
    for (let p = decoder.next(); p !== null; p = decoder.next()) {
      packages.push(p);
    }
    if (eof) break;
  }
  return packages;
}

/** UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Text of UTF-8 bytes. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Reads from `raw` into a client `endpoint` until `enough(events)` or the
 * deadline; returns the events (a timed-out read closes the socket).
 */
export async function collect(
  raw: RawClient,
  endpoint: FramingEndpoint,
  enough: (events: EndpointEvent[]) => boolean,
  timeoutMs = 3000,
): Promise<EndpointEvent[]> {
  const events: EndpointEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (let e = endpoint.next(); e !== null; e = endpoint.next()) events.push(e);
  while (!enough(events) && Date.now() < deadline) {
    const { bytes, eof } = await raw.readSome(deadline - Date.now());
    endpoint.push(bytes);
    for (let e = endpoint.next(); e !== null; e = endpoint.next()) {
      events.push(e);
    }
    if (eof) break;
  }
  return events;
}

/** The lines of the payload events. */
export function linesOf(events: EndpointEvent[]): string[] {
  return events.flatMap((e) => e.type === "payload" ? [...e.lines] : []);
}
