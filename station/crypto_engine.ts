/**
 * The operator's choice of RSA and AES engine (`[station] crypto_engine`,
 * `dim bench --crypto-engine`): `auto` installs OpenSSL's libcrypto through
 * FFI for both when it loads and keeps the runtime's `node:crypto` when it
 * does not (no library, no `--allow-ffi`); `openssl` requires it; `runtime`
 * never loads it.
 *
 * @module
 */
import { installAesEngine, installRsaEngine } from "../dimp/crypto/mod.ts";
import { openOpensslAes, type OpensslAesEngine } from "./openssl_aes.ts";
import { DEFAULT_LIBCRYPTO } from "./libcrypto.ts";
import { openOpensslRsa, type OpensslRsaOptions } from "./openssl_rsa.ts";

/** The values of `crypto_engine`. */
export type CryptoEngineChoice = "auto" | "openssl" | "runtime";

/**
 * Every value of `crypto_engine`, the default first.
 *
 * @example
 * ```ts
 * CRYPTO_ENGINE_CHOICES[0]; // "auto"
 * ```
 */
export const CRYPTO_ENGINE_CHOICES: readonly CryptoEngineChoice[] = [
  "auto",
  "openssl",
  "runtime",
];

/** Where this thread's libcrypto came from, while OpenSSL is installed. */
let _opensslPath: string | undefined;

/** What {@link installCryptoEngine} installed, and why. */
export interface InstalledCryptoEngine {
  /** The engine that runs RSA and AES now. */
  readonly engine: "openssl" | "runtime";
  /** One line for the log: which engine, and why not the other. */
  readonly summary: string;
}

/**
 * Installs the RSA and AES engine `choice` asks for (see the module doc) in
 * this thread; `options` say where libcrypto is and how many RSA keys it
 * keeps.
 *
 * @throws {OpensslError} `choice` is `openssl` and libcrypto does not load
 *
 * @example
 * ```ts ignore
 * import { installCryptoEngine } from "./crypto_engine.ts";
 * log.info(installCryptoEngine("auto").summary);
 * // "RSA and AES engine: openssl (libcrypto 3.0.19)"
 * ```
 */
export function installCryptoEngine(
  choice: CryptoEngineChoice,
  options: OpensslRsaOptions = {},
): InstalledCryptoEngine {
  _opensslPath = undefined;
  if (choice === "runtime") {
    installRsaEngine(undefined);
    installAesEngine(undefined);
    return {
      engine: "runtime",
      summary:
        "RSA and AES engine: runtime (node:crypto; crypto_engine = runtime)",
    };
  }
  const path = options.path ?? DEFAULT_LIBCRYPTO;
  try {
    const rsa = openOpensslRsa(options);
    let aes: OpensslAesEngine;
    try {
      aes = openOpensslAes(path);
    } catch (error) {
      rsa.close();
      throw error;
    }
    installRsaEngine(rsa);
    installAesEngine(aes);
    _opensslPath = path;
    return {
      engine: "openssl",
      summary: `RSA and AES engine: openssl (libcrypto ${rsa.version})`,
    };
  } catch (error) {
    if (choice === "openssl") throw error;
    installRsaEngine(undefined);
    installAesEngine(undefined);
    return {
      engine: "runtime",
      summary: `RSA and AES engine: runtime (node:crypto; ${
        (error as Error).message
      })`,
    };
  }
}

/**
 * `text` as a {@link CryptoEngineChoice}, or `undefined` when it is none.
 *
 * @example
 * ```ts
 * parseCryptoEngine("openssl"); // "openssl"
 * parseCryptoEngine("fast"); // undefined
 * ```
 */
export function parseCryptoEngine(
  text: string,
): CryptoEngineChoice | undefined {
  return CRYPTO_ENGINE_CHOICES.find((choice) => choice === text);
}

/**
 * The libcrypto path when this thread's last {@link installCryptoEngine}
 * installed OpenSSL, else `undefined`: what a worker thread is handed to
 * install the same engine.
 *
 * @example
 * ```ts
 * import { installCryptoEngine, installedOpensslPath } from "./crypto_engine.ts";
 * installCryptoEngine("runtime");
 * installedOpensslPath(); // undefined
 * ```
 */
export function installedOpensslPath(): string | undefined {
  return _opensslPath;
}
