/**
 * The station's hot path without sockets: one routed A→B message through
 * the pipeline (parse, checks, traces, store + push + delete, the receipt to
 * A), next to each step of it — parsing, the routing decision, the sender
 * check, traces (and the re-serialisation they cause), the push onto B's
 * session queue, the store step (held and taken in time, or committed and
 * deleted), the receipt's creation and its packing (AES + signature), the
 * MTP framing of the push — and the signature check a routed message is
 * spared; the taken-message check's key, whole signature against its
 * tail. The framing decode and the socket are in `transport_bench.ts`.
 *
 * Run: `deno bench -A tests/bench/station_bench.ts`
 *
 * @module
 */
import { TextContent } from "../../dimp/content/mod.ts";
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { MessagePacker, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  type Pipeline,
  Session,
} from "../../station/mod.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { routeOf } from "../../station/routes.ts";
import { TracePool } from "../../station/traces.ts";
import { encodeMtpPackage, MtpType } from "../../dimp/transport/mod.ts";
import { BoundedMap } from "../../dimp/bounded_map.ts";
import {
  Accounts,
  messageKeyOf,
  MessageWriteQueue,
  type OfflineMessage,
  Store,
} from "../../store/mod.ts";
import { accounts, World } from "../station/_peer.ts";

const dir = Deno.makeTempDirSync({ prefix: "dim-bench-" });
const store = Store.open({ dataDir: dir });
const accountsFacade = new Accounts(store);
const identity = await findStationIdentity(accountsFacade);
const pipeline: Pipeline = assemblePipeline(identity, accountsFacade);
const [alice, bob] = await accounts(2);
const world = new World();
world.know(alice);
world.know(bob);
world.know(identity);
await accountsFacade.saveMeta(alice.id, alice.meta.toDictionary());
await accountsFacade.saveDocument(alice.visa.toDictionary());

function bind(port: number, id: typeof alice.id): Session {
  const session = new Session(new MemoryConnection({ port, keep: false }));
  pipeline.center.add(session);
  pipeline.center.bind(session, id);
  return session;
}
const aliceSession = bind(1, alice.id);
bind(2, bob.id);

const alicePacker = new MessagePacker({
  user: { ...alice },
  directory: world,
});
const texts: string[] = [];
for (let i = 0; i < 2000; i++) {
  texts.push(
    (await alicePacker.packContent(bob.id, TextContent.create(`t${i}`)))
      .serialize(),
  );
}
let next = 0;

Deno.bench("routed A→B through the pipeline (store, push, delete, receipt)", {
  group: "routed",
  baseline: true,
}, async () => {
  const conn = aliceSession.conn as MemoryConnection;
  const answered = conn.replied + 1;
  await pipeline.receive(aliceSession, [texts[next++ % texts.length]]);
  await conn.waitForReplies(answered); // the receipt
});

const sample = ReliableMessage.parse(texts[0]);
Deno.bench(
  "the receipt alone (pack station → A)",
  { group: "routed" },
  async () => {
    await pipeline.messenger.pack(
      alice.id,
      ReceiptCommand.create("Message delivered.", sample),
    );
  },
);

Deno.bench(
  "verifying the message (what routing skips)",
  { group: "routed" },
  async () => {
    await pipeline.messenger.verify(ReliableMessage.parse(texts[1]));
  },
);

Deno.bench(
  "parsing the message (routing fields only)",
  { group: "routed" },
  () => {
    ReliableMessage.parse(texts[2]);
  },
);

Deno.bench("the routing decision (routeOf the receiver)", {
  group: "routed",
}, () => {
  if (routeOf(sample.receiver, identity.id) !== "entity") {
    throw new Error("not routed to a user");
  }
});

Deno.bench("the sender check (naked sender = session user)", {
  group: "routed",
}, () => {
  const msg = sample;
  if (!aliceSession.identifier!.equals(msg.sender.withoutTerminal())) {
    throw new Error("refused");
  }
});

Deno.bench("traces: check and append this station", {
  group: "routed",
}, () => {
  new TracePool().check(ReliableMessage.parse(texts[3]), identity.id);
});

const traced = ReliableMessage.parse(texts[4]);
new TracePool().check(traced, identity.id);
Deno.bench("serialising the traced message (JSON.stringify)", {
  group: "routed",
}, () => {
  traced.set("muted", undefined); // drops the cached text
  traced.serialize();
});

const bobQueue = new Session(new MemoryConnection({ port: 3, keep: false }));
Deno.bench("the push onto B's session queue (and its send)", {
  group: "routed",
}, () => {
  bobQueue.push({ priority: 0, payload: texts[5] });
});

const queue = new MessageWriteQueue(pipeline.store.messages);
let serial = 0;
function offline(): OfflineMessage {
  const msg = ReliableMessage.parse(texts[serial % texts.length]);
  return {
    receiver: bob.id.value,
    signature: `${serial++}${msg.signature}`,
    time: msg.time ?? Date.now() / 1000,
    msg: msg.dictionary as Record<string, unknown>,
  };
}
Deno.bench("store step: held, taken by B in time (nothing written)", {
  group: "routed",
}, async () => {
  const message = offline();
  const held = queue.storeLater(message);
  await queue.delete(message);
  await held;
});

Deno.bench("store step: committed (not fsynced), then deleted", {
  group: "routed",
}, async () => {
  const message = offline();
  await queue.store(message);
  await queue.delete(message);
});

Deno.bench("the receipt's creation (ReceiptCommand with origin)", {
  group: "routed",
}, () => {
  ReceiptCommand.create("Message delivered.", sample, {
    extra: { recipient: bob.id.value },
  });
});

const push = texts[6];
const sn = new Uint8Array(8);
Deno.bench("MTP framing of the push", { group: "routed" }, () => {
  encodeMtpPackage({ type: MtpType.MESSAGE, sn, body: push });
});

// the taken-message check (OfflineDelivery.delivered): one key built and
// looked up per routed text among the last 65,536 taken, nearly always a miss
const TAKEN = 65_536;
const signatures = Array.from(
  { length: 2 * TAKEN },
  () => crypto.getRandomValues(new Uint8Array(71)).toBase64(),
);
const receiver = bob.id.value;
const wholeKey = (signature: string) => `${signature}\n${receiver}`;
const takenWhole = new BoundedMap<string, true>(TAKEN);
const takenTail = new BoundedMap<string, true>(TAKEN);
for (let i = 0; i < TAKEN; i++) {
  takenWhole.set(wholeKey(signatures[i]), true);
  takenTail.set(messageKeyOf(receiver, signatures[i]), true);
}
let lookup = 0;
/** Hits (half the signatures are taken), kept so the lookups are not dropped. */
let taken = 0;
Deno.bench("taken check: whole signature + receiver (before)", {
  group: "taken",
  baseline: true,
}, () => {
  const signature = signatures[lookup++ % signatures.length];
  if (takenWhole.has(wholeKey(signature))) taken++;
});
Deno.bench("taken check: signature's last 16 characters + receiver", {
  group: "taken",
}, () => {
  const signature = signatures[lookup++ % signatures.length];
  if (takenTail.has(messageKeyOf(receiver, signature))) taken++;
});

globalThis.addEventListener("unload", () => {
  if (taken === 0) throw new Error("the taken check found nothing");
  queue.close();
  pipeline.offline.close();
  store.close();
  Deno.removeSync(dir, { recursive: true });
});
