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
 * Also the main thread's own CPU time per handshake (Linux: its
 * `/proc/self/task/<pid>/stat`), and the bytes its heap allocated per
 * handshake (V8's `total_allocated_bytes`). With `threads` > 0 a `HandshakePool` of
 * that many workers checks every user's offers ahead (all of them, before
 * the main thread takes the first, as in a storm where the lane is busy):
 * the main thread's figure is then what is left on it, and all threads'
 * counts the workers' part too (the checking ahead is inside the clock).
 *
 * The ECDSA engine is `ecdsa` (`auto`, `libsecp256k1` or `runtime`, as
 * `[station] ecdsa_engine`), the RSA and AES engine `crypto` (`runtime` by
 * default, as in the earlier rounds; `auto` or `openssl` as `[station]
 * crypto_engine`, which a station runs); the JSON says which ran.
 *
 * Run: `deno run -A tests/bench/handshake_cpu.ts [users=300] [threads=0] [ecdsa=auto] [crypto=runtime]`
 *
 * @module
 */
import process from "node:process";
import { getHeapStatistics } from "node:v8";
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import { aesEngine, ecdsaEngine, rsaEngine } from "../../dimp/crypto/mod.ts";
import { ANY_STATION, EVERY_STATION } from "../../dimp/identity/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  HandshakePool,
  type ParsedLines,
  Session,
} from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { type Account, accounts, World } from "../station/_peer.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import { print } from "./_process.ts";
import {
  installEcdsaChoice,
  parseEcdsaEngine,
} from "../../station/ecdsa_choice.ts";
import {
  installCryptoEngine,
  parseCryptoEngine,
} from "../../station/crypto_engine.ts";

const count = Number(Deno.args[0] ?? 300);
const threads = Number(Deno.args[1] ?? 0);
const ecdsa = parseEcdsaEngine(Deno.args[2] ?? "auto");
if (ecdsa === undefined) {
  throw new Error("ecdsa: auto, libsecp256k1 or runtime");
}
installEcdsaChoice(ecdsa);
const cryptoChoice = parseCryptoEngine(Deno.args[3] ?? "runtime");
if (cryptoChoice === undefined) {
  throw new Error("crypto: auto, openssl or runtime");
}
installCryptoEngine(cryptoChoice);

const dir = Deno.makeTempDirSync({ prefix: "dim-handshake-cpu-" });
const store = Store.open({ dataDir: dir });
const facade = new Accounts(store);
const identity = await findStationIdentity(facade);
// one signer thread making the replies' nonces, as `dim station` by default
const pool = new HandshakePool(identity.id, identity.decryptKeys, threads);
const pipeline = assemblePipeline(identity, facade, {
  signers: 1,
  handshakes: pool,
});
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

/**
 * CPU µs per handshake of all threads and of the main thread alone, and the
 * bytes the main thread's heap allocated per handshake.
 */
interface Cpu {
  readonly all: number;
  readonly main: number;
  readonly allocated: number;
}

/** This process's main thread's CPU time (µs; clock ticks). */
function mainThreadUs(): number {
  const stat = Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, in clock ticks of 10 ms
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Both offers of every user, one user after another; CPU per handshake. */
async function run(planned: readonly Planned[]): Promise<Cpu> {
  const start = process.cpuUsage();
  const mainStart = mainThreadUs();
  const allocatedStart = getHeapStatistics().total_allocated_bytes;
  // checked ahead (with threads): every offer, before the first is taken
  const ahead = await Promise.all(
    planned.map(({ session, offers }) =>
      Promise.all(
        offers.map((offer) => pool.prepare(session.conn.id, [offer])),
      )
    ),
  );
  for (const [i, { session, offers }] of planned.entries()) {
    for (const [j, offer] of offers.entries()) {
      const parsed: ParsedLines | undefined = ahead[i][j];
      const replies = await pipeline.receive(session, [offer], parsed);
      if (replies.length !== 1) throw new Error("no handshake reply");
    }
    if (session.identifier === undefined) throw new Error("not bound");
    // a turn of the event loop, as a station's sockets give it: the signer
    // thread's nonces arrive (else every reply after its first stock is
    // signed here with a whole ECDSA signature, which a station never does)
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  // the search index's rows of the new users' visas, written behind (a
  // timer this loop never yields to): counted here
  store.searchIndex.flush();
  const cpu = process.cpuUsage(start);
  const allocated = getHeapStatistics().total_allocated_bytes - allocatedStart;
  return {
    all: Math.round((cpu.user + cpu.system) / planned.length),
    main: Math.round((mainThreadUs() - mainStart) / planned.length),
    allocated: Math.round(allocated / planned.length),
  };
}

// warm-up: a few users not counted
await run(await plan(await accounts(20)));
const fresh = await run(await plan(users));
const returning = await run(await plan(users));
print(JSON.stringify({
  users: count,
  threads,
  ecdsa_engine: ecdsaEngine().name,
  rsa_engine: rsaEngine().name,
  aes_engine: aesEngine().name,
  cpu_us_per_handshake_fresh: fresh.all,
  cpu_us_per_handshake_returning: returning.all,
  main_thread_us_per_handshake_fresh: fresh.main,
  main_thread_us_per_handshake_returning: returning.main,
  heap_bytes_per_handshake_fresh: fresh.allocated,
  heap_bytes_per_handshake_returning: returning.allocated,
  checked_ahead: pool.prepared,
}));
pool.close();
pipeline.close();
store.close();
Deno.removeSync(dir, { recursive: true });
