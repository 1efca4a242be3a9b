/**
 * Issue 19: a few thousand abusive connections against a real `dim
 * station` (handshake_timeout 3 s, login_timeout 6 s): 1,000 silent
 * sockets, 1,000 slow-loris HTTP heads trickling a byte a second, 1,000
 * half-open MTP frames, and 10 logged-in slow consumers that never read
 * while texts pile up for them. The station serves a normal user
 * meanwhile, closes every abusive connection by itself, and its memory
 * (VmRSS) stays bounded: a bound per connection, not a speed limit.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { encodeMtpPackage, MtpType } from "../../dimp/transport/mod.ts";
import { startLocalStation, stopStation } from "./_child.ts";
import { SilentMtpClient } from "./_raw_mtp.ts";
import {
  accounts,
  closeAll,
  online,
  type Received,
  type TestPeer,
  World,
} from "./_peer.ts";

const [alice, bob, carol, ...slow] = await accounts(13);
const isText = (r: Received) => r.instant?.content instanceof TextContent;
const EACH = 1000;

function rssKib(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

async function roundTrip(a: TestPeer, b: TestPeer, text: string) {
  const from = b.inbox.length;
  const sent = await a.sendContent(b.id, TextContent.create(text));
  const got = await b.next(isText, 10_000, from);
  assert.equal(got.msg.signature, sent.signature);
}

/** Resolves when the station closed `conn` (EOF or reset). */
async function closedByStation(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) return;
  }
}

Deno.test({
  name:
    "3,000 silent, slow-loris and half-open connections and 10 slow consumers: a normal user is served, all are closed by the station, memory stays bounded",
  sanitizeResources: false,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-flood-" });
    const ini = `${dir}/dim.ini`;
    Deno.writeTextFileSync(
      ini,
      "[station]\nhandshake_timeout = 3s\nlogin_timeout = 6s\n",
    );
    const child = await startLocalStation(dir, [], ["--config", ini]);
    const pid = child.process.pid;
    const port = child.port;
    const world = new World();
    const conns: Deno.TcpConn[] = [];
    let peers: TestPeer[] = [];
    const consumers: SilentMtpClient[] = [];
    try {
      peers = await online(port, [alice, bob, carol], { world });
      await roundTrip(peers[0], peers[1], "warm up");
      const baseline = rssKib(pid);

      const connect = () => Deno.connect({ hostname: "127.0.0.1", port });
      const silent: Deno.TcpConn[] = [];
      const loris: Deno.TcpConn[] = [];
      const half: Deno.TcpConn[] = [];
      const frame = encodeMtpPackage({
        type: MtpType.MESSAGE,
        sn: new Uint8Array(8),
        body: "x".repeat(1000),
      });
      for (let i = 0; i < EACH; i++) {
        silent.push(await connect());
        const l = await connect();
        await l.write(
          new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"),
        );
        loris.push(l);
        const h = await connect();
        await h.write(frame.subarray(0, 600));
        half.push(h);
      }
      conns.push(...silent, ...loris, ...half);
      let trickling = true;
      const trickle = (async () => {
        const byte = new TextEncoder().encode("X");
        while (trickling) {
          await Promise.all(loris.map((c) => c.write(byte).catch(() => 0)));
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();

      // slow consumers: logged in, never read; texts pile up for them
      for (const account of slow) {
        const client = await SilentMtpClient.connect(port, account, world);
        await client.handshake();
        consumers.push(client);
      }
      const sender = peers[2];
      for (let i = 0; i < 100; i++) {
        for (const account of slow) {
          void sender.send(
            await sender.pack(
              account.id,
              TextContent.create(`${i} ${"p".repeat(2000)}`),
            ),
          );
        }
      }
      // the normal user is served with 3,000 abusive sockets open
      await roundTrip(peers[0], peers[1], "during the flood");
      const during = rssKib(pid);

      // every abusive connection is closed by the station itself
      await Promise.all(conns.map(closedByStation));
      trickling = false;
      await trickle;
      await roundTrip(peers[0], peers[1], "after the flood");
      const after = rssKib(pid);
      const perConnection = (Math.max(during, after) - baseline) /
        (3 * EACH + slow.length);
      assert.ok(
        perConnection < 64,
        `station VmRSS: baseline ${baseline} KiB, during ${during} KiB, ` +
          `after ${after} KiB: ${perConnection.toFixed(1)} KiB per connection`,
      );
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      for (const c of consumers) c.raw.close();
      await closeAll(peers);
      await stopStation(child, "SIGTERM");
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
