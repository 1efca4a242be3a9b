/**
 * A yield to the event loop that lets the socket reads completed meanwhile
 * go first, without waiting for a timer. The handshake lane yields after
 * every slice of handshake work so that routed texts read in the meantime
 * are handled before the next slice; a `setTimeout(0)` does that (a turn
 * of the event loop polls the sockets before its timer fires) but in Deno
 * 2.9.6 it comes back after ~2.2 ms, during which the station does nothing
 * when nothing else is due — in a reconnect storm a third of the main
 * thread's time. An immediate or a `MessageChannel` message comes back in
 * microseconds but before the reads (they are collected at the next poll of
 * the sockets). This yield writes one byte to a loopback connection of its
 * own and reads it back: the read completes at the same poll of the
 * sockets as the reads that were already waiting, and after them (a test
 * script, 200 yields after a 1 ms busy stretch with a read waiting: the
 * read went first 200 times; ~55 µs per yield against ~2,200 µs). The pair
 * is opened with the first yield; that one, and every one when the pair
 * cannot be opened or breaks, waits for a timer instead.
 *
 * @module
 */

/** The byte that goes round. */
const ONE = new Uint8Array([1]);

/** The loopback connection pair: what is written to one is read from the other. */
interface Pair {
  readonly writer: Deno.TcpConn;
  readonly reader: Deno.TcpConn;
}

/**
 * A reusable yield behind the socket reads that are ready.
 *
 * @example
 * ```ts
 * const loop = new LoopYield();
 * await loop.wait(); // a timer the first time (the pair opens meanwhile)
 * await loop.wait(); // behind the reads that were ready, in ~50 µs
 * await loop.close();
 * ```
 */
export class LoopYield {
  readonly #buffer = new Uint8Array(16);
  #pair: Pair | undefined;
  #opening: Promise<void> | undefined;
  #closed = false;

  /** Whether yields go through the loopback pair (else a timer). */
  get paired(): boolean {
    return this.#pair !== undefined;
  }

  /** Resolves once the event loop has handled the socket reads that were ready. */
  async wait(): Promise<void> {
    const pair = this.#pair;
    if (pair === undefined) {
      if (!this.#closed) this.#opening ??= this.#open();
      return _timer();
    }
    try {
      await pair.writer.write(ONE);
      if (await pair.reader.read(this.#buffer) !== null) return;
    } catch {
      // closed under it (a stop), or the pair broke: a timer from now on
    }
    this.#drop();
    return _timer();
  }

  /** Closes the pair once it is open or failed (later yields wait for a timer). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening;
    this.#drop();
  }

  async #open(): Promise<void> {
    let listener: Deno.TcpListener | undefined;
    let writer: Deno.TcpConn | undefined;
    try {
      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = listener.addr.port;
      writer = await Deno.connect({ hostname: "127.0.0.1", port });
      const local = writer.localAddr.port;
      // the first connection from our own port (another process may dial
      // the port meanwhile: refused)
      let reader = await listener.accept();
      while (reader.remoteAddr.port !== local) {
        reader.close();
        reader = await listener.accept();
      }
      listener.close();
      listener = undefined;
      writer.setNoDelay(true);
      if (this.#closed) {
        writer.close();
        reader.close();
        return;
      }
      this.#pair = { writer, reader };
    } catch {
      // stays without a pair: timers
      if (listener !== undefined) _close(listener);
      if (writer !== undefined) _close(writer);
    }
  }

  #drop(): void {
    const pair = this.#pair;
    this.#pair = undefined;
    if (pair === undefined) return;
    _close(pair.writer);
    _close(pair.reader);
  }
}

/** A turn of the event loop through a timer. */
function _timer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Closes a connection or listener that may be closed already. */
function _close(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // closed already
  }
}
