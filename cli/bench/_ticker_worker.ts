/**
 * The ticker thread of `dim bench --rate` (see `_ticker.ts`): for each
 * `{at}` it sleeps in `Atomics.wait` until that time, then answers with
 * it; it answers nothing once the ticker stopped.
 *
 * @module
 */
import type { TickerRequest } from "./_ticker.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
let stopped: Int32Array<ArrayBufferLike> = new Int32Array(1);

scope.onmessage = (event: MessageEvent) => {
  const request = event.data as TickerRequest;
  if ("init" in request) {
    stopped = new Int32Array(request.init);
    scope.postMessage(0);
    return;
  }
  let left = request.at - (performance.timeOrigin + performance.now());
  while (left > 0) {
    // woken early only by the ticker's stop
    if (Atomics.wait(stopped, 0, 0, left) !== "timed-out") return;
    left = request.at - (performance.timeOrigin + performance.now());
  }
  scope.postMessage(request.at);
};
