/**
 * A signing thread of {@link SignerPool} (./signer.ts): holds a copy of the
 * station's ID key and signs what the main thread sends.
 *
 * Messages in: `{key: <private key JSON>}` once, then `{id, data}`; out:
 * `{id, signature}` or `{id, error}`.
 *
 * @module
 */
import { parsePrivateKey, type PrivateKey } from "../dimp/crypto/mod.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
let key: PrivateKey | undefined;

scope.onmessage = async (event: MessageEvent) => {
  const message = event.data as {
    key?: Record<string, unknown>;
    id?: number;
    data?: Uint8Array;
  };
  if (message.key !== undefined) {
    key = parsePrivateKey(message.key);
    return;
  }
  try {
    const signature = await key!.sign(message.data!);
    scope.postMessage({ id: message.id, signature });
  } catch (error) {
    scope.postMessage({ id: message.id, error: String(error) });
  }
};
