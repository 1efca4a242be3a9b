/**
 * The shared memory between {@link Checkpointer} and its thread
 * (`_checkpoint_worker.ts`): an `Int32Array` of {@link CONTROL_SLOTS} slots.
 *
 * @module
 */

/** The state slot: {@link RUNNING} or {@link STOP}. */
export const STATE = 0;
/** Set to 1 by the thread once its connection is closed. */
export const DONE = 1;
/** Checkpoints run. */
export const CHECKPOINTS = 2;
/** TRUNCATE checkpoints run because the WAL passed its limit. */
export const TRUNCATES = 3;
/** Checkpoints that failed (busy, a full disk). */
export const FAILURES = 4;
/** Frames in the WAL after the last checkpoint. */
export const WAL_FRAMES = 5;
/** Frames of those copied into the database file. */
export const BACKFILLED = 6;
/** How many slots. */
export const CONTROL_SLOTS = 7;

/** {@link STATE}: checkpoint on. */
export const RUNNING = 0;
/** {@link STATE}: close the connection and end. */
export const STOP = 1;

/** What the thread is told once. */
export interface CheckpointerInit {
  /** The store file. */
  readonly path: string;
  /** A `SharedArrayBuffer` of {@link CONTROL_SLOTS} `Int32` slots. */
  readonly control: SharedArrayBuffer;
  /** How often it looks for new commits (ms). */
  readonly intervalMs: number;
  /** Past this many frames in the WAL, it is emptied. */
  readonly limitFrames: number;
  /**
   * How long a WAL past its limit is emptied by PASSIVE checkpoints (which
   * never block the writer) before a TRUNCATE one (which does) (ms).
   */
  readonly truncateAfterMs: number;
  /** How long a TRUNCATE checkpoint waits for the writer and readers (ms). */
  readonly busyTimeoutMs: number;
}
