/**
 * `dim station`'s self warm-up: before the station listens, a stand-in
 * station built from the same classes ({@link Station}), on a throwaway
 * store in a temporary directory and a loopback port of its own, routes
 * texts between a few users driven by the bench's generator on a worker
 * thread of this process (`_self_warmup_worker.ts`: the station's thread
 * runs only station code) — handshakes, texts with station receipts in
 * array contents and one message each —, so that V8 has compiled the
 * relay path before the
 * first real client arrives; its signing threads, warmed, are handed to the
 * real station. The real store, its metrics, queues and presence see
 * nothing of it; the temporary directory is removed.
 *
 * @module
 */
import { join } from "node:path";
import { Station } from "../station/station.ts";
import type { SignerThreads } from "../station/signer.ts";

/** What {@link selfWarmup} is told. */
export interface SelfWarmupOptions {
  /** Texts to route (split among 10 users). */
  readonly texts: number;
  /** `[station] signers` of the real station. */
  readonly signers?: number;
  /** `[station] decrypters` of the real station. */
  readonly decrypters?: number | "auto";
  /** Aborting ends the warm-up early (a stop signal). */
  readonly signal?: AbortSignal;
}

/** What the self warm-up's generator did (the worker's answer). */
export interface SelfWarmupCounts {
  /** Handshakes completed with the stand-in. */
  readonly handshakes: number;
  /** Texts sent. */
  readonly texts: number;
  /** Texts delivered. */
  readonly delivered: number;
}

/** What a self warm-up did. */
export interface SelfWarmupReport extends SelfWarmupCounts {
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
  try {
    dir = await Deno.makeTempDir({ prefix: "dim-self-warmup-" });
    station = await Station.start({
      storePath: join(dir, "station.db"),
      hostname: "127.0.0.1",
      port: 0,
      signers: options.signers,
      decrypters: options.decrypters,
    });
    const done = await _drive(station.port, options.texts, dir, options.signal);
    return {
      ...done,
      ms: Math.round(performance.now() - started),
      signerThreads: station.releaseSignerThreads(),
    };
  } catch (error) {
    throw error instanceof SelfWarmupError
      ? error
      : new SelfWarmupError(`self warm-up failed: ${error}`, { cause: error });
  } finally {
    await station?.stop();
    if (dir !== undefined) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}

/** The generator's worker: `texts` texts through the stand-in on `port`. */
function _drive(
  port: number,
  texts: number,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<SelfWarmupCounts> {
  const worker = new Worker(
    new URL("./_self_warmup_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  return new Promise((resolve, reject) => {
    const end = (error?: string) => {
      signal?.removeEventListener("abort", stop);
      worker.terminate();
      if (error !== undefined) {
        reject(new SelfWarmupError(`self warm-up failed: ${error}`));
      }
    };
    const stop = () => end("stopped");
    signal?.addEventListener("abort", stop, { once: true });
    worker.onmessage = (event) => {
      const reply = event.data as SelfWarmupCounts & { error?: string };
      end(reply.error);
      if (reply.error === undefined) resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      end(event.message);
    };
    worker.postMessage({ port, texts, dir });
  });
}
