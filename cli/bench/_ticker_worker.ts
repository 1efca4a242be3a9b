/**
 * The ticker thread of `dim bench --rate` (see `_ticker.ts`): given the
 * shared words, it answers once, then sleeps in `Atomics.wait` until an
 * ask, then until its time, and answers each ask once its time has come;
 * it ends once the ticker stopped.
 *
 * @module
 */
import { ASKS, DUE, STOPPED } from "./_ticker.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;

scope.onmessage = (event: MessageEvent) => {
  const shared = event.data as SharedArrayBuffer;
  const words = new Int32Array(shared);
  const due = new Float64Array(shared);
  scope.postMessage(0);
  let served = 0; // no ask comes before the answer above
  while (Atomics.load(words, STOPPED) === 0) {
    const asks = Atomics.load(words, ASKS);
    if (asks === served) {
      Atomics.wait(words, ASKS, asks);
      continue;
    }
    // a new ask (or the stop) wakes the wait early: looked at again
    const left = due[DUE] - (performance.timeOrigin + performance.now());
    if (left > 0) {
      Atomics.wait(words, ASKS, asks, left);
      continue;
    }
    served = asks;
    scope.postMessage(asks);
  }
};
