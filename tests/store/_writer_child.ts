/**
 * Child process for the concurrent-writers test: opens the store in
 * `Deno.args[0]`, prints "ready", waits for a line on stdin, then stores
 * `Deno.args[2]` messages with signatures `<prefix>-<n>` (alternating single
 * transactions and batches of 10) and prints "done <start ms> <end ms>".
 *
 * @module
 */
import { type OfflineMessage, Store } from "../../store/mod.ts";

const [dataDir, prefix, countText] = Deno.args;
const count = Number(countText);
const receiver = "shared@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const encoder = new TextEncoder();

function message(n: number): OfflineMessage {
  const signature = `${prefix}-${n}`;
  const time = Date.now() / 1000;
  return {
    receiver,
    signature,
    time,
    msg: { receiver, time, signature, data: "x".repeat(200) },
  };
}

const store = Store.open({ dataDir });
Deno.stdout.writeSync(encoder.encode("ready\n"));
// wait for the parent's go (one line)
await Deno.stdin.readable.pipeTo(new WritableStream({ write() {} }));
const started = Date.now();
let n = 0;
while (n < count) {
  if (n % 20 < 10) {
    store.messages.store(message(n++));
  } else {
    const batch = [];
    for (let i = 0; i < 10 && n < count; i++) batch.push(message(n++));
    store.messages.storeMany(batch);
  }
  store.ans.set(prefix, `${prefix}@x${n % 7}`);
}
store.close();
Deno.stdout.writeSync(encoder.encode(`done ${started} ${Date.now()}\n`));
