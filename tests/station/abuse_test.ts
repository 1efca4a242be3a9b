/**
 * station.md §11.a case 18 and the abuse list: a 100 MB message,
 * 1,000 silent sockets, garbage and truncated frames, bad signatures — the
 * station stays up and other users are unaffected; and a client that
 * vanishes before acknowledging keeps its messages stored.
 */
import assert from "node:assert/strict";
import { MetaCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { ReliableMessage } from "../../dimp/message/mod.ts";
import {
  encodeMtpPackage,
  MtpDecoder,
  type MtpPackage,
  MtpType,
} from "../../dimp/transport/mod.ts";
import { RawClient } from "./transport/_helpers.ts";
import { SilentMtpClient } from "./_raw_mtp.ts";
import {
  accounts,
  closeAll,
  online,
  type Received,
  sleep,
  type TestPeer,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol] = await accounts(3);
const isText = (r: Received) => r.instant?.content instanceof TextContent;
const MB = 1024 * 1024;

/** A→B still works: B receives, A gets the station's receipt. */
async function stillServes(
  a: TestPeer,
  b: TestPeer,
  text: string,
): Promise<void> {
  const from = b.inbox.length;
  const sent = await a.sendContent(b.id, TextContent.create(text));
  const got = await b.next(isText, 5000, from);
  assert.equal(got.msg.signature, sent.signature);
}

/** Writes until the station closes the socket; returns the bytes written. */
async function flood(
  raw: RawClient,
  head: Uint8Array,
  total: number,
): Promise<number> {
  let written = 0;
  const chunk = new Uint8Array(MB).fill(0x61);
  try {
    await raw.write(head);
    while (written < total) {
      await raw.write(chunk);
      written += chunk.length;
    }
  } catch {
    // cut off
  }
  return written;
}

Deno.test("a 100 MB message (MTP and WebSocket) is cut off at the frame cap; the station and other users carry on", async () => {
  await withStation(
    { limits: { maxFrameBytes: MB } },
    async ({ station, port }) => {
      const world = new World();
      const [a, b] = await online(port, [alice, bob], { world });

      // MTP: a header announcing 100 MB, then the bytes
      const small = encodeMtpPackage({
        type: MtpType.MESSAGE,
        sn: new Uint8Array(8),
        body: "x",
      });
      const head = small.slice(0, small.length - 1);
      new DataView(head.buffer).setUint32(head.length - 4, 100 * MB);
      const mtp = await RawClient.connect(port);
      const written = await flood(mtp, head, 100 * MB);
      assert.ok(written < 100 * MB, `cut off after ${written} bytes`);
      assert.equal((await mtp.readToEnd(3000)).eof, true);
      mtp.close();

      // WebSocket: the upgrade, then a frame header announcing 100 MB
      const ws = await RawClient.connect(port);
      await ws.write(new TextEncoder().encode(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ));
      const upgrade = new TextDecoder().decode((await ws.readSome()).bytes);
      assert.match(upgrade, /^HTTP\/1.1 101/);
      const frame = new Uint8Array(14);
      frame[0] = 0x82; // FIN, binary
      frame[1] = 0xff; // masked, 64-bit length
      new DataView(frame.buffer).setBigUint64(2, BigInt(100 * MB));
      const wsWritten = await flood(ws, frame, 100 * MB);
      assert.ok(wsWritten < 100 * MB, `cut off after ${wsWritten} bytes`);
      ws.close();

      await stillServes(a, b, "after the flood");
      assert.equal(station.center.size, 2);
      await closeAll([a, b]);
    },
  );
});

Deno.test("1,000 silent sockets are closed after the handshake timeout; the station serves others meanwhile", async () => {
  await withStation(
    { limits: { handshakeTimeout: 800 } },
    async ({ station, port }) => {
      const silent: Deno.TcpConn[] = [];
      for (let i = 0; i < 1000; i++) {
        silent.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      }
      const world = new World();
      const [a, b] = await online(port, [alice, bob], { world });
      await stillServes(a, b, "while 1000 sockets idle");
      // every silent socket sees EOF
      const buffer = new Uint8Array(16);
      const started = Date.now();
      const ends = await Promise.all(
        silent.map((conn) => conn.read(buffer).catch(() => null)),
      );
      assert.ok(ends.every((n) => n === null), "closed by the station");
      assert.ok(Date.now() - started < 5000);
      for (const conn of silent) conn.close();
      await stillServes(a, b, "after they are gone");
      assert.equal(station.status().connections.total, 2);
      await closeAll([a, b]);
    },
  );
});

Deno.test("garbage: junk bytes close that connection; bad JSON lines, bad signatures and truncated frames are dropped; others unaffected", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, b] = await online(port, [alice, bob], { world });

    const junk = await RawClient.connect(port);
    // no framing recognised in 64 KiB: cut off
    await junk.write(new Uint8Array(70 * 1024).fill(0xee));
    const started = Date.now();
    assert.equal((await junk.readToEnd(3000)).eof, true);
    assert.ok(Date.now() - started < 2000, "closed by the station");
    junk.close();

    // MTP frames with lines that are not messages: dropped, the connection stays
    const raw = await RawClient.connect(port);
    for (
      const body of [
        "not json",
        "{}",
        '{"sender":"x"}',
        "[1,2]",
        "\u0000\u0001",
      ]
    ) {
      await raw.write(encodeMtpPackage({
        type: MtpType.MESSAGE,
        sn: crypto.getRandomValues(new Uint8Array(8)),
        body,
      }));
    }
    // a message to the station whose signature does not verify
    const query = await a.pack(station.id, MetaCommand.query(alice.id));
    const forged = ReliableMessage.parse({
      ...query.dictionary,
      sender: carol.id.value,
      meta: carol.meta.toDictionary(),
    });
    await raw.write(encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: crypto.getRandomValues(new Uint8Array(8)),
      body: forged.serialize(),
    }));
    // and half a frame, then nothing more
    const whole = encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: new Uint8Array(8),
      body: query.serialize(),
    });
    await raw.write(whole.subarray(0, whole.length / 2));
    const replies = await raw.readSome(500);
    const decoder = new MtpDecoder();
    decoder.push(replies.bytes);
    const messages: MtpPackage[] = [];
    for (let p = decoder.next(); p !== null; p = decoder.next()) {
      if (p.header.type === MtpType.MESSAGE) messages.push(p);
    }
    assert.deepEqual(messages, [], "nothing answered");
    assert.equal(replies.eof, false, "the connection is still open");
    raw.close();
    assert.ok(station.stats.dropped >= 6);
    await stillServes(a, b, "after the garbage");
    await closeAll([a, b]);
  });
});

Deno.test("a client that vanishes without acknowledging (MTP) keeps its messages stored; they come at its next login", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a] = await online(port, [alice], { world });
    const b = await SilentMtpClient.connect(port, bob, world);
    await b.handshake();
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      sent.push(
        (await a.sendContent(bob.id, TextContent.create(`n${i}`))).signature,
      );
    }
    const pushed = await b.read(3);
    assert.deepEqual(pushed.map((m) => m.signature), sent);
    await a.collect(
      (r) => r.instant?.content.dictionary.text === "Message delivered.",
      3,
    );
    b.raw.close();
    await sleep(100);
    assert.equal(
      station.store.messages.count(bob.id.value),
      3,
      "not acknowledged: still stored",
    );

    const [again] = await online(port, [bob], { world });
    const got = await again.collect(isText, 3);
    assert.deepEqual(got.map((r) => r.msg.signature), sent);
    await sleep(100);
    assert.equal(
      station.store.messages.count(bob.id.value),
      0,
      "acknowledged: deleted",
    );
    await closeAll([a, again]);
  });
});
