/**
 * WAL checkpoints on a thread of their own.
 *
 * SQLite's automatic checkpoint runs inside the commit that pushes the WAL
 * past 1,000 pages: on the station's main thread, one write in a few
 * hundred took 2–12 ms (copying the WAL into the database file and its
 * fsyncs) while every session waited. With a {@link Checkpointer} the
 * writing connection sets `PRAGMA wal_autocheckpoint = 0` and a worker with
 * its own connection to the same file runs PASSIVE checkpoints (they never
 * block the writer or the readers) a few times a second when something was
 * committed. A WAL past its limit is emptied the same way: PASSIVE
 * checkpoints every few milliseconds until one has copied every frame, so
 * that the writer's next commit starts the WAL again from its beginning;
 * only when that has not happened for a while (a reader pinning an old
 * snapshot, a writer with no pause) a TRUNCATE checkpoint, which blocks the
 * writer until it is done, so that the WAL never grows without bound. Until
 * issue 18's twenty-first round the TRUNCATE came at once: a station taking
 * 10,000 new users wrote ~20 MB of WAL a second, passed the 64 MiB limit
 * every ~3.5 s, and its main thread slept up to ~50 ms in SQLite's busy
 * handler each time while the checkpoint copied and synced.
 *
 * Durability does not change: a commit is in the WAL (fsynced first with
 * `synchronous = FULL` for a durable write) whoever copies it on later, and
 * a checkpoint fsyncs the WAL before it copies and the file after.
 *
 * @module
 */
import {
  BACKFILLED,
  type CheckpointerInit,
  CHECKPOINTS,
  CONTROL_SLOTS,
  DONE,
  FAILURES,
  STATE,
  STOP,
  TRUNCATES,
  WAL_FRAMES,
} from "./_checkpoint_layout.ts";

/** How often the thread looks for new commits (ms). */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 200;

/** Past this many WAL frames (64 MiB of 4 KiB pages), the WAL is emptied. */
export const DEFAULT_CHECKPOINT_LIMIT_FRAMES = 16_384;

/**
 * How long a WAL past its limit is emptied without blocking the writer
 * before a TRUNCATE checkpoint blocks it (ms).
 */
export const DEFAULT_CHECKPOINT_TRUNCATE_AFTER_MS = 2_000;

/** How a {@link Checkpointer} runs. */
export interface CheckpointerOptions {
  /** How often it looks for new commits (ms). */
  readonly intervalMs?: number;
  /** Past this many frames in the WAL, it is emptied. */
  readonly limitFrames?: number;
  /**
   * How long a WAL past its limit is emptied by PASSIVE checkpoints before
   * a TRUNCATE one (ms; default {@link DEFAULT_CHECKPOINT_TRUNCATE_AFTER_MS}).
   */
  readonly truncateAfterMs?: number;
  /** How long a TRUNCATE checkpoint waits for the writer and readers (ms). */
  readonly busyTimeoutMs?: number;
}

/** What a {@link Checkpointer} did so far. */
export interface CheckpointStats {
  /** Checkpoints run. */
  readonly checkpoints: number;
  /** TRUNCATE checkpoints run because the WAL passed its limit. */
  readonly truncates: number;
  /** Checkpoints that failed (busy, a full disk), tried again later. */
  readonly failures: number;
  /** Frames in the WAL after the last checkpoint. */
  readonly walFrames: number;
  /** Frames of those copied into the database file. */
  readonly backfilledFrames: number;
}

/**
 * A worker that checkpoints the WAL of one store file.
 *
 * @example
 * ```ts ignore
 * const checkpointer = Checkpointer.start("/srv/dim/dim.db", () => fallBack());
 * checkpointer.stats.checkpoints; // 0 at first
 * checkpointer.stop();
 * ```
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  #stopped = false;

  private constructor(worker: Worker, control: Int32Array) {
    this.#worker = worker;
    this.#control = control;
  }

  /**
   * Starts the worker on `path`; `onFailed` is told once if it cannot run
   * (then nobody checkpoints: the caller turns the automatic checkpoint on
   * again).
   */
  static start(
    path: string,
    onFailed: () => void,
    options: CheckpointerOptions = {},
  ): Checkpointer {
    const control = new Int32Array(
      new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT),
    );
    const worker = new Worker(
      new URL("./_checkpoint_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    const checkpointer = new Checkpointer(worker, control);
    const failed = () => {
      if (checkpointer.#stopped) return;
      checkpointer.stop();
      onFailed();
    };
    worker.onmessage = failed;
    worker.onerror = (event) => {
      event.preventDefault();
      failed();
    };
    const init: CheckpointerInit = {
      path,
      control: control.buffer as SharedArrayBuffer,
      intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
      limitFrames: options.limitFrames ?? DEFAULT_CHECKPOINT_LIMIT_FRAMES,
      truncateAfterMs: options.truncateAfterMs ??
        DEFAULT_CHECKPOINT_TRUNCATE_AFTER_MS,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    };
    worker.postMessage(init);
    return checkpointer;
  }

  /** What it did so far. */
  get stats(): CheckpointStats {
    const control = this.#control;
    return {
      checkpoints: Atomics.load(control, CHECKPOINTS),
      truncates: Atomics.load(control, TRUNCATES),
      failures: Atomics.load(control, FAILURES),
      walFrames: Atomics.load(control, WAL_FRAMES),
      backfilledFrames: Atomics.load(control, BACKFILLED),
    };
  }

  /**
   * Stops it (idempotent): waits up to `timeoutMs` for a checkpoint under
   * way to end and the worker's connection to close, then ends the worker.
   */
  stop(timeoutMs = 10_000): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const control = this.#control;
    Atomics.store(control, STATE, STOP);
    Atomics.notify(control, STATE);
    // a worker not started yet opens, sees STOP, closes and says DONE
    Atomics.wait(control, DONE, 0, timeoutMs);
    this.#worker.terminate();
  }
}
