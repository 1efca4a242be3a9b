/**
 * Child process for the read-only test: opens the store in the directory
 * given as the first argument and prints the outcome as one JSON line.
 *
 * @module
 */
import { ReadOnlyStoreError, Store } from "../../store/mod.ts";

const outcome: Record<string, unknown> = {};
try {
  Store.open({ dataDir: Deno.args[0] }).close();
  outcome.opened = true;
} catch (error) {
  outcome.name = (error as Error).name;
  outcome.message = (error as Error).message;
  outcome.typed = error instanceof ReadOnlyStoreError;
  outcome.path = (error as ReadOnlyStoreError).path;
}
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(outcome) + "\n"));
