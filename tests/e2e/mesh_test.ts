/**
 * The network at a larger scale (issue 14): eight `dim station` processes
 * on loopback in a full mesh, a few hundred users spread over them that
 * only handshake (no login: presence notices alone tell the neighbours),
 * some moving to another station during the run.
 *
 * - once every station heard of every other station's users (how long
 *   that took is reported with `DIM_MESH_REPORT`), every user sends a text
 *   to a user at another station: each arrives once, and the sender's
 *   station redirects it;
 * - a fifth of the users move (closing, texts sent to them while away and
 *   right after they arrive elsewhere): every text arrives once, on the new
 *   connection;
 * - a broadcast reaches every other user once, each copy over one link
 *   (traces: origin and the user's station), no station sees it twice.
 *
 * `DIM_MESH_USERS` (users per station, default 25) makes it larger;
 * `DIM_MESH_REPORT=FILE` writes what the presence notices cost per link.
 */
import assert from "node:assert/strict";
import { generatePrivateKey } from "../../dimp/crypto/mod.ts";
import type { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  Document,
  EntityType,
  EVERYONE,
  Meta,
  MetaType,
} from "../../dimp/identity/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import { learn, until } from "../station/_network.ts";
import {
  type Account,
  closeAll,
  receiptText,
  type Received,
  sleep,
  TestPeer,
  World,
} from "../station/_peer.ts";
import { Network } from "./_mesh.ts";

const STATIONS = 8;
const PER_STATION = Number(Deno.env.get("DIM_MESH_USERS") ?? 25);

/** Users with their own ID keys and one shared visa key (RSA keys are slow to make). */
async function meshAccounts(count: number): Promise<Account[]> {
  const rsa = await generatePrivateKey("RSA");
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const key = await generatePrivateKey("ECC");
      const meta = await Meta.generate(MetaType.ETH, key);
      const id = meta.generateId(EntityType.USER);
      const visa = Document.create(id);
      visa.setProperty("name", `mesh${i}`);
      visa.setVisaKey(rsa.publicKey);
      await visa.sign(key);
      return { id, meta, visa, signKey: key, decryptKeys: [rsa] };
    }),
  );
}

/** Runs `fn` over the items, `width` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(
      ...await Promise.all(
        items.slice(i, i + width).map((item, j) => fn(item, i + j)),
      ),
    );
  }
  return results;
}

Deno.test({
  name:
    `mesh: ${STATIONS} dim stations in a full mesh, ${PER_STATION} users each (handshake only, no login), a fifth moving — every text once, the broadcast once per user over one link`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const links = Array.from(
      { length: STATIONS },
      (_, i) =>
        Array.from({ length: STATIONS }, (_, j) => j).filter((j) => j !== i),
    );
    const net = await new Network(links, { linkTimeout: 60_000 }).start();
    const world = new World();
    const users = await meshAccounts(STATIONS * PER_STATION);
    for (const user of users) world.know(user);
    /** Every connection a user had (old ones stay for the count). */
    const conns: TestPeer[][] = users.map(() => []);
    const at = users.map((_, u) => u % STATIONS);
    const connect = async (u: number, station: number): Promise<TestPeer> => {
      const peer = await TestPeer.connect(net.ports[station], users[u], {
        world,
      });
      await peer.handshake(60_000);
      at[u] = station;
      conns[u].push(peer);
      return peer;
    };
    const current = (u: number) => conns[u].at(-1)!;
    const copiesOf = (u: number, msg: ReliableMessage): number =>
      conns[u].reduce(
        (n, peer) =>
          n +
          peer.inbox.filter((r) => r.msg.signature === msg.signature).length,
        0,
      );
    const arrived = async (u: number, msg: ReliableMessage) => {
      await current(u).next((r) => r.msg.signature === msg.signature, 60_000);
    };
    try {
      const n = users.length;
      await inBatches(users, 32, (_, u) => connect(u, at[u]));
      const handshakesDone = Date.now();
      for (let k = 0; k < STATIONS; k++) {
        await learn(current(k), net.ids[k]); // user k is at station k
      }
      // every station hears of every user at the others (the time it took
      // is reported, not asserted: the machine may be busy)
      const heard = (k: number) =>
        [...net.log(k).matchAll(/presence: (\d+) user\(s\) at /g)]
          .reduce((sum, m) => sum + Number(m[1]), 0);
      await until(
        "every station heard of every other station's users",
        () => net.ids.every((_, k) => heard(k) >= n - PER_STATION),
        120_000,
      );
      const presenceMs = Date.now() - handshakesDone;

      // 1. every user → a user at the next station
      const target = (u: number) => (u + 1 + STATIONS * 3) % n;
      const texts = await inBatches(
        users,
        32,
        (_, u) =>
          current(u).sendContent(
            users[target(u)].id,
            TextContent.create(`to ${target(u)}`),
          ),
      );
      await inBatches(texts, 64, (msg, u) => arrived(target(u), msg));
      const receipts = await inBatches(texts, 64, (msg, u) =>
        current(u).next(
          (r: Received) =>
            r.msg.sender.equals(net.ids[at[u]]) &&
            /^Message (redirected|cached)/.test(receiptText(r) ?? "") &&
            (r.instant!.content as ReceiptCommand).originalSignature ===
              msg.signature,
          60_000,
        ));
      const redirected = receipts.filter((r) =>
        /^Message redirected/.test(receiptText(r)!)
      ).length;
      assert.equal(
        redirected,
        n,
        "the sender's station knew where each receiver was",
      );

      // 2. a fifth move to the station three along; texts while away and right after
      const movers = users.map((_, u) => u).filter((u) => u % 5 === 0);
      const moved: [number, ReliableMessage][] = [];
      await inBatches(movers, 16, async (m) => {
        const sender = current((m + 1) % n);
        await current(m).close();
        const away = await sender.sendContent(
          users[m].id,
          TextContent.create("while away"),
        );
        await connect(m, (at[m] + 3) % STATIONS);
        const after = await sender.sendContent(
          users[m].id,
          TextContent.create("just moved"),
        );
        moved.push([m, away], [m, after]);
      });
      await inBatches(moved, 64, ([m, msg]) => arrived(m, msg));

      // 3. a broadcast from user 1
      const broadcast = await current(1).sendContent(
        EVERYONE,
        TextContent.create("to everyone"),
      );
      const others = users.map((_, u) => u).filter((u) => u !== 1);
      await inBatches(others, 64, (u) => arrived(u, broadcast));
      await sleep(1000);

      // exactly once, everywhere
      texts.forEach((msg, u) =>
        assert.equal(copiesOf(target(u), msg), 1, `text ${u}`)
      );
      for (const [m, msg] of moved) {
        assert.equal(copiesOf(m, msg), 1, `text for mover ${m}`);
      }
      for (const u of others) {
        assert.equal(copiesOf(u, broadcast), 1, `broadcast at user ${u}`);
        const copy = current(u).inbox.find((r) =>
          r.msg.signature === broadcast.signature
        )!;
        const traces = (copy.msg.get("traces") as { did: string }[]).map((t) =>
          t.did
        );
        assert.ok(traces.length <= 2, `one link: ${traces.join(" ")}`);
      }
      assert.equal(copiesOf(1, broadcast), 0);
      const sender = users[1].id.value;
      for (let k = 0; k < STATIONS; k++) {
        assert.ok(
          !net.log(k).includes(
            `looped message dropped: ${sender} -> ${EVERYONE.value}`,
          ),
          `station ${k + 1} saw the broadcast twice`,
        );
      }

      const report = Deno.env.get("DIM_MESH_REPORT");
      if (report !== undefined) {
        const notices = net.ids.map((_, k) =>
          [...net.log(k).matchAll(/presence of (\d+) user\(s\) sent to/g)]
            .map((m) => Number(m[1]))
        );
        Deno.writeTextFileSync(
          report,
          JSON.stringify({
            stations: STATIONS,
            users: n,
            movers: movers.length,
            presence_ms: presenceMs,
            notices: notices.map((list) => list.length),
            users_in_notices: notices.map((list) =>
              list.reduce((a, b) => a + b, 0)
            ),
            links: STATIONS * (STATIONS - 1),
          }),
        );
      }
    } finally {
      await closeAll(conns.flat());
      await net.stop();
    }
  },
});
