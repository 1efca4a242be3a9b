/**
 * Temporary directories and stores for the store tests: a real SQLite file
 * in a fresh directory, removed afterwards.
 *
 * @module
 */
import { Store, type StoreOptions } from "../../store/mod.ts";

/** A fresh temporary directory, removed (with its content) on dispose. */
export function tempDir(): { readonly path: string } & Disposable {
  const path = Deno.makeTempDirSync({ prefix: "dim-store-test-" });
  return {
    path,
    [Symbol.dispose]() {
      Deno.removeSync(path, { recursive: true });
    },
  };
}

/** Runs `fn` with a store opened in a fresh directory; closes and removes it. */
export async function withStore(
  fn: (store: Store, dir: string) => void | Promise<void>,
  options: Omit<StoreOptions, "dataDir" | "path"> = {},
): Promise<void> {
  using dir = tempDir();
  const store = Store.open({ ...options, dataDir: dir.path });
  try {
    await fn(store, dir.path);
  } finally {
    store.close();
  }
}

/** A settable clock in seconds, for expiry and "added at" times. */
export function manualClock(start = 1_700_000_000): {
  now: () => number;
  set: (seconds: number) => void;
} {
  let current = start;
  return {
    now: () => current,
    set: (seconds) => {
      current = seconds;
    },
  };
}
