/**
 * An AES engine ({@link AesEngine}) over the system's OpenSSL 3 libcrypto
 * through FFI (`Deno.dlopen`, so `--allow-ffi`): AES-CBC with PKCS#7
 * padding, the bytes of any other AES-CBC. One cipher context is kept and
 * set up again for each message (`EVP_CipherInit_ex` with the message's
 * key and IV): ~1–3 µs for a message of a few hundred bytes here, where
 * this runtime's `node:crypto` makes a cipher object (a stream) per key,
 * ~15 µs, and every handshake brings new keys (eighteenth round (c) of
 * issue 18). A bad padding is OpenSSL's failure of `EVP_CipherFinal_ex`
 * (`undefined`). Before the engine is handed out its bytes are checked
 * against the runtime's `node:crypto` on every key size, and a bad padding
 * must not decrypt: a library that fails is not used.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCipheriv, randomBytes } from "node:crypto";
import type { AesEngine } from "../dimp/crypto/mod.ts";
import { openLibcrypto, OpensslError } from "./libcrypto.ts";

const BLOCK = 16;

const _SYMBOLS = {
  ERR_clear_error: { parameters: [], result: "void" },
  EVP_aes_128_cbc: { parameters: [], result: "pointer" },
  EVP_aes_192_cbc: { parameters: [], result: "pointer" },
  EVP_aes_256_cbc: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_CipherInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_CipherUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_CipherFinal_ex: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
} as const;

type _Lib = Deno.DynamicLibrary<typeof _SYMBOLS>["symbols"];

/**
 * One message through the kept context: the output, or `undefined` for a
 * bad padding (decrypting).
 */
type _Through = (
  key: Uint8Array,
  iv: Uint8Array,
  input: Uint8Array,
  encrypting: boolean,
) => Uint8Array | undefined;

/** An {@link AesEngine} over libcrypto, with a way to free what it holds. */
export interface OpensslAesEngine extends AesEngine {
  /** Frees the cipher context and closes the library; unusable after. */
  close(): void;
}

/**
 * Loads libcrypto (`path`, by default the one the RSA engine loads) and
 * makes an AES engine over it.
 *
 * @throws {OpensslError} the library does not load, lacks AES-CBC or fails
 *   the self-test
 *
 * @example
 * ```ts ignore
 * import { installAesEngine } from "../dimp/crypto/mod.ts";
 * import { openOpensslAes } from "./openssl_aes.ts";
 * installAesEngine(openOpensslAes("libcrypto.so.3"));
 * ```
 */
export function openOpensslAes(path: string): OpensslAesEngine {
  const library = openLibcrypto(path, _SYMBOLS);
  const lib = library.symbols;
  const ciphers = new Map<number, Deno.PointerObject>();
  for (
    const [bytes, cipher] of [
      [16, lib.EVP_aes_128_cbc()],
      [24, lib.EVP_aes_192_cbc()],
      [32, lib.EVP_aes_256_cbc()],
    ] as const
  ) {
    if (cipher !== null) ciphers.set(bytes, cipher);
  }
  const ctx = lib.EVP_CIPHER_CTX_new();
  if (ciphers.size !== 3 || ctx === null) {
    library.close();
    throw new OpensslError(`${path} has no AES-CBC`);
  }
  const { engine, run } = _engine(library, lib, ctx, ciphers);
  try {
    _selfTest(run);
  } catch (error) {
    engine.close();
    throw error;
  }
  return engine;
}

function _engine(
  library: Deno.DynamicLibrary<typeof _SYMBOLS>,
  lib: _Lib,
  ctx: Deno.PointerObject,
  ciphers: ReadonlyMap<number, Deno.PointerObject>,
): { readonly engine: OpensslAesEngine; readonly run: _Through } {
  // Every array handed to libcrypto is one of these, made once and larger
  // than 64 bytes (so V8 keeps its bytes outside the heap from the start):
  // an array of 64 bytes or less (a key, an IV, a short message) lives in
  // the heap, and Deno moves it out, with a buffer of its own (~0.5 KiB),
  // the first time its address is taken — per message, as the keys and
  // IVs are new. The key, IV and input are copied in (a few hundred bytes).
  const fixed = new Uint8Array(128);
  const keyBytes = fixed.subarray(0, 32);
  const ivBytes = fixed.subarray(32, 48);
  const written = new Int32Array(fixed.buffer, 64, 1);
  let input = new Uint8Array(4096);
  // the output, grown as needed; a message's bytes are copied out
  let output = new Uint8Array(4096);
  let open = true;

  /** Room for `length` bytes of input and their output. */
  const room = (length: number): void => {
    if (input.length < length) input = new Uint8Array(2 * length);
    if (output.length < length + 2 * BLOCK) {
      output = new Uint8Array(2 * (length + 2 * BLOCK));
    }
  };

  /** `input`'s first `length` bytes through the kept context. */
  const run = (
    key: Uint8Array,
    iv: Uint8Array,
    length: number,
    encrypting: boolean,
  ): Uint8Array | undefined => {
    if (!open) throw new OpensslError("the AES engine is closed");
    const cipher = ciphers.get(key.length);
    if (cipher === undefined) {
      throw new OpensslError(`AES: key of ${key.length} bytes`);
    }
    if (iv.length !== BLOCK) throw new OpensslError("AES: IV is not 16 bytes");
    keyBytes.set(key);
    ivBytes.set(iv);
    const init = lib.EVP_CipherInit_ex(
      ctx,
      cipher,
      null,
      keyBytes,
      ivBytes,
      encrypting ? 1 : 0,
    );
    keyBytes.fill(0);
    if (init !== 1) {
      lib.ERR_clear_error();
      throw new OpensslError("EVP_CipherInit_ex failed");
    }
    if (lib.EVP_CipherUpdate(ctx, output, written, input, length) !== 1) {
      lib.ERR_clear_error();
      throw new OpensslError("EVP_CipherUpdate failed");
    }
    const done = written[0];
    if (lib.EVP_CipherFinal_ex(ctx, output.subarray(done), written) !== 1) {
      // a bad padding (decrypting): not an error of the library
      lib.ERR_clear_error();
      if (encrypting) throw new OpensslError("EVP_CipherFinal_ex failed");
      return undefined;
    }
    return output.slice(0, done + written[0]);
  };

  /** `bytes` copied into the input buffer; their length. */
  const put = (bytes: Uint8Array): number => {
    room(bytes.length);
    input.set(bytes);
    return bytes.length;
  };

  /** `text`'s UTF-8 written into the input buffer; its length. */
  const putText = (text: string): number => {
    room(text.length * 3);
    return textEncoder.encodeInto(text, input).written;
  };

  const through: _Through = (key, iv, bytes, encrypting) =>
    run(key, iv, put(bytes), encrypting);
  const textEncoder = new TextEncoder();

  const engine: OpensslAesEngine = {
    name: "openssl",
    encrypt: (key, iv, plaintext) => {
      const length = typeof plaintext === "string"
        ? putText(plaintext)
        : put(plaintext);
      return Promise.resolve(run(key, iv, length, true) as Uint8Array);
    },
    decrypt: (key, iv, ciphertext) => {
      if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
        return Promise.resolve(undefined);
      }
      return Promise.resolve(run(key, iv, put(ciphertext), false));
    },
    close: () => {
      if (!open) return;
      open = false;
      lib.EVP_CIPHER_CTX_free(ctx);
      library.close();
    },
  };
  return { engine, run: through };
}

/** NIST SP 800-38A F.2.3, CBC-AES192.Encrypt, its first block. */
const _AES192 = {
  key: Uint8Array.fromHex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"),
  iv: Uint8Array.fromHex("000102030405060708090a0b0c0d0e0f"),
  plaintext: Uint8Array.fromHex("6bc1bee22e409f96e93d7e117393172a"),
  ciphertext: Uint8Array.fromHex("4f021db243bc633d7178183a9fa071e8"),
};

/**
 * The engine's bytes against `node:crypto`'s one-shot ciphers (AES-128 and
 * -256, lengths around the block size) and a NIST vector (AES-192, which
 * this runtime's `node:crypto` lacks); each opens what it sealed, and a
 * bad padding does not decrypt.
 *
 * @throws {OpensslError} any mismatch
 */
function _selfTest(run: _Through): void {
  const fail = (what: string): never => {
    throw new OpensslError(`libcrypto's AES-CBC fails its self-test: ${what}`);
  };
  const iv = randomBytes(BLOCK);
  for (const bytes of [16, 32]) {
    const key = randomBytes(bytes);
    for (const length of [0, 1, 15, 16, 17, 100]) {
      const plaintext = randomBytes(length);
      const cipher = createCipheriv(`aes-${bytes * 8}-cbc`, key, iv);
      const expected = new Uint8Array(
        Buffer.concat([cipher.update(plaintext), cipher.final()]),
      );
      const sealed = run(key, iv, plaintext, true);
      if (sealed === undefined || !_equal(sealed, expected)) {
        fail(`AES-${bytes * 8}, ${length} bytes`);
      }
      const opened = run(key, iv, expected, false);
      if (opened === undefined || !_equal(opened, plaintext)) {
        fail(`AES-${bytes * 8}, ${length} bytes opened`);
      }
    }
  }
  const sealed = run(_AES192.key, _AES192.iv, _AES192.plaintext, true) ??
    fail("AES-192 sealed nothing");
  if (!_equal(sealed.subarray(0, BLOCK), _AES192.ciphertext)) {
    fail("AES-192 vector");
  }
  const opened = run(_AES192.key, _AES192.iv, sealed, false);
  if (opened === undefined || !_equal(opened, _AES192.plaintext)) {
    fail("AES-192 opened");
  }
  // a block whose last byte deciphers to 0: no PKCS#7 padding
  const key = randomBytes(16);
  const raw = createCipheriv("aes-128-cbc", key, iv).setAutoPadding(false);
  const unpadded = new Uint8Array(raw.update(new Uint8Array(BLOCK)));
  if (run(key, iv, unpadded, false) !== undefined) {
    fail("a bad padding decrypts");
  }
}

function _equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
