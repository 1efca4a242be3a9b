/**
 * A worker thread of {@link HandshakePool} (./handshake_pool.ts): does a
 * handshake payload's pure crypto ahead of the main thread — the attached
 * meta's and visa's signatures, the message's signature and the RSA
 * decryption of the message key sealed for the station — and sends back
 * what verified and what opened, for the main thread's own checks to find.
 * It decides nothing: a line it cannot read, a meta or a signature that
 * does not verify, a key that does not open is simply not in its answer
 * (the main thread then checks it itself and refuses it as it always does).
 *
 * Messages in: `{keys: [<private key JSON>], station: "<ID>"}` once, then
 * `{id, lines}`, answered `{id, verified, opened}`: `verified` the ids of the
 * ECDSA signatures that verified (`collectVerified`), `opened` one
 * `{key, sealed, plaintext}` per sealed key that the station's key number
 * `key` opened.
 *
 * @module
 */
import { setPriority } from "node:os";
import { BoundedMap } from "../dimp/bounded_map.ts";
import {
  collectVerified,
  decodeTed,
  parsePrivateKey,
  type PrivateKey,
} from "../dimp/crypto/mod.ts";
import { Document, type ID, Meta, parseId } from "../dimp/identity/mod.ts";
import { ReliableMessage } from "../dimp/message/mod.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** One sealed key a station key opened. */
interface Opened {
  readonly key: number;
  readonly sealed: Uint8Array<ArrayBuffer>;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

/** Metas that verified here, by sender: a second offer carries none. */
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
const metas = new BoundedMap<string, Meta>(MAX_METAS);
let keys: PrivateKey[] = [];
let station: ID | undefined;
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event: MessageEvent) => {
  const message = event.data as {
    keys?: Record<string, unknown>[];
    station?: string;
    id?: number;
    lines?: string[];
  };
  if (message.keys !== undefined) {
    keys = message.keys.map((key) => parsePrivateKey(key));
    station = parseId(message.station!);
    return;
  }
  // one payload at a time: the collector gathers the verifications of one
  queue = queue.then(() => _answer(message.id!, message.lines ?? []));
};

async function _answer(id: number, lines: readonly string[]): Promise<void> {
  const verified: string[] = [];
  const opened: Opened[] = [];
  collectVerified(verified);
  try {
    for (const line of lines) await _check(line, opened);
  } finally {
    collectVerified(undefined);
  }
  const transfer: Transferable[] = [];
  for (const item of opened) {
    transfer.push(item.sealed.buffer, item.plaintext.buffer);
  }
  scope.postMessage({ id, verified, opened }, transfer);
}

/** The crypto of one line, as the station's packer would do it. */
async function _check(line: string, opened: Opened[]): Promise<void> {
  let msg: ReliableMessage;
  try {
    msg = ReliableMessage.parse(line);
  } catch {
    return;
  }
  const sender = msg.sender.withoutTerminal();
  const meta = await _meta(msg, sender) ?? metas.get(sender.value);
  let visa: Document | undefined;
  if (meta !== undefined && msg.visa !== undefined) {
    try {
      visa = Document.parse(msg.visa, { allowUnknown: true });
      if (!await visa.verify(meta.key)) visa = undefined;
    } catch {
      visa = undefined;
    }
  }
  if (meta !== undefined) {
    try {
      const data = msg.dataBytes;
      const signature = msg.signatureBytes;
      if (!await meta.key.verify(data, signature)) {
        await visa?.visaKey()?.verify(data, signature);
      }
    } catch {
      // not readable: the main thread refuses it
    }
  }
  if (station === undefined || msg.isBroadcast) return;
  for (const text of msg.encryptedKeys(station)) {
    let sealed: Uint8Array;
    try {
      sealed = decodeTed(text);
    } catch {
      continue;
    }
    for (const [index, key] of keys.entries()) {
      const plaintext = await key.decrypt?.(sealed);
      if (plaintext !== undefined) {
        // copies with buffers of their own: they are transferred
        opened.push({
          key: index,
          sealed: sealed.slice(),
          plaintext: plaintext.slice(),
        });
      }
    }
  }
}

/** The attached meta when it is the sender's (kept for its next offer). */
async function _meta(
  msg: ReliableMessage,
  sender: ID,
): Promise<Meta | undefined> {
  if (msg.meta === undefined) return undefined;
  try {
    const meta = Meta.parse(msg.meta);
    await meta.checkId(sender);
    metas.set(sender.value, meta);
    return meta;
  } catch {
    return undefined;
  }
}
