/**
 * The engine behind {@link RsaPublicKey} and {@link RsaPrivateKey}'s
 * operations: by default the crypto backend's (the runtime's `node:crypto`
 * in Deno, Web Crypto and pure JS in a browser); a host may install another
 * one (the station installs OpenSSL's libcrypto through FFI when it loads).
 * `dimp/` itself never loads native code: it only holds the hook.
 *
 * An engine deals in its own opaque key handles, made from DER (SPKI for a
 * public key, PKCS#1 `RSAPrivateKey` for a private one). Its operations have
 * the wire's exact rules: RSASSA-PKCS1-v1_5 with SHA-256, RSAES-PKCS1-v1_5
 * (random padding); a ciphertext that does not decrypt (bad padding, wrong
 * length, out of range) gives `undefined`, never garbage.
 *
 * Install an engine before the first RSA operation: a key object keeps the
 * handle of the engine that made it and imports the key again when another
 * engine is installed.
 *
 * @module
 */
import { backend, type KeyHandle } from "./_backend.ts";

/**
 * RSA operations over handles of type `K` (see the module doc).
 *
 * @example
 * ```ts
 * import { rsaEngine, type RsaEngine } from "./rsa_engine.ts";
 * const engine: RsaEngine = rsaEngine();
 * engine.name; // "runtime" unless another was installed
 * ```
 */
export interface RsaEngine<K = unknown> {
  /** What runs the operations (`"runtime"`, `"openssl"` …), for logs. */
  readonly name: string;
  /** A handle of a public key from its SubjectPublicKeyInfo DER. */
  importPublic(spki: Uint8Array): Promise<K>;
  /** A handle of a private key from its PKCS#1 `RSAPrivateKey` DER. */
  importPrivate(pkcs1: Uint8Array): Promise<K>;
  /** RSASSA-PKCS1-v1_5 / SHA-256 of `data` (a modulus-long signature). */
  sign(key: K, data: Uint8Array): Promise<Uint8Array>;
  /** RSASSA-PKCS1-v1_5 / SHA-256; `false` for any mismatch. */
  verify(key: K, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** RSAES-PKCS1-v1_5 encryption of at most modulus bytes − 11. */
  encrypt(key: K, plaintext: Uint8Array): Promise<Uint8Array>;
  /** RSAES-PKCS1-v1_5 decryption; `undefined` when it does not decrypt. */
  decrypt(key: K, ciphertext: Uint8Array): Promise<Uint8Array | undefined>;
}

/** The crypto backend's RSA (the default engine). */
const _runtime: RsaEngine = {
  name: "runtime",
  importPublic: (spki) => backend.rsaImportPublic(spki),
  importPrivate: (pkcs1) => backend.rsaImportPrivate(pkcs1),
  sign: (key, data) => backend.rsaSign(key as KeyHandle, data),
  verify: (key, data, signature) =>
    backend.rsaVerify(key as KeyHandle, data, signature),
  encrypt: (key, plaintext) => backend.rsaEncrypt(key as KeyHandle, plaintext),
  decrypt: (key, ciphertext) =>
    backend.rsaDecrypt(key as KeyHandle, ciphertext),
};

let _current: RsaEngine = _runtime;

/**
 * The engine RSA keys use now.
 *
 * @example
 * ```ts
 * import { rsaEngine } from "./rsa_engine.ts";
 * console.assert(typeof rsaEngine().name === "string");
 * ```
 */
export function rsaEngine(): RsaEngine {
  return _current;
}

/**
 * Makes `engine` the one RSA keys use; `undefined` puts the crypto
 * backend's back. Returns the engine that was installed before.
 *
 * @example
 * ```ts
 * import { installRsaEngine, rsaEngine } from "./rsa_engine.ts";
 * const before = installRsaEngine(undefined);
 * rsaEngine().name; // "runtime"
 * installRsaEngine(before);
 * ```
 */
export function installRsaEngine<K>(
  engine: RsaEngine<K> | undefined,
): RsaEngine {
  const before = _current;
  _current = (engine as RsaEngine | undefined) ?? _runtime;
  return before;
}
