/**
 * Builds the station's inbound {@link Pipeline} with all its parts over an
 * open store: the write queue and offline delivery, the dispatcher, the
 * station's messenger (and its signing threads), ANS, block lists, traces.
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import { type Accounts, MessageWriteQueue } from "../store/mod.ts";
import { silentLog, type StationLog } from "../client/log.ts";
import { AnsBook } from "./ans.ts";
import { BlockLists } from "./block_lists.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { StationIdentity } from "./identity.ts";
import { StationMessenger } from "./messenger.ts";
import { OfflineDelivery } from "./offline.ts";
import { Pipeline, type PipelineOptions } from "./pipeline.ts";
import { SessionCenter } from "./session_center.ts";
import { SignerPool, type SignerThreads } from "./signer.ts";
import { DecryptPool } from "./decrypt_pool.ts";
import type { HandshakePool } from "./handshake_pool.ts";
import { StationStats } from "./stats.ts";
import { TracePool } from "./traces.ts";

/** What {@link assemblePipeline} needs besides the identity and the accounts. */
export interface AssembleOptions extends PipelineOptions {
  /** `[ans]` records (the store's `ans` table is read too). */
  readonly ans?: ReadonlyMap<string, ID>;
  /** Offline messages loaded per login (default 20480). */
  readonly offlineCap?: number;
  /** The neighbour stations. */
  readonly neighbours?: () => Iterable<ID>;
  /** A login says a user moved to another station. */
  readonly onRoaming?: (user: ID, station: ID) => void;
  /** Whether the local bridge reaches a station (default: any). */
  readonly bridged?: (station: ID) => boolean;
  /** The session registry (default: a new one). */
  readonly center?: SessionCenter;
  /** The counters (default: new ones). */
  readonly stats?: StationStats;
  /** The log (default: none). */
  readonly log?: StationLog;
  /** Signing threads for the station's replies (default 0: the main thread). */
  readonly signers?: number;
  /**
   * Signing threads another pool released (the self warm-up's, warmed):
   * used instead of `signers` new ones.
   */
  readonly signerThreads?: SignerThreads;
  /** Threads that decrypt clients' RSA-wrapped message keys (default 0: the main thread; `"auto"`: see {@link DecryptPool}). */
  readonly decrypters?: number | "auto";
  /**
   * Where the station's decryption keys find the message keys a
   * {@link HandshakePool} opened ahead (default: none).
   */
  readonly handshakes?: HandshakePool;
  /**
   * How long a message pushed live waits for its receiver's acknowledgement
   * before it is committed to the store (ms, default 250); its "Message
   * delivered." leaves after one or the other.
   */
  readonly pushHoldMs?: number;
}

/**
 * Builds a pipeline with all its parts over an open store: the write queue
 * and offline delivery, the dispatcher, the station's messenger, ANS, block
 * lists and traces. The caller feeds it sessions ({@link Pipeline.receive})
 * and closes `pipeline.offline` before the store.
 *
 * @example
 * ```ts ignore
 * const pipeline = assemblePipeline(identity, accounts, { checkSender: true });
 * const replies = await pipeline.receive(session, lines);
 * ```
 */
export function assemblePipeline(
  identity: StationIdentity,
  accounts: Accounts,
  options: AssembleOptions = {},
): Pipeline {
  const store = accounts.store;
  const stats = options.stats ?? new StationStats();
  const log = options.log ?? silentLog();
  const center = options.center ?? new SessionCenter(identity.id);
  const queue = new MessageWriteQueue(store.messages, {
    holdMs: options.pushHoldMs ?? 250,
    onCommit: (seconds) => stats.storeLatency?.("commit", seconds),
  });
  const offline = new OfflineDelivery(store, queue, stats, log, {
    offlineCap: options.offlineCap,
  });
  const dispatcher = new Dispatcher(center, offline, store, stats, log, {
    station: identity.id,
    neighbours: options.neighbours,
    onRoaming: options.onRoaming,
    bridged: options.bridged,
    accounts,
  });
  const signer = new SignerPool(
    identity.signKey,
    options.signerThreads ?? options.signers ?? 0,
  );
  const decryptKeys = identity.decryptKeys.map((key) =>
    new DecryptPool(
      key,
      options.decrypters ?? 0,
      () => stats.keyDecryptions++,
      options.handshakes,
    )
  );
  const messenger = new StationMessenger(
    { ...identity, signKey: signer, decryptKeys },
    accounts,
    stats,
    log,
  );
  return new Pipeline({
    identity,
    accounts,
    store,
    center,
    dispatcher,
    offline,
    ans: new AnsBook(options.ans, (name) => store.ans.get(name)),
    blocks: new BlockLists(store),
    messenger,
    traces: new TracePool({ station: identity.id }),
    stats,
    log,
    signer,
    decryptKeys,
  }, options);
}
