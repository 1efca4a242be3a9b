/**
 * The generator of `dim station`'s self warm-up on a thread of its own
 * (private to `cli/`, started by `station_warmup.ts`): bench users in a
 * store of the warm-up's temporary directory send texts through the
 * stand-in station — with station receipts in array contents, then one
 * message each — so that the station's own thread runs only station code,
 * as it will with real clients (the bench shares the protocol's code with
 * the station: run on one thread, it would leave that code's feedback
 * mixed).
 *
 * Message in: `{port, texts, dir}`; answered `{handshakes, texts,
 * delivered}` or `{error}`.
 *
 * @module
 */
import { join } from "node:path";
import { Accounts, Store } from "../store/mod.ts";
import { ensureBenchUsers, runBench } from "./bench/mod.ts";
import type { SelfWarmupCounts } from "./station_warmup.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** Users of the self warm-up (each one handshake per phase). */
const USERS = 10;
/** Characters per text (a short chat line). */
const SIZE = 256;
/** The share of the texts answered one receipt message each (the rest: arrays). */
const SINGLE_SHARE = 0.2;

const scope = self as unknown as Scope;

scope.onmessage = async (event: MessageEvent) => {
  const { port, texts, dir } = event.data as {
    port: number;
    texts: number;
    dir: string;
  };
  let bench: Accounts | undefined;
  try {
    bench = new Accounts(Store.open({ path: join(dir, "bench.db") }));
    const { users } = await ensureBenchUsers(bench, USERS);
    const single = Math.round(texts * SINGLE_SHARE);
    let handshakes = 0;
    let sent = 0;
    let delivered = 0;
    const phases: [number, boolean][] = [[texts - single, true], [
      single,
      false,
    ]];
    for (const [count, arrays] of phases) {
      const messages = Math.ceil(count / users.length);
      if (messages === 0) continue;
      const result = await runBench({
        accounts: bench,
        host: "127.0.0.1",
        port,
        framing: "mtp",
        users,
        messages,
        size: SIZE,
        window: 8,
        duration: 60_000,
        receipts: false,
        receiptArrays: arrays,
        selfWarmup: false,
        copiedTexts: true,
      });
      handshakes += result.handshakes;
      sent += result.sent;
      delivered += result.delivered;
    }
    const done: SelfWarmupCounts = { handshakes, texts: sent, delivered };
    scope.postMessage(done);
  } catch (error) {
    scope.postMessage({ error: String(error) });
  } finally {
    bench?.store.close();
  }
};
