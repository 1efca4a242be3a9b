/**
 * Child process for the kill -9 test: stores offline messages forever
 * through the group-commit queue with durable (FULL-sync) commits, from
 * several concurrent producers, and prints "acked <signature>" for each one
 * only after its commit returned — as the station answers "Message cached."
 *
 * @module
 */
import { MessageWriteQueue, Store } from "../../store/mod.ts";

// "checkpointer": as the station opens it (checkpoints on a worker)
const store = Store.open({
  dataDir: Deno.args[0],
  checkpointer: Deno.args[1] === "checkpointer",
});
const queue = new MessageWriteQueue(store.messages);
const encoder = new TextEncoder();
const receiver = "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR";
const body = "x".repeat(1000);

async function produce(producer: number): Promise<never> {
  for (let n = 0;; n++) {
    const signature = `p${producer}-${n}`;
    const time = Date.now() / 1000;
    await queue.store(
      {
        receiver,
        signature,
        time,
        msg: { receiver, time, signature, data: body },
      },
      { durable: true },
    );
    Deno.stdout.writeSync(encoder.encode(`acked ${signature}\n`));
  }
}

await Promise.all([0, 1, 2, 3].map(produce));
