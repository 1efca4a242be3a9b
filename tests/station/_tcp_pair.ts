/**
 * Two ends of one loopback TCP connection, for tests that need a socket
 * read to arrive at a chosen moment.
 *
 * @module
 */

/** A connected pair: what `a` writes, `b` reads. */
export interface TcpPair {
  /** The dialling end. */
  readonly a: Deno.TcpConn;
  /** The accepted end. */
  readonly b: Deno.TcpConn;
}

/**
 * Opens a loopback connection and returns both ends (close both).
 *
 * @example
 * ```ts ignore
 * const { a, b } = await tcpPair();
 * await a.write(new Uint8Array([1]));
 * ```
 */
export async function tcpPair(): Promise<TcpPair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const a = await Deno.connect({
      hostname: "127.0.0.1",
      port: listener.addr.port,
    });
    return { a, b: await listener.accept() };
  } finally {
    listener.close();
  }
}
