/**
 * AES-CBC through `node:crypto` ciphers kept from one message to the next
 * (private to the `node:crypto` backend).
 *
 * Making a `Cipheriv` costs more than its work on a message of a few hundred
 * bytes (Deno 2.9.6: a stream object per cipher, a `final()` and a copy to
 * join the two outputs: 1.6–2.6× the time of the kept cipher below for 300
 * and 1,500 bytes). So one encipher and one decipher per key are kept, for
 * the most recently used keys, with padding off, and fed whole messages. A
 * kept encipher chains a message's first block to the previous message's
 * last ciphertext block instead of the IV; as CBC XORs that block in, the
 * first plaintext block is XORed with the IV and that block beforehand.
 * Decrypting goes through a kept AES-ECB decipher instead (CBC decryption is
 * each block deciphered, then XORed with the ciphertext block before it, or
 * the IV): Deno's ECB deciphers a 3.3 KB message in ~3.4 µs, its CBC in
 * ~13.5–19 µs here; the XOR in JS costs less than the difference. PKCS#7
 * padding is added and checked here. The bytes are those of a one-shot
 * cipher.
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import { BoundedMap } from "../bounded_map.ts";
import { bytesEqual } from "./_der.ts";
import { utf8Encode } from "./encoding.ts";

const BLOCK = 16;
/**
 * Padded plaintexts up to this size are put together in one reused buffer
 * (a cipher copies its input at once) instead of a new array each.
 */
const SCRATCH_BYTES = 64 * 1024;
let scratch: Uint8Array | undefined;

/**
 * Lets a kept cipher skip Deno's block cache: `node:crypto`'s `update` in
 * Deno 2.9.6 copies every input of a block mode into a new array joined
 * with the bytes left from the previous call (and keeps a view of that copy
 * until the next call), which only matters for input that is not whole
 * blocks. Kept ciphers have padding off and are fed whole blocks only, so
 * the cipher's own state is the whole chain and the bytes are the same
 * (kept_cbc_test.ts checks them against one-shot ciphers). A runtime
 * without that field is left as it is.
 */
function _wholeBlocksOnly<T extends object>(cipher: T): T {
  const fields = cipher as { _needsBlockCache?: unknown };
  if (fields._needsBlockCache === true) fields._needsBlockCache = false;
  return cipher;
}

/** A kept encipher and the ciphertext block it chains to. */
interface _Chain {
  readonly cipher: NodeCrypto.Cipheriv;
  readonly last: Uint8Array;
}

interface _Entry {
  readonly key: Uint8Array;
  encipher?: _Chain;
  /** AES-ECB: no state from one message to the next. */
  decipher?: NodeCrypto.Decipheriv;
}

/**
 * AES-128/256-CBC with PKCS#7 padding over kept `node:crypto` ciphers, at
 * most `max` keys at a time (~4.7 KiB of memory per kept cipher here).
 * Keys are told apart by their array and checked by their bytes.
 *
 * @example
 * ```ts ignore
 * import nc from "node:crypto";
 * const cbc = new KeptCbc(nc, 512);
 * const key = new Uint8Array(32), iv = new Uint8Array(16);
 * const sealed = cbc.encrypt(key, iv, new TextEncoder().encode("hi"));
 * console.assert(cbc.decrypt(key, iv, sealed)?.length === 2);
 * ```
 */
export class KeptCbc {
  readonly #nc: typeof NodeCrypto;
  readonly #entries: BoundedMap<Uint8Array, _Entry>;

  /** Ciphers of `nc`, kept for at most `max` keys. */
  constructor(nc: typeof NodeCrypto, max: number) {
    this.#nc = nc;
    this.#entries = new BoundedMap(max);
  }

  /**
   * `plaintext` (a text: its UTF-8) padded and encrypted under a 16- or
   * 32-byte `key`.
   */
  encrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array | string,
  ): Uint8Array {
    const entry = this.#entry(key);
    const chain = entry.encipher ??= this.#chain(key);
    const input = _padded(plaintext);
    const last = chain.last;
    for (let i = 0; i < BLOCK; i++) input[i] ^= iv[i] ^ last[i];
    const out = this.#feed(key, chain.cipher, input);
    last.set(out.subarray(out.length - BLOCK));
    return out;
  }

  /**
   * `ciphertext` decrypted under `key` and unpadded; `undefined` for bad
   * padding or a ciphertext that is not whole blocks.
   */
  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
  ): Uint8Array | undefined {
    if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
      return undefined;
    }
    const entry = this.#entry(key);
    const decipher = entry.decipher ??= this.#ecb(key);
    const out = this.#feed(key, decipher, ciphertext);
    _xorPrevious(out, ciphertext, iv);
    const pad = out[out.length - 1];
    if (pad === 0 || pad > BLOCK) return undefined;
    for (let i = out.length - pad; i < out.length - 1; i++) {
      if (out[i] !== pad) return undefined;
    }
    return out.subarray(0, out.length - pad);
  }

  /** The kept entry of `key`, made the most recently used. */
  #entry(key: Uint8Array): _Entry {
    let entry = this.#entries.touch(key);
    if (entry === undefined || !bytesEqual(entry.key, key)) {
      entry = { key: key.slice() };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #chain(key: Uint8Array): _Chain {
    const zero = new Uint8Array(BLOCK);
    const cipher = this.#nc.createCipheriv(
      `aes-${key.length * 8}-cbc`,
      key,
      zero,
    );
    cipher.setAutoPadding(false);
    return { cipher: _wholeBlocksOnly(cipher), last: zero.slice() };
  }

  #ecb(key: Uint8Array): NodeCrypto.Decipheriv {
    const decipher = this.#nc.createDecipheriv(
      `aes-${key.length * 8}-ecb`,
      key,
      null,
    );
    decipher.setAutoPadding(false);
    return _wholeBlocksOnly(decipher);
  }

  /**
   * Whole blocks through a kept cipher, as a plain `Uint8Array`. A cipher
   * that fails is forgotten (its chain is unknown after a failure).
   */
  #feed(
    key: Uint8Array,
    cipher: NodeCrypto.Cipheriv | NodeCrypto.Decipheriv,
    input: Uint8Array,
  ): Uint8Array {
    let out: Uint8Array;
    try {
      out = cipher.update(input);
    } catch (error) {
      this.#entries.delete(key);
      throw error;
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
}

/**
 * `plaintext` with its PKCS#7 padding, in the reused scratch when it fits
 * (a text's UTF-8 written there at once: no array of its own), else in an
 * array of its own.
 */
function _padded(plaintext: Uint8Array | string): Uint8Array {
  const room = scratch ??= new Uint8Array(SCRATCH_BYTES);
  let length: number;
  if (typeof plaintext === "string") {
    const { read, written } = textEncoder.encodeInto(
      plaintext,
      room.subarray(0, SCRATCH_BYTES - BLOCK),
    );
    if (read < plaintext.length) return _padded(utf8Encode(plaintext));
    length = written;
  } else {
    length = plaintext.length;
    if (length + BLOCK > SCRATCH_BYTES) {
      const input = new Uint8Array(length + BLOCK - length % BLOCK);
      input.set(plaintext);
      return input.fill(BLOCK - length % BLOCK, length);
    }
    room.set(plaintext);
  }
  const pad = BLOCK - length % BLOCK;
  return room.fill(pad, length, length + pad).subarray(0, length + pad);
}

const textEncoder = new TextEncoder();

/**
 * CBC's XOR after deciphering, in place: each block of `out` with the
 * ciphertext block before it, the first with `iv` (four bytes at a time
 * when both arrays allow it).
 */
function _xorPrevious(
  out: Uint8Array,
  ciphertext: Uint8Array,
  iv: Uint8Array,
): void {
  const n = out.length;
  if (((out.byteOffset | ciphertext.byteOffset) & 3) === 0) {
    const words = new Uint32Array(out.buffer, out.byteOffset, n >> 2);
    const before = new Uint32Array(
      ciphertext.buffer,
      ciphertext.byteOffset,
      n >> 2,
    );
    for (let i = 4; i < words.length; i++) words[i] ^= before[i - 4];
  } else {
    for (let i = BLOCK; i < n; i++) out[i] ^= ciphertext[i - BLOCK];
  }
  for (let i = 0; i < BLOCK; i++) out[i] ^= iv[i];
}
