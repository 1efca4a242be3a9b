/**
 * Presence across the network (issue 14): two stations with bridges both
 * ways, in this process; users that send no login (like the reference
 * client in its first five minutes) are reachable from the neighbour; a
 * user's stored mail follows the user; notices from anyone but the
 * neighbour itself, replayed or older ones, and floods are refused.
 */
import assert from "node:assert/strict";
import {
  DocumentCommand,
  type ReceiptCommand,
} from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { EntityType, EVERYONE, type ID } from "../../dimp/identity/mod.ts";
import {
  MAX_PRESENCE_USERS,
  type PresenceEntry,
  presenceNotice,
} from "../../station/mod.ts";
import {
  type Account,
  accounts,
  closeAll,
  newAccount,
  receiptText,
  TestPeer,
  World,
} from "./_peer.ts";
import { arrive, copies, receiptFrom, until } from "./_network.ts";
import { linkUp, Node } from "./_node.ts";

const [alice, bob, carol] = await accounts(3);

/** S1 and S2, each the other's neighbour, both bridges up. */
async function withPair(
  fn: (s1: Node, s2: Node, world: World) => Promise<void>,
): Promise<void> {
  const [s1, s2] = [new Node(), new Node()];
  await s1.start();
  await s2.start();
  s1.neighbours = [s2.address];
  s2.neighbours = [s1.address];
  await Promise.all([s1.bridge.reload(), s2.bridge.reload()]);
  const world = new World();
  world.know(s1.account);
  world.know(s2.account);
  try {
    await until("both bridges up", () => linkUp(s1, s2) && linkUp(s2, s1));
    await fn(s1, s2, world);
  } finally {
    await s1.remove();
    await s2.remove();
  }
}

/** Connects and handshakes only: no visa broadcast, no login. */
async function handshakeOnly(
  node: Node,
  account: Account,
  world: World,
): Promise<TestPeer> {
  const peer = await TestPeer.connect(node.port, account, { world });
  await peer.handshake();
  return peer;
}

function where(at: Node, user: ID): string | undefined {
  return at.station.dispatcher.loginStation(user)?.value;
}

Deno.test("presence: bob only handshakes at S2 (no login) — S1 learns it from S2's notice; alice's text from S1 reaches him once; one sent while he is away waits at S2 and comes when he is back", async () => {
  await withPair(async (s1, s2, world) => {
    const a = await arrive(s1.port, s1.id, alice, world);
    let b = await handshakeOnly(s2, bob, world);
    await until(
      "S1 knows bob is at S2",
      () => where(s1, bob.id) === s2.id.value,
    );
    assert.equal(s1.station.store.logins.newest(bob.id.value), undefined);

    const sent = await a.sendContent(bob.id, TextContent.create("hi bob"));
    await a.next((r) =>
      r.msg.sender.equals(s1.id) &&
      (r.instant!.content as ReceiptCommand).originalSignature ===
        sent.signature &&
      /^Message redirected/.test(
        (r.instant!.content as ReceiptCommand).text ?? "",
      )
    );
    const got = await b.next((r) => r.msg.signature === sent.signature);
    assert.equal((got.instant!.content as TextContent).text, "hi bob");
    await b.close();

    // away: S1 still sends it to S2, which caches it for him
    const later = await a.sendContent(bob.id, TextContent.create("later"));
    await a.next(receiptFrom(s2.id, "Message cached.", later.signature));
    b = await handshakeOnly(s2, bob, world);
    await b.next((r) => r.msg.signature === later.signature);
    assert.deepEqual(
      await b.quiet((r) =>
        r.msg.signature === sent.signature ||
        r.msg.signature === later.signature, 300),
      [],
    );
    assert.equal(copies(b, later.signature).length, 1);
    await closeAll([a, b]);
  });
});

Deno.test("presence: mail cached at S1 for bob follows him when he handshakes at S2 (deleted at S1 once taken), and what is left at S1 comes when he is back at S1", async () => {
  await withPair(async (s1, s2, world) => {
    const a = await arrive(s1.port, s1.id, alice, world);
    let b = await handshakeOnly(s1, bob, world);
    await b.close();
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const msg = await a.sendContent(bob.id, TextContent.create(`m${i}`));
      await a.next(receiptFrom(s1.id, "Message cached.", msg.signature));
      texts.push(msg.signature);
    }
    assert.equal(s1.station.store.messages.load(bob.id.value).length, 5);
    b = await handshakeOnly(s2, bob, world);
    const got = await b.collect((r) => texts.includes(r.msg.signature), 5);
    assert.equal(got.length, 5);
    await until(
      "S1 deleted what it moved",
      () => s1.station.store.messages.load(bob.id.value).length === 0,
    );
    await b.close();
    // back at S1: S1 sends new mail to S2 no more once he is here again
    b = await handshakeOnly(s1, bob, world);
    await until(
      "S2 knows bob is back at S1",
      () => where(s2, bob.id) === s1.id.value,
    );
    const back = await a.sendContent(bob.id, TextContent.create("back"));
    await b.next((r) => r.msg.signature === back.signature);
    for (const signature of [...texts, back.signature]) {
      assert.ok(copies(b, signature).length <= 1);
    }
    await closeAll([a, b]);
  });
});

Deno.test("presence: a notice from a user session, a station that is not a neighbour, a neighbour naming another station, an older or replayed notice, one over the size — refused or ignored, with a log line; a flood is cut to the rate", async () => {
  await withPair(async (s1, s2, world) => {
    const b = await handshakeOnly(s1, bob, world);
    await until("S2 knows bob at S1", () => where(s2, bob.id) === s1.id.value);
    const now = Date.now() / 1000;
    const moveBob = (time = now + 1): PresenceEntry[] => [
      { user: bob.id, time },
    ];
    const refusals = () =>
      s2.lines.filter((l) => l.includes("presence notice from")).length;

    // a user session
    const u = await handshakeOnly(s2, carol, world);
    await u.sendContent(s2.id, presenceNotice(s1.id, moveBob()));
    await until(
      "refused: user session",
      () =>
        s2.lines.some((l) =>
          l.includes("presence notice from") &&
          l.includes("not a station session")
        ),
    );

    // a station that is not a neighbour of S2
    const stranger = await newAccount(EntityType.STATION, "stranger");
    const x = await handshakeOnly(s2, stranger, world);
    await x.sendContent(
      s2.id,
      presenceNotice(stranger.id, moveBob()),
    );
    await until(
      "refused: not a neighbour",
      () => s2.lines.some((l) => l.includes("refused: not a neighbour")),
    );

    // the neighbour S1 itself (its keys), naming a third station
    const fakeS1 = await handshakeOnly(s2, s1.station.identity, world);
    await fakeS1.sendContent(
      s2.id,
      presenceNotice(stranger.id, moveBob()),
    );
    await until(
      "refused: names another station",
      () =>
        s2.lines.some((l) =>
          l.includes(`refused: it names ${stranger.id.value}`)
        ),
    );
    // relayed: S1's session carrying a notice signed by another station
    const relayed = await fakeS1.packAs(
      { ...stranger },
      s2.id,
      presenceNotice(stranger.id, moveBob()),
    );
    await fakeS1.send(relayed);
    await until(
      "refused: relayed",
      () => s2.lines.some((l) => l.includes("refused: relayed")),
    );
    // too many users
    const many = Array.from({ length: MAX_PRESENCE_USERS + 1 }, () => ({
      user: bob.id,
      time: now,
    }));
    await fakeS1.sendContent(s2.id, presenceNotice(s1.id, many));
    await until(
      "refused: too many users",
      () => s2.lines.some((l) => l.includes("more than 256")),
    );
    assert.equal(where(s2, bob.id), s1.id.value);

    // bob arrives at S2 now: an older notice from S1 (or the same one again) cannot move him
    const b2 = await handshakeOnly(s2, bob, world);
    await until("S1 knows bob at S2", () => where(s1, bob.id) === s2.id.value);
    const before = refusals();
    await fakeS1.sendContent(
      s2.id,
      presenceNotice(s1.id, moveBob(now - 60)),
    );
    await fakeS1.sendContent(s2.id, presenceNotice(s1.id, moveBob(now)));
    await until(
      "notices read",
      () =>
        s2.lines.filter((l) => l.includes("presence: 1 user(s)")).length >= 2,
    );
    assert.equal(where(s2, bob.id), s2.id.value);
    assert.equal(refusals(), before);

    // a flood: 300 notices at once from S1's session, at most the burst and rate taken
    const flood = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) =>
          fakeS1.pack(
            s2.id,
            presenceNotice(s1.id, moveBob(now - 100 - i)),
          ),
      ),
    );
    const read = () =>
      s2.lines.filter((l) => l.includes("presence: 1 user(s)")).length;
    const readBefore = read();
    for (const msg of flood) await fakeS1.send(msg);
    await until(
      "refused: over the rate",
      () => s2.lines.some((l) => l.includes("refused: over the rate")),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(read() - readBefore < 150, `${read() - readBefore} read`);
    assert.equal(where(s2, bob.id), s2.id.value);
    await closeAll([b, b2, u, x, fakeS1]);
  });
});

Deno.test("neighbours: a documents lookup at S1 for a user only S2 knows is answered to the asker once S2's answer is in (pushed, not asked again); a user's broadcast from S1 reaches S2's users once and is not sent back to S1", async () => {
  await withPair(async (s1, s2, world) => {
    const b = await handshakeOnly(s2, bob, world);
    const c = await handshakeOnly(s1, carol, world);
    const from = c.inbox.length;
    await c.sendContent(s1.id, DocumentCommand.query(bob.id));
    await c.next((r) => receiptText(r) === "Document not found.", 5000, from);
    const pushed = await c.next(
      (r) => {
        const content = r.instant?.content;
        return content instanceof DocumentCommand && !content.isQuery &&
          content.identifier?.equals(bob.id) === true;
      },
      10_000,
      from,
    );
    assert.ok(pushed.msg.sender.equals(s1.id));

    const all = await c.sendContent(EVERYONE, TextContent.create("to all"));
    await b.next((r) => r.msg.signature === all.signature);
    await b.quiet((r) => r.msg.signature === all.signature, 500);
    assert.equal(copies(b, all.signature).length, 1);
    assert.ok(
      !s1.lines.some((l) =>
        l.includes(`looped message dropped: ${carol.id.value}`)
      ),
      "sent back to S1",
    );
    await closeAll([b, c]);
  });
});

Deno.test("presence: bob hops S1 → S2 → S1 → S2 while mail for him is cached and more is sent — every text reaches him exactly once, none is left stored", async () => {
  await withPair(async (s1, s2, world) => {
    const a = await arrive(s1.port, s1.id, alice, world);
    const first = await handshakeOnly(s1, bob, world);
    await first.close();
    const sent: string[] = [];
    const send = async (text: string) => {
      const msg = await a.sendContent(bob.id, TextContent.create(text));
      sent.push(msg.signature);
    };
    for (let i = 0; i < 5; i++) await send(`cached ${i}`);
    const conns: TestPeer[] = [first];
    for (const [i, node] of [s2, s1, s2].entries()) {
      const peer = await handshakeOnly(node, bob, world);
      conns.push(peer);
      await send(`hop ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (i < 2) await peer.close();
    }
    const last = conns.at(-1)!;
    const count = (signature: string) =>
      conns.reduce((n, peer) => n + copies(peer, signature).length, 0);
    await until(
      "every text arrived",
      () => sent.every((signature) => count(signature) >= 1),
      15_000,
    );
    await last.quiet(() => true, 500);
    for (const signature of sent) assert.equal(count(signature), 1);
    await until(
      "nothing left stored",
      () =>
        s1.station.store.messages.load(bob.id.value).length === 0 &&
        s2.station.store.messages.load(bob.id.value).length === 0,
    );
    await closeAll([a, last]);
  });
});

Deno.test("presence: news of bob at S2 while S1 is handing him his cached mail on another device — each message goes to one of them, never both", async () => {
  await withPair(async (s1, s2, world) => {
    const a = await arrive(s1.port, s1.id, alice, world);
    const away = await handshakeOnly(s1, bob, world);
    await away.close();
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const msg = await a.sendContent(bob.id, TextContent.create(`m${i}`));
      await a.next(receiptFrom(s1.id, "Message cached.", msg.signature));
      sent.push(msg.signature);
    }
    // device 1 at S1 (its mail is being loaded) and, at that moment, news
    // that bob is at S2 (as a notice from S2 would say)
    const here = await handshakeOnly(s1, bob, world);
    assert.ok(
      s1.station.dispatcher.userSeen(bob.id, s2.id, Date.now() / 1000 + 5),
    );
    const there = await handshakeOnly(s2, bob, world);
    const count = (signature: string) =>
      copies(here, signature).length + copies(there, signature).length;
    await until(
      "all delivered",
      () => sent.every((signature) => count(signature) >= 1),
      15_000,
    );
    await there.quiet(() => true, 500);
    for (const signature of sent) assert.equal(count(signature), 1);
    await closeAll([a, here, there]);
  });
});
