/**
 * `dim station`'s self warm-up: before the station listens, a stand-in
 * station built from the same classes ({@link Station}), on a throwaway
 * store in a temporary directory and a loopback port of its own, routes
 * texts between a few users driven by the bench's generator in this
 * process — handshakes, texts with station receipts in array contents and
 * one message each —, so that V8 has compiled the relay path before the
 * first real client arrives; its signing threads, warmed, are handed to the
 * real station. The real store, its metrics, queues and presence see
 * nothing of it; the temporary directory is removed.
 *
 * @module
 */
import { join } from "node:path";
import { Accounts, Store } from "../store/mod.ts";
import { Station } from "../station/station.ts";
import type { SignerThreads } from "../station/signer.ts";
import { ensureBenchUsers, runBench } from "./bench/mod.ts";
import { collectGarbage } from "./_collect_garbage.ts";

/** Users of the self warm-up (each one handshake per round). */
const USERS = 10;
/** Characters per text (a short chat line). */
const SIZE = 256;
/** The share of the texts answered one receipt message each (the rest: arrays). */
const SINGLE_SHARE = 0.2;

/** What {@link selfWarmup} is told. */
export interface SelfWarmupOptions {
  /** Texts to route (split among {@link USERS} users). */
  readonly texts: number;
  /** `[station] signers` of the real station. */
  readonly signers?: number;
  /** `[station] decrypters` of the real station. */
  readonly decrypters?: number | "auto";
  /** Aborting ends the warm-up early (a stop signal). */
  readonly signal?: AbortSignal;
}

/** What a self warm-up did. */
export interface SelfWarmupReport {
  /** Handshakes completed with the stand-in. */
  readonly handshakes: number;
  /** Texts sent. */
  readonly texts: number;
  /** Texts delivered. */
  readonly delivered: number;
  /** Wall time (ms). */
  readonly ms: number;
  /**
   * The stand-in's signing threads, warmed, with the nonces they made: for
   * the real station (`StationOptions.signerThreads`; close them if unused).
   */
  readonly signerThreads: SignerThreads;
}

/** A self warm-up failed (the station starts all the same). */
export class SelfWarmupError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SelfWarmupError";
  }
}

/**
 * Routes `options.texts` texts through a stand-in station on a throwaway
 * store, then stops it and removes its files.
 *
 * @throws {SelfWarmupError} the stand-in could not start or route
 * @example
 * ```ts ignore
 * const report = await selfWarmup({ texts: 10_000 });
 * console.log(`${report.handshakes} handshakes, ${report.texts} texts`);
 * ```
 */
export async function selfWarmup(
  options: SelfWarmupOptions,
): Promise<SelfWarmupReport> {
  const started = performance.now();
  let dir: string | undefined;
  let station: Station | undefined;
  let bench: Accounts | undefined;
  try {
    dir = await Deno.makeTempDir({ prefix: "dim-self-warmup-" });
    station = await Station.start({
      storePath: join(dir, "station.db"),
      hostname: "127.0.0.1",
      port: 0,
      signers: options.signers,
      decrypters: options.decrypters,
    });
    bench = new Accounts(Store.open({ path: join(dir, "bench.db") }));
    const { users } = await ensureBenchUsers(bench, USERS);
    const single = Math.round(options.texts * SINGLE_SHARE);
    let handshakes = 0;
    let texts = 0;
    let delivered = 0;
    for (
      const [count, arrays] of [[options.texts - single, true], [
        single,
        false,
      ]] as const
    ) {
      const messages = Math.ceil(count / users.length);
      if (messages === 0 || options.signal?.aborted) continue;
      const result = await runBench({
        accounts: bench,
        host: "127.0.0.1",
        port: station.port,
        framing: "mtp",
        users,
        messages,
        size: SIZE,
        window: 8,
        duration: 60_000,
        receipts: false,
        receiptArrays: arrays,
        selfWarmup: false,
        copiedTexts: true,
        signal: options.signal,
      });
      handshakes += result.handshakes;
      texts += result.sent;
      delivered += result.delivered;
    }
    return {
      handshakes,
      texts,
      delivered,
      ms: Math.round(performance.now() - started),
      signerThreads: station.releaseSignerThreads(),
    };
  } catch (error) {
    throw new SelfWarmupError(`self warm-up failed: ${error}`, {
      cause: error,
    });
  } finally {
    bench?.store.close();
    await station?.stop();
    if (dir !== undefined) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    // its plan, index and sessions: not the first clients' collection
    collectGarbage();
  }
}
