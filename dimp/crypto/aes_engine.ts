/**
 * The engine behind `AesKey`'s AES-CBC / PKCS#7: by default the crypto
 * backend's (the runtime's `node:crypto` with kept ciphers in Deno, Web
 * Crypto in a browser); a host may install another one (the station
 * installs OpenSSL's libcrypto through FFI with its RSA engine). `dimp/`
 * itself never loads native code: it only holds the hook.
 *
 * An engine takes the raw key (16, 24 or 32 bytes), a 16-byte IV and the
 * whole message; its bytes are those of AES-CBC with PKCS#7 padding, and a
 * ciphertext that does not decrypt (bad padding, not whole blocks) gives
 * `undefined`, never garbage.
 *
 * @module
 */
import { backend } from "./_backend.ts";

/**
 * AES-CBC / PKCS#7 operations (see the module doc).
 *
 * @example
 * ```ts
 * import { aesEngine, type AesEngine } from "./aes_engine.ts";
 * const engine: AesEngine = aesEngine();
 * engine.name; // "runtime" unless another was installed
 * ```
 */
export interface AesEngine {
  /** What runs the operations (`"runtime"`, `"openssl"` …), for logs. */
  readonly name: string;
  /** `plaintext` (a text: its UTF-8) padded and encrypted. */
  encrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array | string,
  ): Promise<Uint8Array>;
  /** `ciphertext` decrypted and unpadded; `undefined` when it does not decrypt. */
  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined>;
}

/** The crypto backend's AES (the default engine). */
const _runtime: AesEngine = {
  name: "runtime",
  encrypt: (key, iv, plaintext) => backend.aesCbcEncrypt(key, iv, plaintext),
  decrypt: (key, iv, ciphertext) => backend.aesCbcDecrypt(key, iv, ciphertext),
};

let _current: AesEngine = _runtime;

/**
 * The engine AES keys use now.
 *
 * @example
 * ```ts
 * import { aesEngine } from "./aes_engine.ts";
 * console.assert(typeof aesEngine().name === "string");
 * ```
 */
export function aesEngine(): AesEngine {
  return _current;
}

/**
 * Makes `engine` the one AES keys use; `undefined` puts the crypto
 * backend's back. Returns the engine that was installed before.
 *
 * @example
 * ```ts
 * import { aesEngine, installAesEngine } from "./aes_engine.ts";
 * const before = installAesEngine(undefined);
 * aesEngine().name; // "runtime"
 * installAesEngine(before);
 * ```
 */
export function installAesEngine(engine: AesEngine | undefined): AesEngine {
  const before = _current;
  _current = engine ?? _runtime;
  return before;
}
