/**
 * Durability through the real `dim station` process: messages for an
 * offline user, `kill -9` of the station in the middle of the stream, a
 * restart on the same data directory — every message acknowledged as
 * "Message cached." reaches the user, none twice.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { startLocalStation, stopStation } from "./_child.ts";
import {
  accounts,
  online,
  receiptText,
  type Received,
  type TestPeer,
  World,
} from "./_peer.ts";

const [alice, bob] = await accounts(2);

Deno.test("kill -9 mid-stream: every message answered 'Message cached.' is delivered after the restart, none twice", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-durability-" });
  try {
    const first = await startLocalStation(dir);
    const world = new World();
    world.know(bob);
    let a: TestPeer | undefined;
    const cached = new Set<string>();
    const sent: string[] = [];
    try {
      [a] = await online(first.port, [alice], { world });
      const total = 400;
      const isCached = (r: Received) => receiptText(r) === "Message cached.";
      for (let i = 0; i < total; i++) {
        const msg = await a.pack(bob.id, TextContent.create(`n${i}`));
        sent.push(msg.signature);
        void a.send(msg);
      }
      // kill once a part of them was acknowledged
      await a.collect(isCached, 100, 20_000);
      const status = await stopStation(first, "SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      await a.conn.done;
      for (const r of a.inbox.filter(isCached)) {
        cached.add(
          (r.instant!.content.dictionary.origin as { signature: string })
            .signature,
        );
      }
      assert.ok(
        cached.size >= 100,
        `${cached.size} acknowledged before the kill`,
      );
    } finally {
      await a?.close();
    }

    const second = await startLocalStation(dir);
    let b: TestPeer | undefined;
    try {
      assert.equal(second.id, first.id, "same identity after the restart");
      [b] = await online(second.port, [bob], { world });
      const isText = (r: Received) => r.instant?.content instanceof TextContent;
      await b.collect(isText, cached.size, 20_000);
      // and whatever else was stored before the kill
      await b.quiet(isText, 500);
      const received = b.inbox.filter(isText).map((r) => r.msg.signature);
      const unique = new Set(received);
      assert.equal(unique.size, received.length, "none twice");
      for (const signature of cached) {
        assert.ok(unique.has(signature), "every acknowledged message arrives");
      }
      // in the order they were sent
      const order = received.map((s) => sent.indexOf(s));
      assert.deepEqual(order, [...order].sort((x, y) => x - y));
    } finally {
      await b?.close();
      await stopStation(second, "SIGTERM");
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
