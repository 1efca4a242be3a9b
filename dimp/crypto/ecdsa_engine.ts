/**
 * The engine behind {@link EccPublicKey.verify} and {@link EccPrivateKey.sign}
 * (ECDSA over secp256k1 with SHA-256): by default the crypto backend's (the
 * runtime's `node:crypto` verifies and noble signs in Deno; noble does both
 * in a browser); a host may install another one (the station installs the
 * system's libsecp256k1 through FFI when it loads). `dimp/` itself never
 * loads native code: it only holds the hook.
 *
 * What stays in `ecc.ts` whatever the engine: reading keys and DER
 * signatures (minimal DER, 1 ≤ r, s < n), high S turned low before a
 * verification, the cache of signatures that verified, and signing with a
 * nonce made ahead ({@link EccPrivateKey.signWithNonce}, plain arithmetic;
 * the nonces' point multiplications are the engine's).
 *
 * Install an engine before the first ECDSA operation: a public key keeps
 * the handle of the engine that made it and imports the point again when
 * another engine is installed.
 *
 * @module
 */
import { backend, type EcNonce, type KeyHandle } from "./_backend.ts";

/**
 * A one-time ECDSA nonce made ahead of its signature: `r` = x(k·G) mod n
 * and `kInverse` = k⁻¹ mod n of a fresh random k. Each is used for exactly
 * one signature (`EccPrivateKey.signWithNonce` in `ecc.ts`); a nonce used twice
 * gives the private key away.
 *
 * @example
 * ```ts
 * import { type EcdsaNonce, ecdsaEngine } from "./ecdsa_engine.ts";
 * const nonce: EcdsaNonce = ecdsaEngine().nonces(1)[0];
 * ```
 */
export type EcdsaNonce = EcNonce;

/**
 * ECDSA / secp256k1 operations over public key handles of type `K` (see the
 * module doc).
 *
 * @example
 * ```ts
 * import { ecdsaEngine, type EcdsaEngine } from "./ecdsa_engine.ts";
 * const engine: EcdsaEngine = ecdsaEngine();
 * engine.name; // "runtime" unless another was installed
 * ```
 */
export interface EcdsaEngine<K = unknown> {
  /** What runs the operations (`"runtime"`, `"libsecp256k1"` …), for logs. */
  readonly name: string;
  /** A handle of a public key from its 65-byte uncompressed point (on the curve). */
  importPublic(point: Uint8Array): Promise<K>;
  /**
   * Whether `der` (a minimal DER signature with 1 ≤ r, s < n and S low, as
   * `ecc.ts` hands it over) is `key`'s over `data`, whose SHA-256 is
   * `digest` (an engine uses whichever it needs); `false` for any mismatch.
   */
  verify(
    key: K,
    data: Uint8Array,
    digest: Uint8Array,
    der: Uint8Array,
  ): Promise<boolean>;
  /**
   * The signature of the 32-byte `secret` over SHA-256(`data`): 64 bytes
   * `r‖s`, S low, the nonce from RFC 6979.
   */
  sign(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /**
   * `count` one-time nonces for {@link EccPrivateKey.signWithNonce} (k from
   * the CSPRNG, uniform in [1, n−1]): a point multiplication each.
   */
  nonces(count: number): EcdsaNonce[];
}

/** The crypto backend's ECDSA (the default engine). */
const _runtime: EcdsaEngine = {
  name: "runtime",
  importPublic: (point) => backend.ecImportPublic(point),
  verify: (key, data, _digest, der) =>
    backend.ecVerify(key as KeyHandle, data, der),
  sign: (secret, data) => backend.ecSign(secret, data),
  nonces: (count) => backend.ecNonces(count),
};

let _current: EcdsaEngine = _runtime;

/**
 * The engine ECDSA keys use now.
 *
 * @example
 * ```ts
 * import { ecdsaEngine } from "./ecdsa_engine.ts";
 * console.assert(typeof ecdsaEngine().name === "string");
 * ```
 */
export function ecdsaEngine(): EcdsaEngine {
  return _current;
}

/**
 * Makes `engine` the one ECDSA keys use; `undefined` puts the crypto
 * backend's back. Returns the engine that was installed before.
 *
 * @example
 * ```ts
 * import { ecdsaEngine, installEcdsaEngine } from "./ecdsa_engine.ts";
 * const before = installEcdsaEngine(undefined);
 * ecdsaEngine().name; // "runtime"
 * installEcdsaEngine(before);
 * ```
 */
export function installEcdsaEngine<K>(
  engine: EcdsaEngine<K> | undefined,
): EcdsaEngine {
  const before = _current;
  _current = (engine as EcdsaEngine | undefined) ?? _runtime;
  return before;
}
