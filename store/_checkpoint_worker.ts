/**
 * The thread of {@link Checkpointer}: its own connection to the store file,
 * running WAL checkpoints so that the connection that writes never does.
 *
 * It is told `{ path, control, intervalMs, limitFrames, busyTimeoutMs }` once
 * (`control` an `Int32Array` over a `SharedArrayBuffer`, laid out as in
 * `checkpointer.ts`) and then loops without returning to its event loop: it
 * waits on `control[STATE]` for `intervalMs`, and when another connection
 * committed since its last look (`PRAGMA data_version`) runs a PASSIVE
 * checkpoint (readers and the writer go on meanwhile). When the WAL holds
 * more than `limitFrames` frames (a writer that never pauses long enough
 * for a checkpoint to catch up, or readers pinning old snapshots), it runs
 * PASSIVE checkpoints every {@link RETRY_MS} until one copies every frame
 * (the writer's next commit then starts the WAL from its beginning, and the
 * next checkpoint finds it short); after `truncateAfterMs` of that it runs
 * a TRUNCATE checkpoint, which waits for the writer and the readers (up to
 * `busyTimeoutMs`) and empties the file, so the WAL never grows without
 * bound.
 * On `STOP` it closes its connection and sets `DONE`. When it cannot open
 * the file it says `"failed"`.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import {
  BACKFILLED,
  type CheckpointerInit,
  CHECKPOINTS,
  DONE,
  FAILURES,
  RUNNING,
  STATE,
  TRUNCATES,
  WAL_FRAMES,
} from "./_checkpoint_layout.ts";

interface Scope {
  onmessage: ((event: MessageEvent<CheckpointerInit>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;

/**
 * How soon a PASSIVE checkpoint runs again while a WAL past its limit has
 * not been copied to its end (ms): each copies only what came since the
 * last, so one soon fits between two of the writer's commits.
 */
const RETRY_MS = 10;

interface CheckpointRow {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

function run(init: CheckpointerInit): void {
  const control = new Int32Array(init.control);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(init.path, { timeout: init.busyTimeoutMs });
    // as the writer's: a WAL reset or truncated here keeps at most 64 MiB
    db.exec("PRAGMA journal_size_limit = 67108864");
    const version = db.prepare("PRAGMA data_version");
    const passive = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    const truncate = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    let seen = -1;
    // since when the WAL has been past its limit (undefined: it is not)
    let overSince: number | undefined;
    while (Atomics.load(control, STATE) === RUNNING) {
      const wait = overSince === undefined ? init.intervalMs : RETRY_MS;
      Atomics.wait(control, STATE, RUNNING, wait);
      if (Atomics.load(control, STATE) !== RUNNING) break;
      const now = Number(version.get()?.data_version);
      if (now === seen) continue;
      seen = now;
      try {
        let row = passive.get() as unknown as CheckpointRow;
        Atomics.add(control, CHECKPOINTS, 1);
        if (row.log <= init.limitFrames) {
          overSince = undefined;
        } else {
          overSince ??= performance.now();
          if (performance.now() - overSince >= init.truncateAfterMs) {
            row = truncate.get() as unknown as CheckpointRow;
            Atomics.add(control, TRUNCATES, 1);
            overSince = undefined;
          }
        }
        Atomics.store(control, WAL_FRAMES, Math.max(row.log, 0));
        Atomics.store(control, BACKFILLED, Math.max(row.checkpointed, 0));
        // what the checkpoint left to do, and a WAL past its limit until a
        // commit has started it again, the next turn sees as a change
        if (
          row.busy !== 0 || row.checkpointed < row.log ||
          overSince !== undefined
        ) seen = -1;
      } catch {
        // busy or a full disk: the next turn tries again
        Atomics.add(control, FAILURES, 1);
        seen = -1;
      }
    }
  } catch {
    // cannot open the file: the writer checkpoints again itself
    Atomics.add(control, FAILURES, 1);
    scope.postMessage("failed");
  } finally {
    db?.close();
    Atomics.store(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  run(event.data);
};
