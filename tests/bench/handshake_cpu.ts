/**
 * The station's CPU time per handshake, in process and without sockets:
 * `users` new users each send the two offers a `dim bench` user sends (the
 * first to station@anywhere with the meta and visa attached, the second to
 * the station with the session key, its message key sealed anew for the
 * station), packed before the clock starts, so that only the station's
 * work is timed: verification, storing the meta and visa, opening the
 * sealed key, the `DIM?` and `DIM!` replies (encryption, signature), the
 * search index's rows of the new visas (written behind, flushed before the
 * clock stops). Then the same users again on new sessions with new message
 * keys (returning: meta and visa known). CPU time of all threads (`process.cpuUsage`; the
 * signer thread makes the replies' nonces, as in `dim station`), so a shared
 * machine skews it less; run it next to a baseline in the same minutes.
 *
 * Run: `deno run -A tests/bench/handshake_cpu.ts [users=300]`
 *
 * @module
 */
import process from "node:process";
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import { ANY_STATION, EVERY_STATION } from "../../dimp/identity/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  Session,
} from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { type Account, accounts, World } from "../station/_peer.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { print } from "./_process.ts";

const count = Number(Deno.args[0] ?? 300);

const dir = Deno.makeTempDirSync({ prefix: "dim-handshake-cpu-" });
const store = Store.open({ dataDir: dir });
const facade = new Accounts(store);
const identity = await findStationIdentity(facade);
// one signer thread making the replies' nonces, as `dim station` by default
const pipeline = assemblePipeline(identity, facade, { signers: 1 });
const world = new World();
world.know(identity);
const users = await accounts(count);

interface Planned {
  readonly session: Session;
  readonly offers: readonly string[];
}

/** A session per user and its two offers, packed now. */
async function plan(list: readonly Account[]): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const [i, user] of list.entries()) {
    const session = new Session(
      new MemoryConnection({ port: 10_000 + i, keep: false }),
    );
    pipeline.center.add(session);
    const packer = new MessagePacker({ user: { ...user }, directory: world });
    const first = await packer.packContent(
      ANY_STATION,
      HandshakeCommand.offer(undefined, { group: EVERY_STATION }),
      { attach: true },
    );
    const second = await packer.packContent(
      identity.id,
      HandshakeCommand.offer(session.key),
    );
    planned.push({
      session,
      offers: [first.serialize(), second.serialize()],
    });
  }
  return planned;
}

/** Both offers of every user, one user after another; CPU µs per handshake. */
async function run(planned: readonly Planned[]): Promise<number> {
  const start = process.cpuUsage();
  for (const { session, offers } of planned) {
    for (const offer of offers) {
      const replies = await pipeline.receive(session, [offer]);
      if (replies.length !== 1) throw new Error("no handshake reply");
    }
    if (session.identifier === undefined) throw new Error("not bound");
  }
  // the search index's rows of the new users' visas, written behind (a
  // timer this loop never yields to): counted here
  store.searchIndex.flush();
  const cpu = process.cpuUsage(start);
  return Math.round((cpu.user + cpu.system) / planned.length);
}

// warm-up: a few users not counted
await run(await plan(await accounts(20)));
const fresh = await run(await plan(users));
const returning = await run(await plan(users));
print(JSON.stringify({
  users: count,
  cpu_us_per_handshake_fresh: fresh,
  cpu_us_per_handshake_returning: returning,
}));
pipeline.close();
store.close();
Deno.removeSync(dir, { recursive: true });
