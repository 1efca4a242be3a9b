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
 * `restart` as a 5th argument adds a third case, returning users after a
 * restart: the station's store closed, then a new process (this script
 * again, on the same data directory: no cache of this one survives) opens
 * it, warms up on 20 new users as the others do, and takes the same users
 * on new sessions with new message keys. Each case also counts, per
 * handshake, the station's crypto operations (ECDSA key imports and
 * verifications, RSA key imports and operations, on this thread: with
 * `threads` 0 all of them) and SQL statements run (`sql_*`); with `TIMED`
 * in the environment, also the µs spent in each (`*_us`, their synchronous
 * part: the station's engines are synchronous underneath).
 *
 * The restarted station reads its recent users ahead as `dim station` does
 * (`station/preload.ts`; at most the 6th argument, default 10,000; 0:
 * none), before its warm-up: `preloaded_at_restart` says how many, in what
 * time, and what its heap and RSS grew by.
 *
 * Run: `deno run -A tests/bench/handshake_cpu.ts [users=300] [threads=0] [ecdsa=auto] [crypto=runtime] [restart] [preload=10000]`
 *
 * @module
 */
import process from "node:process";
import { DatabaseSync, StatementSync } from "node:sqlite";
import { getHeapStatistics } from "node:v8";
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import {
  aesEngine,
  ecdsaEngine,
  installEcdsaEngine,
  installRsaEngine,
  parsePrivateKey,
  rsaEngine,
} from "../../dimp/crypto/mod.ts";
import {
  ANY_STATION,
  Document,
  EVERY_STATION,
  Meta,
  parseId,
} from "../../dimp/identity/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  DEFAULT_PRELOAD_USERS,
  findStationIdentity,
  HandshakePool,
  type ParsedLines,
  preloadReturning,
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
const restart = Deno.args[4] === "restart";
/** Set in the child process of `restart`: the data directory to reopen. */
const reopen = Deno.env.get("HANDSHAKE_CPU_REOPEN");

/** Operations counted (this thread). */
const counts: Record<string, number> = {};
function counted(name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}
/** Time spent in the operations (µs, sync part), when TIMED is set. */
const TIMED = Deno.env.get("TIMED") !== undefined;
function timed<T>(name: string, f: () => T): T {
  counted(name);
  if (!TIMED) return f();
  const t = performance.now();
  try {
    return f();
  } finally {
    counts[name + "_us"] = (counts[name + "_us"] ?? 0) +
      (performance.now() - t) * 1000;
  }
}
{
  const ec = ecdsaEngine();
  installEcdsaEngine({
    name: ec.name,
    importPublic: (point) =>
      timed("ecdsa_import", () => ec.importPublic(point)),
    verify: (key, data, digest, der) =>
      timed("ecdsa_verify", () => ec.verify(key, data, digest, der)),
    sign: (secret, data) => timed("ecdsa_sign", () => ec.sign(secret, data)),
    nonces: (n) => ec.nonces(n),
  });
  const rsa = rsaEngine();
  installRsaEngine({
    name: rsa.name,
    importPublic: (spki) => timed("rsa_import", () => rsa.importPublic(spki)),
    importPrivate: (der) => timed("rsa_import", () => rsa.importPrivate(der)),
    sign: (key, data) => timed("rsa_sign", () => rsa.sign(key, data)),
    verify: (key, data, sig) =>
      timed("rsa_verify", () => rsa.verify(key, data, sig)),
    encrypt: (key, data) => timed("rsa_encrypt", () => rsa.encrypt(key, data)),
    decrypt: (key, data) => timed("rsa_decrypt", () => rsa.decrypt(key, data)),
  });
  // SQL statements run (prepared ones; `exec`: BEGIN, COMMIT …)
  const proto = StatementSync.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  for (const name of ["get", "all", "run", "iterate"]) {
    const original = proto[name];
    proto[name] = function (this: unknown, ...args: unknown[]): unknown {
      return timed(`sql_${name}`, () => original.apply(this, args));
    };
  }
  const db = DatabaseSync.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const exec = db.exec;
  db.exec = function (this: unknown, ...args: unknown[]): unknown {
    return timed("sql_exec", () => exec.apply(this, args));
  };
}

const dir = reopen ?? Deno.makeTempDirSync({ prefix: "dim-handshake-cpu-" });
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
const users = reopen === undefined ? await accounts(count) : loadAccounts();

/** The users' accounts as the parent of `restart` wrote them. */
function loadAccounts(): Account[] {
  const saved = JSON.parse(
    Deno.readTextFileSync(`${reopen}/accounts.json`),
  ) as Record<string, unknown>[];
  return saved.map((a) => ({
    id: parseId(a.id as string),
    meta: Meta.parse(a.meta),
    visa: Document.parse(a.visa),
    signKey: parsePrivateKey(a.signKey),
    decryptKeys: (a.decryptKeys as unknown[]).map((k) => parsePrivateKey(k)),
  }));
}

/** What the child of `restart` needs to be the same users. */
function saveAccounts(list: readonly Account[]): void {
  Deno.writeTextFileSync(
    `${dir}/accounts.json`,
    JSON.stringify(list.map((a) => ({
      id: a.id.value,
      meta: a.meta.toDictionary(),
      visa: a.visa.toDictionary(),
      signKey: a.signKey.toDictionary(),
      decryptKeys: a.decryptKeys.map((k) => k.toDictionary()),
    }))),
  );
}

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
  /** Operations per handshake (crypto on this thread, SQL statements). */
  readonly ops: Record<string, number>;
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
  for (const name of Object.keys(counts)) delete counts[name];
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
    ops: Object.fromEntries(
      Object.entries(counts).sort().map((
        [name, n],
      ) => [name, Math.round(n / planned.length * 100) / 100]),
    ),
  };
}

let preloaded: Record<string, number> | undefined;
if (reopen !== undefined) {
  // as a station starting: its recent users read ahead, then the warm-up
  // the heap's growth is what the caches keep (the child runs with gc())
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap = getHeapStatistics().used_heap_size;
  const rss = Deno.memoryUsage().rss;
  const { keys, users, ms } = preloadReturning(
    pipeline.messenger,
    facade,
    Number(Deno.args[5] ?? DEFAULT_PRELOAD_USERS),
  );
  gc?.();
  preloaded = {
    keys,
    users,
    ms: Math.round(ms * 10) / 10,
    heap_bytes: getHeapStatistics().used_heap_size - heap,
    rss_bytes: Deno.memoryUsage().rss - rss,
  };
}
// warm-up: a few users not counted
await run(await plan(await accounts(20)));
if (reopen !== undefined) {
  // the child of `restart`: the same users again, on a station restarted
  const after = await run(await plan(users));
  print(JSON.stringify({ ...after, preloaded }));
  pool.close();
  pipeline.close();
  store.close();
  Deno.exit(0);
}
const fresh = await run(await plan(users));
const returning = await run(await plan(users));
let restarted: Cpu | undefined;
if (restart) {
  saveAccounts(users);
  pool.close();
  pipeline.close();
  store.close();
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      import.meta.filename!,
      ...Deno.args,
    ],
    env: { HANDSHAKE_CPU_REOPEN: dir },
    stderr: "inherit",
  }).output();
  if (!child.success) throw new Error("the restarted station failed");
  const out = new TextDecoder().decode(child.stdout).trim().split("\n");
  restarted = JSON.parse(out[out.length - 1]) as Cpu;
  preloaded = (restarted as { preloaded?: Record<string, number> }).preloaded;
}
print(JSON.stringify({
  users: count,
  threads,
  ecdsa_engine: ecdsaEngine().name,
  rsa_engine: rsaEngine().name,
  aes_engine: aesEngine().name,
  cpu_us_per_handshake_fresh: fresh.all,
  cpu_us_per_handshake_returning: returning.all,
  cpu_us_per_handshake_restarted: restarted?.all,
  main_thread_us_per_handshake_fresh: fresh.main,
  main_thread_us_per_handshake_returning: returning.main,
  main_thread_us_per_handshake_restarted: restarted?.main,
  heap_bytes_per_handshake_fresh: fresh.allocated,
  heap_bytes_per_handshake_returning: returning.allocated,
  heap_bytes_per_handshake_restarted: restarted?.allocated,
  ops_per_handshake_fresh: fresh.ops,
  ops_per_handshake_returning: returning.ops,
  ops_per_handshake_restarted: restarted?.ops,
  preloaded_at_restart: preloaded,
  checked_ahead: pool.prepared,
}));
if (!restart) {
  pool.close();
  pipeline.close();
  store.close();
}
Deno.removeSync(dir, { recursive: true });
