/**
 * CPU time per routed message through the station's pipeline, in process
 * and without sockets (B's connection takes every push at once): parse,
 * checks, traces, the push, the store step, the receipt to A. CPU time
 * (`process.cpuUsage`) rather than wall-clock, so a shared machine skews it
 * less; run it next to a baseline in the same session and compare.
 *
 * Run: `deno run -A tests/bench/relay_cpu.ts [messages=3000] [signers=0] [batch=1]`
 * (`signers = 1`: the receipts' ECDSA nonces come from a worker, as in
 * `dim station`; its CPU is counted too. `batch = 8`: A's session asked for
 * batched receipts and sends 8 messages at a time, then waits for their
 * receipts — one array content — as a `dim bench` user with window 8 does).
 *
 * @module
 */
import process from "node:process";
import { TextContent } from "../../dimp/content/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  Session,
} from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { accounts, World } from "../station/_peer.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { print } from "./_process.ts";

const messages = Number(Deno.args[0] ?? 3000);
const signers = Number(Deno.args[1] ?? 0);
const batch = Math.max(1, Number(Deno.args[2] ?? 1));
const WARM_UP = 300;

const dir = Deno.makeTempDirSync({ prefix: "dim-relay-cpu-" });
const store = Store.open({ dataDir: dir });
const facade = new Accounts(store);
const identity = await findStationIdentity(facade);
const pipeline = assemblePipeline(identity, facade, { signers });
const [alice, bob] = await accounts(2);
const world = new World();
world.know(alice);
world.know(bob);
world.know(identity);
await facade.saveMeta(alice.id, alice.meta.toDictionary());
await facade.saveDocument(alice.visa.toDictionary());

function bind(port: number, id: typeof alice.id): Session {
  const session = new Session(new MemoryConnection({ port, keep: false }));
  pipeline.center.add(session);
  pipeline.center.bind(session, id);
  return session;
}
const from = bind(1, alice.id);
bind(2, bob.id);

const packer = new MessagePacker({ user: { ...alice }, directory: world });
const texts: string[] = [];
for (let i = 0; i < WARM_UP + messages; i++) {
  const msg = await packer.packContent(bob.id, TextContent.create(`t${i}`));
  texts.push(msg.serialize());
}
const conn = from.conn as MemoryConnection;
from.receiptArrays = batch > 1;
/** Routes `batch` messages (one payload each) and waits for their receipts. */
async function route(lines: readonly string[]): Promise<void> {
  const answered = conn.replied + 1;
  for (const line of lines) await pipeline.receive(from, [line]);
  await conn.waitForReplies(answered);
}
async function routeAll(all: readonly string[]): Promise<void> {
  for (let i = 0; i < all.length; i += batch) {
    await route(all.slice(i, i + batch));
  }
}
await routeAll(texts.slice(0, WARM_UP));
const start = process.cpuUsage();
const wall = performance.now();
await routeAll(texts.slice(WARM_UP));
const cpu = process.cpuUsage(start);
print(JSON.stringify({
  messages,
  signers,
  batch,
  cpu_us_per_message: Math.round((cpu.user + cpu.system) / messages),
  wall_us_per_message: Math.round(
    (performance.now() - wall) * 1000 / messages,
  ),
}));
pipeline.close();
store.close();
Deno.removeSync(dir, { recursive: true });
