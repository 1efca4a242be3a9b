/**
 * The probe thread of `dim bench --sessions` (see `_prober.ts`): opens the
 * bench's store, connects the two probe users and answers the bench's
 * {@link ProbeRequest}s one at a time (`{error}` when one fails).
 *
 * @module
 */
import { ecdsaEngine, rsaEngine } from "../../dimp/crypto/mod.ts";
import { parseId } from "../../dimp/identity/mod.ts";
import { MemoryCipherKeyCache, MessagePacker } from "../../dimp/message/mod.ts";
import {
  AccountsDirectory,
  type ClientSession,
  loadLocalUser,
} from "../../client/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { installWorkerEngines } from "../../station/worker_engines.ts";
import {
  type ProbeInit,
  Prober,
  type ProbeRequest,
  type ProbeStarted,
  type ProbeTake,
} from "./_prober.ts";
import { benchSession } from "./run.ts";
import { setThreadNice } from "./_thread_nice.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
let accounts: Accounts | undefined;
let sessions: ClientSession[] = [];
let prober: Prober | undefined;
let looping: Promise<void> | undefined;
let loopOn = false;

scope.onmessage = async (event: MessageEvent) => {
  const request = event.data as ProbeRequest;
  try {
    scope.postMessage(await answer(request));
  } catch (error) {
    scope.postMessage({ error: (error as Error).message ?? String(error) });
  }
};

async function answer(request: ProbeRequest): Promise<unknown> {
  if ("init" in request) return await start(request.init);
  if ("every" in request) {
    loopOn = true;
    looping = loop(request.every);
    return {};
  }
  if ("take" in request) {
    loopOn = false;
    await looping;
    return took();
  }
  if ("probes" in request) {
    for (let i = 0; i < request.probes; i++) await prober?.send();
    return took();
  }
  await Promise.all(sessions.map((session) => session.close()));
  sessions = [];
  accounts?.store.close();
  accounts = undefined;
  return {};
}

async function start(init: ProbeInit): Promise<ProbeStarted> {
  // the bench's thread's engines: the probe users' crypto costs what the
  // storm users' does (the runtime's is ~3× the CPU per text)
  if (init.engines !== undefined) installWorkerEngines(init.engines);
  const nice = setThreadNice(init.nice ?? 0);
  accounts = new Accounts(Store.open({ path: init.path }));
  const directory = new AccountsDirectory(accounts);
  const cipherKeys = new MemoryCipherKeyCache();
  const users = init.users.map((id) => loadLocalUser(accounts!, parseId(id)));
  sessions = users.map((user, i) =>
    benchSession({ ...init, accounts: accounts! }, {
      user,
      directory,
      cipherKeys,
      localAddress: init.localAddress,
      onReliable: i === 1 ? (msg) => prober?.arrived(msg) ?? false : undefined,
    })
  );
  const handshakes = await Promise.all(sessions.map(async (session) => {
    const t = performance.now();
    try {
      await session.connect();
      return performance.now() - t;
    } catch (error) {
      return `${session.user.value}: ${(error as Error).message}`;
    }
  }));
  prober = new Prober(
    sessions[0],
    new MessagePacker({ user: users[0], directory, cipherKeys }),
    users[1],
  );
  return {
    handshakes,
    stationId: sessions[0].station?.value ?? null,
    engines: { rsa: rsaEngine().name, ecdsa: ecdsaEngine().name },
    nice,
  };
}

async function loop(interval: number): Promise<void> {
  while (loopOn) {
    const next = performance.now() + interval;
    await prober?.send();
    const wait = next - performance.now();
    if (wait > 0 && loopOn) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function took(): ProbeTake {
  const up = sessions.filter((s) => s.state === "running").length;
  return { ...prober!.take(), up };
}
