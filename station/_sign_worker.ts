/**
 * A worker thread of {@link SignerPool} (./signer.ts) and of
 * {@link DecryptPool} (./decrypt_pool.ts): makes one-time ECDSA nonces for
 * the main thread's ECC signatures, or signs / decrypts with a copy of an
 * RSA key.
 *
 * Messages in: `{nonces: count}` (answered `{nonces: [...]}`); for RSA
 * `{key: <private key JSON>}` once, then `{id, data}` (answered
 * `{id, signature}` or `{id, error}`) or `{id, decrypt}` (answered
 * `{id, plaintext}`, `plaintext` null when it does not decrypt, or
 * `{id, error}`). First `{engines}`: install the main thread's RSA and
 * ECDSA engines here (`worker_engines.ts`).
 *
 * @module
 */
import {
  makeEcdsaNonces,
  parsePrivateKey,
  type PrivateKey,
} from "../dimp/crypto/mod.ts";
import { installWorkerEngines, type WorkerEngines } from "./worker_engines.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
let key: PrivateKey | undefined;

scope.onmessage = async (event: MessageEvent) => {
  const message = event.data as {
    engines?: WorkerEngines;
    nonces?: number;
    key?: Record<string, unknown>;
    id?: number;
    data?: Uint8Array;
    decrypt?: Uint8Array;
  };
  if (message.nonces !== undefined) {
    scope.postMessage({
      nonces: makeEcdsaNonces(message.nonces),
    });
    return;
  }
  if (message.engines !== undefined) {
    installWorkerEngines(message.engines);
    return;
  }
  if (message.key !== undefined) {
    key = parsePrivateKey(message.key);
    return;
  }
  if (message.decrypt !== undefined) {
    try {
      const plaintext = await key!.decrypt?.(message.decrypt);
      scope.postMessage({ id: message.id, plaintext: plaintext ?? null });
    } catch (error) {
      scope.postMessage({ id: message.id, error: String(error) });
    }
    return;
  }
  try {
    const signature = await key!.sign(message.data!);
    scope.postMessage({ id: message.id, signature });
  } catch (error) {
    scope.postMessage({ id: message.id, error: String(error) });
  }
};
