/**
 * A stand-in station for the bench's handshake warm-up (private to
 * `cli/bench`): a {@link Station} of this code base on a worker thread
 * (`_standin_station_worker.ts`), with a store in a directory the caller
 * names and a loopback port of its own. The bench handshakes new users
 * with it before its clock, so that V8 has compiled the bench's handshake
 * code — the sessions, the offers, the replies' checks and the sealed keys
 * opened — before the measured station sees a connection; the measured
 * station sees nothing of it.
 *
 * @module
 */
import { BenchError } from "./bench_error.ts";

/**
 * The stand-in: {@link StandInStation.start} it, handshake with
 * 127.0.0.1:{@link StandInStation.port}, {@link StandInStation.stop} it.
 *
 * @example
 * ```ts ignore
 * const standIn = await StandInStation.start(`${dir}/station.db`);
 * // … sessions to 127.0.0.1:standIn.port …
 * await standIn.stop();
 * ```
 */
export class StandInStation {
  /** The loopback port it listens on. */
  readonly port: number;
  readonly #worker: Worker;

  private constructor(worker: Worker, port: number) {
    this.#worker = worker;
    this.port = port;
  }

  /**
   * Starts a station on a worker thread, its store at `storePath`.
   *
   * @throws {BenchError} it could not start
   */
  static async start(storePath: string): Promise<StandInStation> {
    const worker = new Worker(
      new URL("./_standin_station_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    try {
      const { port } = await _ask(worker, { storePath }) as { port: number };
      return new StandInStation(worker, port);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** Stops the station (its store closed) and ends the thread. */
  async stop(): Promise<void> {
    try {
      await _ask(this.#worker, { stop: true });
    } finally {
      this.#worker.terminate();
    }
  }
}

/** One request to the worker and its answer. */
function _ask(worker: Worker, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const error = (event.data as { error?: string }).error;
      if (error === undefined) resolve(event.data);
      else reject(new BenchError(`the handshake stand-in: ${error}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new BenchError(`the handshake stand-in: ${event.message}`));
    };
    worker.postMessage(request);
  });
}
