/**
 * Starts the worker threads of {@link SignerPool} and {@link DecryptPool}
 * (the script is `_sign_worker.ts`) and of {@link HandshakePool}
 * (`_handshake_worker.ts`).
 *
 * Each worker is first handed the engines this thread runs RSA and ECDSA
 * with (`worker_engines.ts`) and installs the same ones (or the runtime's,
 * where one does not load there).
 *
 * @module
 */
import { workerEngines } from "./worker_engines.ts";

/**
 * A worker of `_sign_worker.ts`, given `key` (a private key's dictionary)
 * first when there is one; `onReply` sees what it sends back, `onFailed` is
 * told once when it fails.
 *
 * @example
 * ```ts ignore
 * const worker = startKeyWorker(rsaKey.toDictionary(), (reply) => settle(reply), () => fallBack());
 * ```
 */
export function startKeyWorker(
  key: Record<string, unknown> | undefined,
  onReply: (reply: unknown) => void,
  onFailed: () => void,
): Worker {
  return _start(
    new URL("./_sign_worker.ts", import.meta.url).href,
    key === undefined ? undefined : { key },
    onReply,
    onFailed,
  );
}

/**
 * A worker of `_handshake_worker.ts`, given the station's decryption keys
 * first; `onReply` and `onFailed` as in
 * {@link startKeyWorker}.
 *
 * @example
 * ```ts ignore
 * const worker = startHandshakeWorker({ keys }, settle, fallBack);
 * ```
 */
export function startHandshakeWorker(
  init: { keys: Record<string, unknown>[] },
  onReply: (reply: unknown) => void,
  onFailed: () => void,
): Worker {
  return _start(
    new URL("./_handshake_worker.ts", import.meta.url).href,
    init,
    onReply,
    onFailed,
  );
}

/**
 * Terminates `workers` and empties `pending` (both); what was pending, for
 * the caller to settle.
 *
 * @example
 * ```ts ignore
 * for (const item of stopWorkers(this.#workers, this.#pending)) settleHere(item);
 * ```
 */
export function stopWorkers<T>(
  workers: Worker[],
  pending: Map<number, T>,
): T[] {
  for (const worker of workers) worker.terminate();
  workers.length = 0;
  const left = [...pending.values()];
  pending.clear();
  return left;
}

/**
 * Points a running worker's replies and failure at new handlers (a worker
 * handed from one pool to another).
 */
export function bindKeyWorker(
  worker: Worker,
  onReply: (reply: unknown) => void,
  onFailed: () => void,
): void {
  worker.onmessage = (event) => onReply(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    onFailed();
  };
}

function _start(
  url: string,
  first: unknown,
  onReply: (reply: unknown) => void,
  onFailed: () => void,
): Worker {
  const worker = new Worker(url, { type: "module" });
  bindKeyWorker(worker, onReply, onFailed);
  // the thread's RSA and ECDSA engines: the ones this thread runs
  worker.postMessage({ engines: workerEngines() });
  if (first !== undefined) worker.postMessage(first);
  return worker;
}
