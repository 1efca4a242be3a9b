/**
 * A loopback TCP proxy in front of a station for the bench's fault tests:
 * what clients send passes unchanged; each MTP MESSAGE the station sends is
 * shown to a rule that passes it, drops it (the proxy acknowledges it to
 * the station itself, so the station counts it delivered), cuts it in two
 * fragments or replaces its body.
 *
 * @module
 */
import {
  encodeMtpPackage,
  MtpDecoder,
  MtpType,
  OK,
} from "../../dimp/transport/mod.ts";

/**
 * What becomes of one station message: passed, dropped, sent in two MTP
 * fragments, or a new body.
 */
export type Verdict = "pass" | "drop" | "fragment" | Uint8Array;

/** Decides on the station's `index`-th MESSAGE (from 0) on connection `conn` (from 0). */
export type TamperRule = (
  body: Uint8Array,
  conn: number,
  index: number,
) => Verdict;

/** A running proxy. */
export interface TamperProxy {
  readonly port: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (any port) and relays to `port` there. */
export function startTamperProxy(port: number, rule: TamperRule): TamperProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let connections = 0;
  const track = (task: Promise<void>) => {
    const done = task.catch(() => {});
    tasks.add(done);
    done.finally(() => tasks.delete(done));
  };
  const relay = async (client: Deno.Conn) => {
    const conn = connections++;
    const station = await Deno.connect({ hostname: "127.0.0.1", port });
    open.add(client);
    open.add(station);
    const upstream = (async () => {
      for await (const chunk of client.readable) await write(station, chunk);
    })();
    const downstream = (async () => {
      const decoder = new MtpDecoder();
      let index = 0;
      for await (const chunk of station.readable) {
        decoder.push(chunk);
        for (let pkg = decoder.next(); pkg !== null; pkg = decoder.next()) {
          const { header } = pkg;
          let body = pkg.body;
          if (header.type === MtpType.MESSAGE) {
            const verdict = rule(body, conn, index++);
            if (verdict === "drop") {
              await write(
                station,
                encodeMtpPackage({
                  type: MtpType.MESSAGE_RESPONSE,
                  sn: header.sn,
                  body: OK,
                }),
              );
              continue;
            }
            if (verdict === "fragment") {
              const half = body.length >> 1;
              for (
                const [index, part] of [
                  body.subarray(0, half),
                  body.subarray(half),
                ].entries()
              ) {
                await write(
                  client,
                  encodeMtpPackage({
                    type: MtpType.MESSAGE_FRAGMENT,
                    sn: header.sn,
                    pages: 2,
                    index,
                    body: part,
                  }),
                );
              }
              continue;
            }
            if (verdict !== "pass") body = verdict;
          }
          await write(
            client,
            encodeMtpPackage({
              type: header.type,
              sn: header.sn,
              pages: header.pages,
              index: header.index,
              body,
            }),
          );
        }
      }
    })();
    // either side's end ends both
    await Promise.race([upstream, downstream]).catch(() => {});
    for (const c of [client, station]) {
      open.delete(c);
      try {
        c.close();
      } catch {
        // closed already
      }
    }
    await Promise.allSettled([upstream, downstream]);
  };
  const accepting = (async () => {
    for await (const client of listener) track(relay(client));
  })();
  track(accepting);
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      await Promise.all([...tasks]);
    },
  };
}

async function write(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}

/**
 * The same message body with one character of its signature changed (a
 * rule's replacement: the signature no longer verifies).
 */
export function spoiledSignature(body: Uint8Array): Uint8Array {
  const msg = JSON.parse(new TextDecoder().decode(body));
  const sig = msg.signature as string;
  msg.signature = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") +
    sig.slice(11);
  return new TextEncoder().encode(JSON.stringify(msg));
}
