/**
 * An RSA engine ({@link RsaEngine}) over the system's OpenSSL 3 libcrypto
 * through FFI (`Deno.dlopen`, so `--allow-ffi`): its RSA-1024 private
 * operation measured ~80 µs here against ~250 µs in this runtime's
 * `node:crypto` (sixteenth round (a) of issue 18). The bytes are the wire's:
 * RSASSA-PKCS1-v1_5 / SHA-256 and RSAES-PKCS1-v1_5.
 *
 * Keys are parsed into an `EVP_PKEY` once (with their decryption and
 * encryption contexts, set up on first use) and kept in a bounded cache by
 * their DER; an evicted key is freed (`EVP_PKEY_free`) and parsed again if a
 * handle to it is used later. PKCS#1 v1.5 decryption reports a bad padding as
 * a failure (`undefined`): OpenSSL 3.2's implicit rejection, which would
 * return random bytes instead, is turned off, and a library of 3.2 or later
 * that refuses to turn it off is not used.
 *
 * @module
 */
import type { RsaEngine } from "../dimp/crypto/mod.ts";

/** The library `Deno.dlopen` looks for by default. */
export const DEFAULT_LIBCRYPTO = "libcrypto.so.3";

/** How many parsed keys stay cached by default (least recently used freed first). */
const KEY_CACHE_SIZE = 4096;

/** Options of {@link openOpensslRsa}. */
export interface OpensslRsaOptions {
  /** Where libcrypto is (default {@link DEFAULT_LIBCRYPTO}). */
  readonly path?: string;
  /** How many parsed keys stay cached (default 4096). */
  readonly cacheSize?: number;
}

/** `EVP_PKEY_RSA` (`NID_rsaEncryption`). */
const EVP_PKEY_RSA = 6;
/** `RSA_PKCS1_PADDING`. */
const RSA_PKCS1_PADDING = 1;
/** The first version with implicit rejection for PKCS#1 v1.5 (3.2.0). */
const IMPLICIT_REJECTION_SINCE = 0x30200000n;
/** The oldest libcrypto this engine is written for (3.0.0). */
const OPENSSL_3 = 0x30000000n;

const _SYMBOLS = {
  OpenSSL_version_num: { parameters: [], result: "u64" },
  ERR_clear_error: { parameters: [], result: "void" },
  d2i_PUBKEY: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  d2i_PrivateKey: {
    parameters: ["i32", "pointer", "buffer", "i64"],
    result: "pointer",
  },
  EVP_PKEY_free: { parameters: ["pointer"], result: "void" },
  EVP_PKEY_get_size: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_CTX_new: { parameters: ["pointer", "pointer"], result: "pointer" },
  EVP_PKEY_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_PKEY_decrypt_init: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_encrypt_init: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_CTX_set_rsa_padding: {
    parameters: ["pointer", "i32"],
    result: "i32",
  },
  EVP_PKEY_CTX_ctrl_str: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_PKEY_decrypt: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  EVP_PKEY_encrypt: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_DigestSignInit: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  EVP_DigestSign: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  EVP_DigestVerifyInit: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  EVP_DigestVerify: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize"],
    result: "i32",
  },
} as const;

type _Lib = Deno.DynamicLibrary<typeof _SYMBOLS>["symbols"];
type _Pointer = Deno.PointerObject;

/**
 * libcrypto could not be loaded or used (not found, no `--allow-ffi`, not
 * OpenSSL 3, a failed call); `cause` is the underlying error if any.
 *
 * @example
 * ```ts
 * import { OpensslError } from "./openssl_rsa.ts";
 * new OpensslError("no libcrypto").name; // "OpensslError"
 * ```
 */
export class OpensslError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OpensslError";
  }
}

/** A parsed key, its contexts made on first use; all null once freed. */
interface _Key {
  readonly der: Uint8Array;
  readonly isPrivate: boolean;
  readonly id: string;
  pkey: _Pointer | null;
  size: number;
  decrypt: _Pointer | null;
  encrypt: _Pointer | null;
}

/** An {@link RsaEngine} over libcrypto, with a way to free what it holds. */
export interface OpensslRsaEngine extends RsaEngine {
  /** The library's version text (`3.0.19`). */
  readonly version: string;
  /** How many parsed keys are held now. */
  readonly cachedKeys: number;
  /** Frees every key and closes the library; the engine is unusable after. */
  close(): void;
}

function _cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text + "\0");
}

const _IMPLICIT_REJECTION = _cString("rsa_pkcs1_implicit_rejection");
const _ZERO = _cString("0");

function _versionText(number: bigint): string {
  const major = number >> 28n;
  const minor = (number >> 20n) & 0xffn;
  const patch = (number >> 4n) & 0xffffn;
  return `${major}.${minor}.${patch}`;
}

/**
 * Loads libcrypto (see {@link OpensslRsaOptions}) and makes an RSA engine
 * over it.
 *
 * @throws {OpensslError} the library does not load (not found, no
 *   `--allow-ffi`) or is not OpenSSL 3
 *
 * @example
 * ```ts ignore
 * import { installRsaEngine } from "../dimp/crypto/mod.ts";
 * import { openOpensslRsa } from "./openssl_rsa.ts";
 * installRsaEngine(openOpensslRsa());
 * ```
 */
export function openOpensslRsa(
  options: OpensslRsaOptions = {},
): OpensslRsaEngine {
  const path = options.path ?? DEFAULT_LIBCRYPTO;
  let library: Deno.DynamicLibrary<typeof _SYMBOLS>;
  try {
    library = Deno.dlopen(path, _SYMBOLS);
  } catch (error) {
    throw new OpensslError(
      `cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const lib = library.symbols;
  const number = BigInt(lib.OpenSSL_version_num());
  if (number < OPENSSL_3) {
    library.close();
    throw new OpensslError(
      `${path} is OpenSSL ${_versionText(number)}, not 3`,
    );
  }
  const sha256 = lib.EVP_sha256();
  if (sha256 === null) {
    library.close();
    throw new OpensslError(`${path} has no SHA-256`);
  }
  return _engine(library, lib, sha256, {
    hasImplicitRejection: number >= IMPLICIT_REJECTION_SINCE,
    version: _versionText(number),
    cacheSize: options.cacheSize ?? KEY_CACHE_SIZE,
  });
}

function _engine(
  library: Deno.DynamicLibrary<typeof _SYMBOLS>,
  lib: _Lib,
  sha256: _Pointer,
  about: {
    readonly hasImplicitRejection: boolean;
    readonly version: string;
    readonly cacheSize: number;
  },
): OpensslRsaEngine {
  const { hasImplicitRejection, version, cacheSize } = about;
  const cache = new Map<string, _Key>();
  const length = new BigUint64Array(1);
  const cursor = new BigUint64Array(1);

  const free = (key: _Key): void => {
    if (key.decrypt !== null) lib.EVP_PKEY_CTX_free(key.decrypt);
    if (key.encrypt !== null) lib.EVP_PKEY_CTX_free(key.encrypt);
    if (key.pkey !== null) lib.EVP_PKEY_free(key.pkey);
    key.decrypt = key.encrypt = key.pkey = null;
  };

  const keep = (key: _Key): void => {
    cache.delete(key.id);
    cache.set(key.id, key);
    if (cache.size <= cacheSize) return;
    const [oldest] = cache.values();
    cache.delete(oldest.id);
    free(oldest);
  };

  const parse = (key: _Key): _Pointer => {
    const der = new Uint8Array(key.der);
    cursor[0] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(der)));
    const pkey = key.isPrivate
      ? lib.d2i_PrivateKey(EVP_PKEY_RSA, null, cursor, BigInt(der.length))
      : lib.d2i_PUBKEY(null, cursor, BigInt(der.length));
    if (pkey === null) {
      lib.ERR_clear_error();
      throw new OpensslError(
        `libcrypto does not read this RSA ${
          key.isPrivate ? "private" : "public"
        } key`,
      );
    }
    key.pkey = pkey;
    key.size = lib.EVP_PKEY_get_size(pkey);
    return pkey;
  };

  /** The key's `EVP_PKEY`, parsed again if it was evicted. */
  const pkeyOf = (key: _Key): _Pointer => {
    if (key.pkey !== null) {
      if (cache.get(key.id) === key) {
        cache.delete(key.id);
        cache.set(key.id, key);
      }
      return key.pkey;
    }
    const pkey = parse(key);
    keep(key);
    return pkey;
  };

  const handle = (der: Uint8Array, isPrivate: boolean): _Key => {
    const id = (isPrivate ? "d:" : "e:") + der.toBase64();
    const cached = cache.get(id);
    if (cached !== undefined) {
      pkeyOf(cached);
      return cached;
    }
    const key: _Key = {
      der: der.slice(),
      isPrivate,
      id,
      pkey: null,
      size: 0,
      decrypt: null,
      encrypt: null,
    };
    parse(key);
    keep(key);
    return key;
  };

  const context = (key: _Key, forDecryption: boolean): _Pointer => {
    const kept = forDecryption ? key.decrypt : key.encrypt;
    if (kept !== null) return kept;
    const ctx = lib.EVP_PKEY_CTX_new(pkeyOf(key), null);
    if (ctx === null) throw new OpensslError("EVP_PKEY_CTX_new failed");
    const ready =
      (forDecryption
          ? lib.EVP_PKEY_decrypt_init(ctx)
          : lib.EVP_PKEY_encrypt_init(ctx)) === 1 &&
      lib.EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) === 1 &&
      (!forDecryption || _rejectExplicitly(ctx));
    if (!ready) {
      lib.ERR_clear_error();
      lib.EVP_PKEY_CTX_free(ctx);
      throw new OpensslError(
        `cannot set up RSA PKCS#1 v1.5 ${
          forDecryption ? "decryption" : "encryption"
        }`,
      );
    }
    if (forDecryption) key.decrypt = ctx;
    else key.encrypt = ctx;
    return ctx;
  };

  /** Implicit rejection off (3.2+); before 3.2 the control does not exist. */
  const _rejectExplicitly = (ctx: _Pointer): boolean => {
    const set = lib.EVP_PKEY_CTX_ctrl_str(ctx, _IMPLICIT_REJECTION, _ZERO);
    if (set === 1) return true;
    lib.ERR_clear_error();
    return !hasImplicitRejection;
  };

  const digest = (
    key: _Key,
    run: (md: _Pointer) => number,
    signing: boolean,
  ): number => {
    const md = lib.EVP_MD_CTX_new();
    if (md === null) throw new OpensslError("EVP_MD_CTX_new failed");
    try {
      const init = signing
        ? lib.EVP_DigestSignInit(md, null, sha256, null, pkeyOf(key))
        : lib.EVP_DigestVerifyInit(md, null, sha256, null, pkeyOf(key));
      if (init !== 1) {
        lib.ERR_clear_error();
        throw new OpensslError("cannot set up RSA SHA-256 signatures");
      }
      return run(md);
    } finally {
      lib.EVP_MD_CTX_free(md);
    }
  };

  const engine: OpensslRsaEngine = {
    name: "openssl",
    version,
    get cachedKeys(): number {
      return cache.size;
    },
    importPublic: (spki) => Promise.resolve(handle(spki, false)),
    importPrivate: (pkcs1) => Promise.resolve(handle(pkcs1, true)),
    sign: (handle, data) => {
      const key = handle as _Key;
      const signature = new Uint8Array(key.size || 512);
      digest(key, (md) => {
        length[0] = BigInt(signature.length);
        if (
          lib.EVP_DigestSign(
            md,
            signature,
            length,
            data,
            BigInt(data.length),
          ) !== 1
        ) {
          lib.ERR_clear_error();
          throw new OpensslError("RSA signing failed");
        }
        return 1;
      }, true);
      return Promise.resolve(signature.slice(0, Number(length[0])));
    },
    verify: (handle, data, signature) => {
      const key = handle as _Key;
      const result = digest(
        key,
        (md) =>
          lib.EVP_DigestVerify(
            md,
            signature,
            BigInt(signature.length),
            data,
            BigInt(data.length),
          ),
        false,
      );
      if (result !== 1) lib.ERR_clear_error();
      return Promise.resolve(result === 1);
    },
    encrypt: (handle, plaintext) => {
      const key = handle as _Key;
      const ctx = context(key, false);
      const out = new Uint8Array(key.size);
      length[0] = BigInt(out.length);
      if (
        lib.EVP_PKEY_encrypt(
          ctx,
          out,
          length,
          plaintext,
          BigInt(plaintext.length),
        ) !==
          1
      ) {
        lib.ERR_clear_error();
        throw new OpensslError("RSA encryption failed");
      }
      return Promise.resolve(out.subarray(0, Number(length[0])));
    },
    decrypt: (handle, ciphertext) => {
      const key = handle as _Key;
      const ctx = context(key, true);
      const out = new Uint8Array(key.size);
      length[0] = BigInt(out.length);
      const done = lib.EVP_PKEY_decrypt(
        ctx,
        out,
        length,
        ciphertext,
        BigInt(ciphertext.length),
      );
      if (done !== 1) {
        lib.ERR_clear_error();
        return Promise.resolve(undefined);
      }
      return Promise.resolve(out.slice(0, Number(length[0])));
    },
    close: () => {
      for (const key of cache.values()) free(key);
      cache.clear();
      library.close();
    },
  };
  return engine;
}
