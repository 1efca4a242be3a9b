/**
 * A worker thread of {@link HandshakePool} (./handshake_pool.ts): does a
 * handshake's native crypto ahead of the main thread — the attached meta's
 * fingerprint, the attached visa's signature, the message's signature and
 * the RSA decryption of the message keys sealed for the station — and sends
 * back what verified and what opened, for the main thread's own checks to
 * find. The main thread parsed the message already: it hands over only the
 * raw inputs (the signed bytes, the signature, the attached meta and visa
 * as received, the sealed keys' text), and nothing is parsed here but the
 * public keys. It decides nothing: a key it cannot read, a signature that
 * does not verify, a sealed key that does not open is simply not in its
 * answer (the main thread then checks it itself and refuses it as it always
 * does).
 *
 * Messages in: `{keys: [<private key JSON>]}` once, then `{id, items}` (one
 * {@link Item} per message), answered `{id, verified, opened}`: `verified`
 * the ids of the ECDSA signatures that verified (`collectVerified`),
 * `opened` one `{key, sealed, plaintext}` per sealed key that the station's
 * key number `key` opened (`sealed` its bytes as base64; copied, not
 * transferred: a few dozen bytes, and a transfer costs more). First
 * `{engines}`: install the main thread's RSA and ECDSA engines here
 * (`worker_engines.ts`).
 *
 * @module
 */
import { setPriority } from "node:os";
import { BoundedMap } from "../dimp/bounded_map.ts";
import {
  collectVerified,
  decodeTed,
  parsePrivateKey,
  parsePublicKey,
  type PrivateKey,
  type PublicKey,
  utf8Encode,
} from "../dimp/crypto/mod.ts";
import { installWorkerEngines, type WorkerEngines } from "./worker_engines.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** One message's raw inputs, as the main thread hands them over. */
export interface Item {
  /** The sender without terminal (its meta key is kept for its next offer). */
  readonly sender: string;
  /** The attached meta as received. */
  readonly meta?: Record<string, unknown>;
  /** The attached visa as received. */
  readonly visa?: Record<string, unknown>;
  /** The bytes the message's signature is over. */
  readonly data: Uint8Array;
  /** The message's signature. */
  readonly signature: Uint8Array;
  /** The message keys sealed for the station (their wire text). */
  readonly sealed: readonly string[];
}

/** One sealed key a station key opened. */
interface Opened {
  readonly key: number;
  /** The sealed key's bytes as base64 (what the pool keeps it by). */
  readonly sealed: string;
  readonly plaintext: Uint8Array;
}

/** Meta keys by sender: a second offer carries no meta. */
const MAX_METAS = 4096;

/**
 * This thread's nice value: when the CPUs are busy, the station's main
 * thread (routing) goes first, then this crypto (Linux: per thread).
 */
const NICE = 10;

try {
  setPriority(0, NICE);
} catch {
  // not allowed here: the default priority
}

const scope = self as unknown as Scope;
const metaKeys = new BoundedMap<string, PublicKey>(MAX_METAS);
let keys: PrivateKey[] = [];
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event: MessageEvent) => {
  const message = event.data as {
    engines?: WorkerEngines;
    keys?: Record<string, unknown>[];
    id?: number;
    items?: Item[];
  };
  if (message.engines !== undefined) {
    installWorkerEngines(message.engines);
    return;
  }
  if (message.keys !== undefined) {
    keys = message.keys.map((key) => parsePrivateKey(key));
    return;
  }
  // one job at a time: the collector gathers the verifications of one
  queue = queue.then(() => _answer(message.id!, message.items ?? []));
};

async function _answer(id: number, items: readonly Item[]): Promise<void> {
  const verified: string[] = [];
  const opened: Opened[] = [];
  collectVerified(verified);
  try {
    for (const item of items) {
      await _verify(item);
      await _open(item.sealed, opened);
    }
  } finally {
    collectVerified(undefined);
  }
  scope.postMessage({ id, verified, opened });
}

/** The signatures of one message, as the station's packer checks them. */
async function _verify(item: Item): Promise<void> {
  const metaKey = _metaKey(item) ?? metaKeys.get(item.sender);
  if (metaKey === undefined) return;
  const { meta, visa } = item;
  try {
    if (
      typeof meta?.seed === "string" && typeof meta.fingerprint === "string"
    ) {
      await metaKey.verify(utf8Encode(meta.seed), decodeTed(meta.fingerprint));
    }
  } catch {
    // not readable: the main thread refuses it
  }
  let visaOk = false;
  try {
    if (typeof visa?.data === "string" && typeof visa.signature === "string") {
      visaOk = await metaKey.verify(
        utf8Encode(visa.data),
        decodeTed(visa.signature),
      );
    }
  } catch {
    // not readable: the main thread refuses it
  }
  try {
    if (await metaKey.verify(item.data, item.signature)) return;
    if (visaOk) {
      const data = JSON.parse(visa!.data as string) as { key?: unknown };
      await parsePublicKey(data.key).verify(item.data, item.signature);
    }
  } catch {
    // not readable: the main thread refuses it
  }
}

/** The attached meta's key (kept for the sender's next offer), if readable. */
function _metaKey(item: Item): PublicKey | undefined {
  if (item.meta === undefined) return undefined;
  try {
    const key = parsePublicKey(item.meta.key);
    metaKeys.set(item.sender, key);
    return key;
  } catch {
    return undefined;
  }
}

/** Opens the sealed keys with the station's keys. */
async function _open(
  sealedKeys: readonly string[],
  opened: Opened[],
): Promise<void> {
  for (const text of sealedKeys) {
    let sealed: Uint8Array;
    try {
      sealed = decodeTed(text);
    } catch {
      continue;
    }
    for (const [index, key] of keys.entries()) {
      const plaintext = await key.decrypt?.(sealed);
      if (plaintext !== undefined) {
        opened.push({ key: index, sealed: sealed.toBase64(), plaintext });
      }
    }
  }
}
