/**
 * A TCP connection from a chosen local address. `Deno.connect` cannot bind
 * the local side, `node:net` can (`localAddress`); this wraps such a socket
 * in the few `Deno.TcpConn` methods a {@linkcode StreamConnection} uses, so
 * a load generator can spread its connections over several loopback source
 * addresses (127.0.0.2, 127.0.0.3, …).
 *
 * @module
 */
import net from "node:net";

/** The part of `Deno.TcpConn` a stream connection uses. */
export type ByteConn = Pick<
  Deno.TcpConn,
  "read" | "write" | "closeWrite" | "close" | "remoteAddr" | "setNoDelay"
>;

/** `node:net`'s error codes mapped to the `Deno.errors` a connection knows. */
function denoError(error: Error & { code?: string }): Error {
  switch (error.code) {
    case "ECONNRESET":
      return new Deno.errors.ConnectionReset(error.message);
    case "EPIPE":
      return new Deno.errors.BrokenPipe(error.message);
    case "ECONNREFUSED":
      return new Deno.errors.ConnectionRefused(error.message);
    default:
      return error;
  }
}

/** A `node:net` socket read and written like a `Deno.TcpConn`. */
class NodeSocketConn implements ByteConn {
  readonly #socket: net.Socket;
  readonly remoteAddr: Deno.NetAddr;
  /** Received chunks not read yet (the socket is paused while any wait). */
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (error) => {
      this.#error ??= denoError(error);
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async read(into: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      this.#socket.resume();
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0];
    const n = Math.min(chunk.length, into.length);
    into.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }

  write(data: Uint8Array): Promise<number> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      // the caller awaits this before it touches `data` again
      this.#socket.write(data, (error) => {
        if (error) reject(denoError(error));
        else resolve(data.length);
      });
    });
  }

  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close(): void {
    this.#socket.destroy();
  }

  setNoDelay(noDelay?: boolean): void {
    this.#socket.setNoDelay(noDelay);
  }
}

/**
 * Connects to `hostname:port` from `localAddress`.
 *
 * @throws {Deno.errors.ConnectionRefused} nothing listens there
 * @example
 * ```ts ignore
 * const conn = await connectFrom("127.0.0.1", 9394, "127.0.0.2");
 * ```
 */
export function connectFrom(
  hostname: string,
  port: number,
  localAddress: string,
): Promise<ByteConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port, localAddress });
    const failed = (error: Error) => reject(denoError(error));
    socket.once("error", failed);
    socket.once("connect", () => {
      socket.off("error", failed);
      resolve(new NodeSocketConn(socket));
    });
  });
}
