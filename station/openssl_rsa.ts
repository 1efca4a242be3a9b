/**
 * An RSA engine ({@link RsaEngine}) over the system's OpenSSL 3 libcrypto
 * through FFI (`Deno.dlopen`, so `--allow-ffi`): its RSA-1024 private
 * operation measured ~80 µs here against ~250 µs in this runtime's
 * `node:crypto` (sixteenth round (a) of issue 18). The bytes are the wire's:
 * RSASSA-PKCS1-v1_5 / SHA-256 and RSAES-PKCS1-v1_5.
 *
 * Keys are read with the RSA-specific DER readers (`d2i_RSA_PUBKEY`,
 * `d2i_RSAPrivateKey`: ~3 µs, where OpenSSL 3's generic decoders
 * `d2i_PUBKEY` / `d2i_PrivateKey` take ~130–170 µs a key — more than the
 * runtime's whole encryption with a new key), wrapped in an `EVP_PKEY` and
 * kept, with their decryption and encryption contexts (made on first use),
 * in two bounded caches by their DER — public keys (a station meets a new
 * one per handshake, used once: few kept) and private keys (a process's
 * own; the first private operation of a key costs ~2.5× a later one, its
 * Montgomery and blinding set-up). An evicted key is freed (`EVP_PKEY_free`)
 * and read again if a handle to it is used later. PKCS#1 v1.5 decryption
 * reports a bad padding as a failure (`undefined`): OpenSSL 3.2's implicit
 * rejection, which would return random bytes instead, is turned off. Before
 * the engine is handed out, the library is checked against the runtime's
 * `node:crypto` on a new key (each opens what the other seals and verifies
 * what the other signs, and a bad padding does not decrypt): a library that
 * fails, such as one of 3.2 or later that keeps implicit rejection on, is
 * not used.
 *
 * @module
 */
import {
  constants,
  generateKeyPairSync,
  getRandomValues,
  privateDecrypt,
  publicEncrypt,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
} from "node:crypto";
import type { RsaEngine } from "../dimp/crypto/mod.ts";
import { DEFAULT_LIBCRYPTO, openLibcrypto, OpensslError } from "./libcrypto.ts";

/** Public keys kept by default (each new one costs ~50 µs to read and set up). */
const PUBLIC_KEYS = 512;
/** Private keys kept by default. */
const PRIVATE_KEYS = 4096;

/** Options of {@link openOpensslRsa}. */
export interface OpensslRsaOptions {
  /** Where libcrypto is (default {@link DEFAULT_LIBCRYPTO}). */
  readonly path?: string;
  /** How many public keys stay parsed (default 512). */
  readonly publicKeys?: number;
  /** How many private keys stay parsed (default 4096). */
  readonly privateKeys?: number;
}

/** `RSA_PKCS1_PADDING`. */
const RSA_PKCS1_PADDING = 1;
/** The first version with implicit rejection for PKCS#1 v1.5 (3.2.0). */
const IMPLICIT_REJECTION_SINCE = 0x30200000n;
/** The oldest libcrypto this engine is written for (3.0.0). */
const OPENSSL_3 = 0x30000000n;

const _SYMBOLS = {
  OpenSSL_version_num: { parameters: [], result: "u64" },
  ERR_clear_error: { parameters: [], result: "void" },
  d2i_RSA_PUBKEY: {
    parameters: ["pointer", "buffer", "i64"],
    result: "pointer",
  },
  d2i_RSAPrivateKey: {
    parameters: ["pointer", "buffer", "i64"],
    result: "pointer",
  },
  RSA_free: { parameters: ["pointer"], result: "void" },
  EVP_PKEY_new: { parameters: [], result: "pointer" },
  EVP_PKEY_set1_RSA: { parameters: ["pointer", "pointer"], result: "i32" },
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
 *   `--allow-ffi`), is not OpenSSL 3 or fails the self-test
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
  const library = openLibcrypto(path, _SYMBOLS);
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
    publicKeys: options.publicKeys ?? PUBLIC_KEYS,
    privateKeys: options.privateKeys ?? PRIVATE_KEYS,
  });
}

function _engine(
  library: Deno.DynamicLibrary<typeof _SYMBOLS>,
  lib: _Lib,
  sha256: _Pointer,
  about: {
    readonly hasImplicitRejection: boolean;
    readonly version: string;
    readonly publicKeys: number;
    readonly privateKeys: number;
  },
): OpensslRsaEngine {
  const { hasImplicitRejection, version } = about;
  const caches = {
    public: { keys: new Map<string, _Key>(), size: about.publicKeys },
    private: { keys: new Map<string, _Key>(), size: about.privateKeys },
  };
  const cacheOf = (key: _Key) => key.isPrivate ? caches.private : caches.public;
  const length = new BigUint64Array(1);
  const cursor = new BigUint64Array(1);

  const free = (key: _Key): void => {
    if (key.decrypt !== null) lib.EVP_PKEY_CTX_free(key.decrypt);
    if (key.encrypt !== null) lib.EVP_PKEY_CTX_free(key.encrypt);
    if (key.pkey !== null) lib.EVP_PKEY_free(key.pkey);
    key.decrypt = key.encrypt = key.pkey = null;
  };

  const keep = (key: _Key): void => {
    const cache = cacheOf(key);
    cache.keys.delete(key.id);
    cache.keys.set(key.id, key);
    if (cache.keys.size <= cache.size) return;
    const [oldest] = cache.keys.values();
    cache.keys.delete(oldest.id);
    free(oldest);
  };

  // the DER is copied into one long-lived buffer whose address is taken
  // once: `UnsafePointer.of` a new array per key grew the RSS ~0.5 KiB a
  // call here (100,000s of keys read), the buffers' memory kept
  let scratch = new Uint8Array(4096);
  let scratchAddress = BigInt(
    Deno.UnsafePointer.value(Deno.UnsafePointer.of(scratch)),
  );

  const parse = (key: _Key): _Pointer => {
    const der = key.der;
    if (der.length > scratch.length) {
      scratch = new Uint8Array(der.length * 2);
      scratchAddress = BigInt(
        Deno.UnsafePointer.value(Deno.UnsafePointer.of(scratch)),
      );
    }
    scratch.set(der);
    cursor[0] = scratchAddress;
    const rsa = key.isPrivate
      ? lib.d2i_RSAPrivateKey(null, cursor, BigInt(der.length))
      : lib.d2i_RSA_PUBKEY(null, cursor, BigInt(der.length));
    const pkey = rsa === null ? null : lib.EVP_PKEY_new();
    const wrapped = pkey !== null && lib.EVP_PKEY_set1_RSA(pkey, rsa) === 1;
    if (rsa !== null) lib.RSA_free(rsa); // the EVP_PKEY holds its own reference
    if (!wrapped) {
      if (pkey !== null) lib.EVP_PKEY_free(pkey);
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
      const cache = cacheOf(key).keys;
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
    const id = der.toBase64();
    const cached = (isPrivate ? caches.private : caches.public).keys.get(id);
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

  const sign = (key: _Key, data: Uint8Array): Uint8Array => {
    const signature = new Uint8Array(key.size || 512);
    digest(key, (md) => {
      length[0] = BigInt(signature.length);
      if (
        lib.EVP_DigestSign(md, signature, length, data, BigInt(data.length)) !==
          1
      ) {
        lib.ERR_clear_error();
        throw new OpensslError("RSA signing failed");
      }
      return 1;
    }, true);
    return signature.slice(0, Number(length[0]));
  };

  const verify = (
    key: _Key,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean => {
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
    return result === 1;
  };

  const encrypt = (key: _Key, plaintext: Uint8Array): Uint8Array => {
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
      ) !== 1
    ) {
      lib.ERR_clear_error();
      throw new OpensslError("RSA encryption failed");
    }
    return out.subarray(0, Number(length[0]));
  };

  const decrypt = (
    key: _Key,
    ciphertext: Uint8Array,
  ): Uint8Array | undefined => {
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
      return undefined;
    }
    return out.slice(0, Number(length[0]));
  };

  const freeAll = (): void => {
    for (const cache of [caches.public, caches.private]) {
      for (const key of cache.keys.values()) free(key);
      cache.keys.clear();
    }
  };

  const close = (): void => {
    freeAll();
    library.close();
  };

  try {
    _selfTest(
      (der, isPrivate) => handle(der, isPrivate),
      { sign, verify, encrypt, decrypt },
    );
  } catch (error) {
    close();
    throw error;
  }
  freeAll(); // the test's two keys are not kept

  const engine: OpensslRsaEngine = {
    name: "openssl",
    version,
    get cachedKeys(): number {
      return caches.public.keys.size + caches.private.keys.size;
    },
    importPublic: (spki) => Promise.resolve(handle(spki, false)),
    importPrivate: (pkcs1) => Promise.resolve(handle(pkcs1, true)),
    sign: (key, data) => Promise.resolve(sign(key as _Key, data)),
    verify: (key, data, signature) =>
      Promise.resolve(verify(key as _Key, data, signature)),
    encrypt: (key, plaintext) =>
      Promise.resolve(encrypt(key as _Key, plaintext)),
    decrypt: (key, ciphertext) =>
      Promise.resolve(decrypt(key as _Key, ciphertext)),
    close,
  };
  return engine;
}

/** The engine's operations on its parsed keys, as {@link _selfTest} uses them. */
interface _Operations {
  sign(key: _Key, data: Uint8Array): Uint8Array;
  verify(key: _Key, data: Uint8Array, signature: Uint8Array): boolean;
  encrypt(key: _Key, plaintext: Uint8Array): Uint8Array;
  decrypt(key: _Key, ciphertext: Uint8Array): Uint8Array | undefined;
}

/**
 * Checks the library against the runtime's `node:crypto` on a new RSA-1024
 * key before anything relies on it (~15 ms, mostly the key's generation):
 * each decrypts what the other encrypts, a signature of one verifies with
 * the other, and a ciphertext of a bad padding (the number 1) does not
 * decrypt — so a library that would answer it with random bytes (OpenSSL
 * 3.2's implicit rejection left on) or that differs in any way is refused.
 */
function _selfTest(
  read: (der: Uint8Array, isPrivate: boolean) => _Key,
  ops: _Operations,
): void {
  const pair = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const spki = new Uint8Array(
    pair.publicKey.export({ type: "spki", format: "der" }),
  );
  const pkcs1 = new Uint8Array(
    pair.privateKey.export({ type: "pkcs1", format: "der" }),
  );
  const publicKey = read(spki, false);
  const privateKey = read(pkcs1, true);
  const secret = getRandomValues(new Uint8Array(32));
  const fail = (what: string): never => {
    throw new OpensslError(`libcrypto fails the self-test: ${what}`);
  };
  const theirs = new Uint8Array(
    publicEncrypt(
      { key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING },
      secret,
    ),
  );
  const opened = ops.decrypt(privateKey, theirs);
  if (
    opened === undefined || opened.length !== secret.length ||
    !timingSafeEqual(opened, secret)
  ) {
    fail("it does not decrypt the runtime's ciphertext");
  }
  const ours = ops.encrypt(publicKey, secret);
  const back = new Uint8Array(
    privateDecrypt(
      { key: pair.privateKey, padding: constants.RSA_PKCS1_PADDING },
      ours,
    ),
  );
  if (back.length !== secret.length || !timingSafeEqual(back, secret)) {
    fail("the runtime does not decrypt its ciphertext");
  }
  const one = new Uint8Array(publicKey.size);
  one[one.length - 1] = 1;
  if (ops.decrypt(privateKey, one) !== undefined) {
    fail("a ciphertext with a bad padding decrypts (implicit rejection?)");
  }
  const signature = ops.sign(privateKey, secret);
  if (!nodeVerify("sha256", secret, pair.publicKey, signature)) {
    fail("the runtime does not verify its signature");
  }
  const runtimeSignature = nodeSign("sha256", secret, pair.privateKey);
  if (!ops.verify(publicKey, secret, new Uint8Array(runtimeSignature))) {
    fail("it does not verify the runtime's signature");
  }
}
