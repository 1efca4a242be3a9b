/**
 * The station's parts on their own: the push queue, the trace pool, the
 * active flag's ordering, receiver classification, ANS, the signer pool.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  ANY_STATION,
  ANYONE,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  FOUNDER,
  parseId,
} from "../../dimp/identity/mod.ts";
import {
  AnsBook,
  messageKey,
  PRIORITY_NORMAL,
  PRIORITY_STORED,
  PRIORITY_URGENT,
  PushQueue,
  routeOf,
  SignerPool,
  TracePool,
} from "../../station/mod.ts";
import { accounts, newAccount, World } from "./_peer.ts";
import { messageKeyOf } from "../../store/mod.ts";
import { MessagePacker, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  decodeEcdsaSignature,
  isLowS,
  RsaPrivateKey,
} from "../../dimp/crypto/mod.ts";

const [alice, bob] = await accounts(2);
const station = await newAccount(EntityType.STATION, "gsp-s001");
const bot = await newAccount(EntityType.BOT, "archivist");

Deno.test("push queue: smaller priority first, FIFO within; one message once at any priority until settled; bounded", () => {
  const queue = new PushQueue(4);
  const item = (priority: number, payload: string, key?: string) => ({
    priority,
    payload,
    key,
  });
  assert.equal(queue.push(item(PRIORITY_STORED, "s1", "k1")), undefined);
  assert.equal(queue.push(item(PRIORITY_NORMAL, "n1", "k2")), undefined);
  assert.equal(queue.push(item(PRIORITY_URGENT, "u1")), undefined);
  assert.equal(
    queue.push(item(PRIORITY_NORMAL, "n1 again", "k1")),
    "duplicate",
  );
  assert.equal(queue.push(item(PRIORITY_NORMAL, "n2")), undefined);
  assert.equal(queue.push(item(PRIORITY_NORMAL, "n3")), "full");
  assert.deepEqual(
    [queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((i) =>
      i?.payload
    ),
    ["u1", "n1", "n2", "s1"],
  );
  assert.equal(queue.shift(), undefined);
  // k1 is being sent: still not queued again
  assert.equal(
    queue.push(item(PRIORITY_STORED, "s1 again", "k1")),
    "duplicate",
  );
  queue.settle("k1");
  assert.equal(queue.push(item(PRIORITY_STORED, "s1 again", "k1")), undefined);
  assert.equal(queue.sizeAt(PRIORITY_STORED), 1);
  assert.deepEqual(queue.clear().map((i) => i.payload), ["s1 again"]);
  assert.equal(queue.size, 0);
});

Deno.test("traces: the station is appended; its own node (object or 2021 string) marks a loop; copies of one message share traces; entries expire", async () => {
  let now = 1000;
  const pool = new TracePool({ ttlSeconds: 60, now: () => now });
  const world = new World();
  world.know(bob);
  const packer = new MessagePacker({ user: alice, directory: world });
  const msg = await packer.packContent(bob.id, TextContent.create("x"));
  const s1 = station.id;
  const s2 = parseId("gsp-s002@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");

  assert.equal(pool.check(msg, s1), false);
  assert.deepEqual(msg.get("traces"), [{
    ID: s1.value,
    did: s1.value,
    time: 1000,
  }]);

  // a copy of the same message via another station: merged with what s1 saw
  const same = ReliableMessage.parse({
    ...msg.dictionary,
    traces: [{ did: s2.value, time: 999 }],
  });
  now = 1001;
  assert.equal(pool.check(same, s1), true, "s1 saw this message before");
  const nodes = same.get("traces") as { did: string; time: number }[];
  assert.deepEqual(nodes.map((n) => [n.did, n.time]), [
    [s2.value, 999],
    [s1.value, 1000],
    [s1.value, 1001],
  ]);

  // 2021 string nodes are read
  const legacy = await packer.packContent(bob.id, TextContent.create("y"));
  legacy.set("traces", [s1.value]);
  assert.equal(pool.check(legacy, s1), true);

  // after the time to live the pool forgets
  const fresh = await packer.packContent(bob.id, TextContent.create("z"));
  assert.equal(pool.check(fresh, s2), false);
  now += 120;
  const again = ReliableMessage.parse({ ...fresh.dictionary, traces: [] });
  assert.equal(pool.check(again, s2), false, "expired");
});

Deno.test("routes: every receiver kind of station.md §4.4", () => {
  const me = station.id;
  assert.equal(routeOf(me, me), "local");
  assert.equal(routeOf(ANY_STATION, me), "local");
  assert.equal(routeOf(ANYONE, me), "local");
  assert.equal(routeOf(parseId("Anyone@Anywhere"), me), "local");
  assert.equal(routeOf(EVERYONE, me), "broadcast");
  assert.equal(routeOf(EVERY_STATION, me), "broadcast");
  assert.equal(routeOf(parseId("archivist@anywhere"), me), "alias");
  assert.equal(routeOf(FOUNDER, me), "alias");
  assert.equal(routeOf(parseId("members@everywhere"), me), "group-broadcast");
  assert.equal(
    routeOf(parseId("gsp-s002@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC"), me),
    "station",
  );
  assert.equal(routeOf(alice.id, me), "entity");
  assert.equal(routeOf(bot.id, me), "entity");
  assert.equal(routeOf(parseId(`${me.value}/terminal`), me), "local");
});

Deno.test("ans: built-in names win over the config, the config over the store; case-insensitive; full IDs resolve to themselves", () => {
  const ans = new AnsBook(
    new Map([["archivist", bot.id], ["everyone", alice.id]]),
    { archivist: alice.id.value, monitor: bob.id.value, broken: "not an id" },
  );
  assert.equal(ans.resolve("archivist")?.value, bot.id.value);
  assert.equal(ans.resolve("Archivist")?.value, bot.id.value);
  assert.equal(ans.resolve("monitor")?.value, bob.id.value);
  assert.equal(ans.resolve("everyone")?.value, EVERYONE.value);
  assert.equal(ans.resolve("all")?.value, EVERYONE.value);
  assert.equal(ans.resolve("owner")?.value, ANYONE.value);
  assert.equal(ans.resolve("founder")?.value, FOUNDER.value);
  assert.equal(ans.resolve("broken"), undefined);
  assert.equal(ans.resolve("nobody"), undefined);
  assert.equal(ans.resolve(alice.id.value)?.value, alice.id.value);
});

Deno.test("ans: a store lookup is asked for each name the config does not know (records written later are found)", () => {
  const stored: Record<string, string> = {};
  const asked: string[] = [];
  const ans = new AnsBook(new Map([["archivist", bot.id]]), (name) => {
    asked.push(name);
    return stored[name];
  });
  assert.equal(ans.resolve("assistant"), undefined);
  stored.assistant = bob.id.value;
  stored.archivist = alice.id.value;
  stored.broken = "not an id";
  assert.equal(ans.resolve("Assistant")?.value, bob.id.value);
  assert.equal(ans.resolve("archivist")?.value, bot.id.value, "config wins");
  assert.equal(ans.resolve("broken"), undefined);
  assert.equal(ans.resolve("everyone")?.value, EVERYONE.value);
  assert.deepEqual(asked, ["assistant", "assistant", "broken"]);
});

Deno.test("signer pool, ECC key: signatures with the workers' nonces verify, each with its own r; closing falls back to signing here", async () => {
  const pool = new SignerPool(station.signKey, 1);
  try {
    assert.equal(pool.threads, 1);
    assert.equal(pool.algorithm, "ECC");
    // the worker makes nonces ahead; wait until some are here (a cold start
    // of the worker — modules compiled on a fresh clone — takes seconds)
    for (let i = 0; i < 3000 && pool.noncesReady === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(pool.noncesReady > 0);
    const ready = pool.noncesReady;
    const data = new TextEncoder().encode("moky");
    const signatures = await Promise.all(
      Array.from({ length: 8 }, () => pool.sign(data)),
    );
    assert.ok(pool.noncesReady < ready); // they were used
    const rs = new Set<bigint>();
    for (const signature of signatures) {
      assert.ok(await station.signKey.publicKey.verify(data, signature));
      const { r, s } = decodeEcdsaSignature(signature);
      assert.ok(isLowS(s));
      rs.add(r);
    }
    assert.equal(rs.size, 8); // a nonce is never used twice
  } finally {
    pool.close();
  }
  assert.equal(pool.threads, 0);
  assert.equal(pool.noncesReady, 0);
  const data = new TextEncoder().encode("after close");
  assert.ok(
    await station.signKey.publicKey.verify(data, await pool.sign(data)),
  );
});

Deno.test("signer pool, no workers: signs here (deterministic, as the key does)", async () => {
  const pool = new SignerPool(station.signKey, 0);
  const data = new TextEncoder().encode("moky");
  assert.equal(pool.threads, 0);
  assert.deepEqual(await pool.sign(data), await station.signKey.sign(data));
});

Deno.test("signer pool, RSA key: a worker signs with its copy of the key", async () => {
  const key = await RsaPrivateKey.generate();
  const pool = new SignerPool(key, 1);
  try {
    const data = new TextEncoder().encode("moky");
    const signatures = await Promise.all(
      Array.from({ length: 4 }, () => pool.sign(data)),
    );
    for (const signature of signatures) {
      assert.ok(await key.publicKey.verify(data, signature));
    }
    assert.equal(pool.noncesReady, 0);
  } finally {
    pool.close();
  }
});

Deno.test("signer pool released: another key's pool takes the warmed workers and their nonces; its signatures verify with its own key, each r once; the released pool signs here", async () => {
  const first = new SignerPool(bob.signKey, 1);
  for (let i = 0; i < 3000 && first.noncesReady === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(first.noncesReady > 0);
  const data = new TextEncoder().encode("moky");
  const before = await Promise.all(
    Array.from({ length: 4 }, () => first.sign(data)),
  );
  const threads = first.release();
  assert.equal(first.threads, 0);
  assert.equal(threads.count, 1);
  // released: the first pool signs here, as its key does
  assert.deepEqual(await first.sign(data), await bob.signKey.sign(data));
  const pool = new SignerPool(station.signKey, threads);
  try {
    assert.equal(threads.count, 0, "taken");
    assert.equal(pool.threads, 1);
    assert.ok(pool.noncesReady > 0, "the nonces came along");
    const signatures = await Promise.all(
      Array.from({ length: 8 }, () => pool.sign(data)),
    );
    const rs = new Set<bigint>();
    for (const signature of [...before, ...signatures]) {
      rs.add(decodeEcdsaSignature(signature).r);
    }
    assert.equal(rs.size, 12, "a nonce is never used twice, across pools");
    for (const signature of signatures) {
      assert.ok(await station.signKey.publicKey.verify(data, signature));
    }
  } finally {
    pool.close();
    threads.close();
  }

  // an RSA key's pool sends the taken worker its key, which then signs
  const rsa = await RsaPrivateKey.generate();
  const rsaPool = new SignerPool(rsa, new SignerPool(bob.signKey, 1).release());
  try {
    assert.equal(rsaPool.threads, 1);
    const signature = await rsaPool.sign(data);
    assert.ok(await rsa.publicKey.verify(data, signature));
  } finally {
    rsaPool.close();
  }
});

Deno.test("trace pool: this station's node kept as whole milliseconds is the node it wrote: a copy carrying it back merges into one node, hours into a real clock", async () => {
  let now = 1733380000.123;
  const pool = new TracePool({ now: () => now });
  const world = new World();
  world.know(bob);
  const packer = new MessagePacker({ user: alice, directory: world });
  const msg = await packer.packContent(bob.id, TextContent.create("x"));
  now = 1733380000.123 + 4 * 3600 + 0.334; // 4 h later, within the 5 h
  const written = now;
  assert.equal(pool.check(msg, station.id), false);
  const s2 = parseId("gsp-s002@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
  const back = ReliableMessage.parse({
    ...msg.dictionary,
    traces: [
      { ID: station.id.value, did: station.id.value, time: written },
      { did: s2.value, time: written + 1 },
    ],
  });
  now = written + 2;
  assert.equal(pool.check(back, station.id), true, "came back");
  const nodes = back.get("traces") as { did: string; time: number }[];
  assert.deepEqual(nodes.map((n) => [n.did, n.time]), [
    [station.id.value, written],
    [s2.value, written + 1],
    [station.id.value, written + 2],
  ]);
});

Deno.test("message key: the last one made is reused only for the same receiver and signature", () => {
  const [one, two] = ["A".repeat(40) + "one", "B".repeat(40) + "two"];
  const bobAt = parseId(`${bob.id.value}/phone`);
  const cases: [typeof bob.id, string][] = [
    [bob.id, one],
    [bob.id, one],
    [alice.id, one],
    [alice.id, two],
    [bob.id, two],
    [bobAt, two],
    [bob.id, one],
  ];
  for (const [receiver, signature] of cases) {
    assert.equal(
      messageKey(receiver, signature),
      messageKeyOf(receiver.withoutTerminal().value, signature),
    );
  }
  // the trace pool's key is the dispatcher's: the same string
  const first = messageKey(alice.id, one);
  assert.equal(messageKey(alice.id, one), first);
});

Deno.test("trace pool: a received message first seen here gets this station's node appended to its text, the same JSON as its dictionary", async () => {
  const now = 1733380000.125;
  const pool = new TracePool({ now: () => now });
  const world = new World();
  world.know(bob);
  const packer = new MessagePacker({ user: alice, directory: world });
  const packed = await packer.packContent(bob.id, TextContent.create("x"));
  const wire = packed.serialize();
  const msg = ReliableMessage.parse(wire); // as received: its text is kept
  assert.equal(pool.check(msg, station.id), false);
  const node = { ID: station.id.value, did: station.id.value, time: now };
  const text = msg.serialize();
  assert.equal(
    text,
    `${wire.slice(0, -1)},"traces":${JSON.stringify([node])}}`,
    "appended to the text as received",
  );
  assert.deepEqual(JSON.parse(text).traces, [node]);
  assert.deepEqual(msg.get("traces"), [node]);
});

Deno.test("trace pool: a pool made for its station writes the same node, and another station's when checked for it", async () => {
  const now = 1733380000.5;
  const made = new TracePool({ now: () => now, station: station.id });
  const world = new World();
  world.know(bob);
  const packer = new MessagePacker({ user: alice, directory: world });
  const texts = [];
  for (const text of ["x", "y"]) {
    const packed = await packer.packContent(bob.id, TextContent.create(text));
    texts.push(packed.serialize());
  }
  const msg = ReliableMessage.parse(texts[0]);
  assert.equal(made.check(msg, station.id), false);
  const node = { ID: station.id.value, did: station.id.value, time: now };
  assert.equal(
    msg.serialize(),
    `${texts[0].slice(0, -1)},"traces":[${JSON.stringify(node)}]}`,
  );
  const other = ReliableMessage.parse(texts[1]);
  assert.equal(made.check(other, bob.id), false);
  assert.deepEqual(JSON.parse(other.serialize()).traces, [
    { ID: bob.id.value, did: bob.id.value, time: now },
  ]);
});
