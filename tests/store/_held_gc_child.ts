/**
 * Child process for the held-store GC test (run with
 * `--v8-flags=--expose-gc`): holds 64 stores in a queue whose held map has
 * lived through full collections, cancels all but the last two, runs
 * scavenges, and prints how many of the 64 messages and listeners are still
 * alive as `{"messages":N,"listeners":N}`.
 *
 * @module
 */
import {
  type HeldStoreListener,
  messageKeyOf,
  MessageWriteQueue,
  Store,
} from "../../store/mod.ts";

const gc = (globalThis as unknown as { gc: (options?: unknown) => void }).gc;
const receiver = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const store = Store.open({ dataDir: Deno.args[0] });
const queue = new MessageWriteQueue(store.messages, { holdMs: 60_000 });
const ignore: HeldStoreListener = { stored() {}, failed() {} };

function hold(signature: string, listener: HeldStoreListener): object {
  const msg = { receiver, time: 1, signature, data: "x".repeat(100) };
  const message = { receiver, signature, time: 1, msg };
  queue.hold(messageKeyOf(receiver, signature), {
    message: () => message,
    stored: (written) => listener.stored(written),
    failed: (error) => listener.failed(error),
  });
  return msg;
}

/** Runs from a timer: objects made in the module's own evaluation (static
 * imports, top-level await) stay alive through scavenges in Deno. */
async function main(): Promise<void> {
  // the queue and its held map grow old first, as on a running station
  for (let i = 0; i < 100; i++) hold(`warm${i}`, ignore);
  for (let i = 0; i < 100; i++) {
    queue.cancel(messageKeyOf(receiver, `warm${i}`));
  }
  gc();
  gc();

  const messages: WeakRef<object>[] = [];
  const listeners: WeakRef<object>[] = [];
  for (let i = 0; i < 64; i++) {
    const listener: HeldStoreListener = { stored() {}, failed() {} };
    listeners.push(new WeakRef(listener));
    messages.push(new WeakRef(hold(`s${i}`, listener)));
    if (i >= 2) queue.cancel(messageKeyOf(receiver, `s${i - 2}`));
  }
  for (let round = 0; round < 2; round++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc({ type: "minor" });
    gc({ type: "minor" });
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
  const alive = (refs: WeakRef<object>[]) =>
    refs.filter((ref) => ref.deref() !== undefined).length;
  const line = JSON.stringify({
    messages: alive(messages),
    listeners: alive(listeners),
  });
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
  queue.close();
  store.close();
}

setTimeout(main, 0);
