/**
 * The station network (issue 8, station.md §4.5–§4.7, §6.6, §11.a 15–16):
 * three `dim station` processes on loopback ports, neighbours of each
 * other through `--neighbor`, users as test peers.
 *
 * - a full mesh: A at S1 → B at S3 (online, then offline and moving to S2)
 *   delivered once with the spec's receipts; a broadcast from S1 reaching
 *   the users at S2 and S3 once; S3 down and back, what S1 kept for it
 *   delivered;
 * - a ring (S1 → S2 → S3 → S1): a broadcast once per user, and a message
 *   whose receiver's logins point round the ring stops instead of
 *   circling, and follows the receiver's next real login.
 */
import assert from "node:assert/strict";
import { LoginCommand, type ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { EVERYONE, type ID } from "../../dimp/identity/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import { Network } from "./_mesh.ts";
import {
  arrive,
  copies,
  learn,
  receiptFrom,
  waitLogin,
} from "../station/_network.ts";
import {
  accounts,
  closeAll,
  type Received,
  sleep,
  TestPeer,
  World,
} from "../station/_peer.ts";

const [alice, bob, carol, dave] = await accounts(4);

const isText = (r: Received) => r.instant?.content instanceof TextContent;

/** The one copy of `sent` the peer gets (none more within a while). */
async function once(peer: TestPeer, sent: ReliableMessage): Promise<Received> {
  const got = await peer.next(
    (r) => r.msg.signature === sent.signature,
    10_000,
  );
  await sleep(400);
  assert.equal(
    copies(peer, sent.signature).length,
    1,
    `${peer.id.value}: once`,
  );
  return got;
}

function receipt(r: Received): ReceiptCommand {
  return r.instant!.content as ReceiptCommand;
}

function traceIds(msg: ReliableMessage): string[] {
  return (msg.get("traces") as { did: string }[]).map((node) => node.did);
}

Deno.test("network (three dim stations, full mesh): A at S1 → B at S3 online, then offline and moving to S2 — delivered once, receipts as the spec says; a broadcast reaches every other user once; S3 down and back gets what S1 kept for it", async (t) => {
  const net = await new Network([[1, 2], [0, 2], [0, 1]]).start();
  const [s1, s2, s3] = net.ids;
  const world = new World();
  const peers: TestPeer[] = [];
  try {
    const a = await arrive(net.ports[0], s1, alice, world);
    const b = await arrive(net.ports[2], s3, bob, world);
    peers.push(a, b);
    await learn(a, s2);
    await learn(a, s3);
    await learn(b, s1);
    await learn(b, s2);
    await waitLogin(a, bob.id, s3);
    await waitLogin(b, alice.id, s1);

    await t.step(
      "B online at S3: 'Message redirected.' from S1, 'Message delivered.' from S3; B's reply comes back",
      async () => {
        const sent = await a.sendContent(bob.id, TextContent.create("hi B"));
        const redirected = await a.next(
          receiptFrom(s1, "Message redirected.", sent.signature),
        );
        assert.equal(receipt(redirected).dictionary.neighbor, s3.value);
        const got = await once(b, sent);
        assert.equal((got.instant!.content as TextContent).text, "hi B");
        assert.equal(got.msg.get("neighbor"), undefined);
        assert.deepEqual(traceIds(got.msg), [s1.value, s3.value]);
        const delivered = await a.next(
          receiptFrom(s3, "Message delivered.", sent.signature),
        );
        assert.equal(receipt(delivered).dictionary.recipient, bob.id.value);

        const reply = await b.sendContent(alice.id, TextContent.create("hi A"));
        await b.next(receiptFrom(s3, "Message redirected.", reply.signature));
        await once(a, reply);
      },
    );

    await t.step(
      "B offline: S3 caches it ('Message cached.'); B logs in at S2 and gets it from there, once",
      async () => {
        await b.close();
        await net.closedByPeer(2, bob.id);
        const sent = await a.sendContent(bob.id, TextContent.create("later"));
        await a.next(receiptFrom(s1, "Message redirected.", sent.signature));
        await a.next(receiptFrom(s3, "Message cached.", sent.signature));
        const moved = await arrive(net.ports[1], s2, bob, world);
        peers.push(moved);
        const got = await once(moved, sent);
        assert.equal((got.instant!.content as TextContent).text, "later");
        assert.deepEqual(traceIds(got.msg).slice(0, 2), [s1.value, s3.value]);
        await a.next(receiptFrom(s2, "Message delivered.", sent.signature));
        assert.equal(moved.inbox.filter(isText).length, 1, "nothing else");
      },
    );

    await t.step(
      "a broadcast from S1 reaches the users at S2 and S3 once, not its sender",
      async () => {
        const c = await arrive(net.ports[1], s2, carol, world);
        const d = await arrive(net.ports[2], s3, dave, world);
        peers.push(c, d);
        const sent = await a.sendContent(
          EVERYONE,
          TextContent.create("hello everyone"),
        );
        for (const peer of [c, d, peers[2]]) await once(peer, sent);
        assert.deepEqual(copies(a, sent.signature), []);
      },
    );

    await t.step(
      "S3 goes down: S1 keeps the message for it ('Message redirected via station bridge.'); S3 back: delivered, once",
      async () => {
        const d = peers[4];
        await waitLogin(a, dave.id, s3);
        await d.close();
        const mark = net.log(0).length;
        await net.stopOne(2);
        await net.logged(
          0,
          `bridge: neighbour 127.0.0.1:${net.ports[2]} down`,
          mark,
        );
        await net.closedByPeer(0, s3, mark);
        const sent = await a.sendContent(dave.id, TextContent.create("kept"));
        const bridged = await a.next(
          receiptFrom(
            s1,
            "Message redirected via station bridge.",
            sent.signature,
          ),
        );
        assert.equal(receipt(bridged).dictionary.neighbor, s3.value);
        await net.logged(0, `kept for ${s3.value}`, mark);
        await net.startOne(2);
        await net.logged(0, `sending 1 kept message(s) to ${s3.value}`, mark);
        await net.linked(2);
        const back = await TestPeer.connect(net.ports[2], dave, { world });
        peers.push(back);
        await back.handshake();
        const got = await once(back, sent);
        assert.equal((got.instant!.content as TextContent).text, "kept");
        await a.next(receiptFrom(s3, "Message cached.", sent.signature));
      },
    );
  } finally {
    await closeAll(peers);
    await net.stop();
  }
});

Deno.test("network (three dim stations in a ring S1 → S2 → S3 → S1): a broadcast reaches each user once; a message whose receiver's logins point round the ring stops where it would go back, and follows the receiver's next login", async () => {
  const net = await new Network([[1], [2], [0]]).start();
  const [s1, s2, s3] = net.ids;
  const world = new World();
  const peers: TestPeer[] = [];
  try {
    const a = await arrive(net.ports[0], s1, alice, world);
    const c = await arrive(net.ports[1], s2, carol, world);
    const d = await arrive(net.ports[2], s3, dave, world);
    peers.push(a, c, d);
    await learn(a, s2);
    await learn(a, s3);
    const everyone = await a.sendContent(EVERYONE, TextContent.create("ring"));
    await once(c, everyone);
    await once(d, everyone);
    assert.deepEqual(copies(a, everyone.signature), []);

    // B tells each station it is at the next one, then leaves
    const claims: [number, ID][] = [[0, s2], [1, s3], [2, s1]];
    for (const [i, next] of claims) {
      const b = await TestPeer.connect(net.ports[i], bob, { world });
      await b.handshake();
      await b.sendContent(
        net.ids[i],
        LoginCommand.create(bob.id, { station: { id: next } }),
      );
      await sleep(100);
      await b.close();
    }
    await waitLogin(a, alice.id, s1);
    await waitLogin(c, alice.id, s1);
    await waitLogin(d, alice.id, s1);
    const sent = await a.sendContent(bob.id, TextContent.create("round"));
    const bridged = "Message redirected via station bridge.";
    await a.next(receiptFrom(s1, bridged, sent.signature));
    await a.next(receiptFrom(s2, bridged, sent.signature));
    // S3's login for B names S1, which the message came through: kept at S3
    await a.next(receiptFrom(s3, "Message cached.", sent.signature));
    await sleep(1000);
    const receipts = a.inbox.filter((r) =>
      r.instant?.content !== undefined &&
      receipt(r).originalSignature === sent.signature
    );
    assert.equal(receipts.length, 3, "it does not go round again");
    // B really logs in (at S2): the message follows, once
    const b = await arrive(net.ports[1], s2, bob, world);
    peers.push(b);
    const got = await once(b, sent);
    assert.deepEqual(traceIds(got.msg).slice(0, 3), [
      s1.value,
      s2.value,
      s3.value,
    ]);
  } finally {
    await closeAll(peers);
    await net.stop();
  }
});
