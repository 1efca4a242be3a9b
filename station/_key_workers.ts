/**
 * Starts the worker threads of {@link SignerPool} and {@link DecryptPool}
 * (the script is `_sign_worker.ts`).
 *
 * @module
 */

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
  const worker = new Worker(
    new URL("./_sign_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  worker.onmessage = (event) => onReply(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    onFailed();
  };
  if (key !== undefined) worker.postMessage({ key });
  return worker;
}
