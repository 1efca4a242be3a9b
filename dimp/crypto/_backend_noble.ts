/**
 * The pure-JS part both crypto backends share: noble's secp256k1 (signing,
 * nonces, point arithmetic), RIPEMD-160 and Keccak-256, and the cache of
 * imported key handles.
 *
 * @module
 */
import * as secp from "@noble/secp256k1";
import { hmac } from "@noble/hashes/hmac.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { BoundedMap } from "../bounded_map.ts";
import type { CryptoBackend, EcNonce, KeyHandle } from "./_backend_api.ts";

secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

/** Order of the secp256k1 group. */
const CURVE_ORDER = secp.Point.CURVE().n;

/** Order of the secp256k1 field. */
const FIELD_PRIME = secp.Point.CURVE().p;

/**
 * The inverses of `values` (none 0) modulo the prime `modulus` with one
 * inversion and three products per value (Montgomery's trick).
 *
 * @example
 * ```ts
 * invertAll([2n, 3n], 7n); // [4n, 5n]
 * ```
 */
export function invertAll(
  values: readonly bigint[],
  modulus: bigint,
): bigint[] {
  const prefix = new Array<bigint>(values.length);
  let product = 1n;
  for (let i = 0; i < values.length; i++) {
    prefix[i] = product;
    product = (product * values[i]) % modulus;
  }
  let inverse = secp.etc.invert(product, modulus);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = (inverse * prefix[i]) % modulus;
    inverse = (inverse * values[i]) % modulus;
  }
  return out;
}

/**
 * `count` nonces: k uniform in [1, n-1] from the CSPRNG, r = x(k·G) mod n
 * ≠ 0. The affine x of every k·G and every k⁻¹ come from one batched
 * inversion each.
 */
function _ecNonces(count: number): EcNonce[] {
  const ks: bigint[] = [];
  const points: { X: bigint; Z: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const k = secp.etc.secretKeyToScalar(secp.utils.randomSecretKey());
    ks.push(k);
    points.push(secp.Point.BASE.multiply(k));
  }
  const zInverses = invertAll(points.map((point) => point.Z), FIELD_PRIME);
  const kInverses = invertAll(ks, CURVE_ORDER);
  const nonces: EcNonce[] = [];
  for (let i = 0; i < count; i++) {
    const r = ((points[i].X * zInverses[i]) % FIELD_PRIME) % CURVE_ORDER;
    if (r !== 0n) nonces.push({ r, kInverse: kInverses[i] });
  }
  return nonces.length === count
    ? nonces
    : [...nonces, ..._ecNonces(count - nonces.length)];
}

/**
 * A copy of an uncompressed point `04‖X‖Y` once it is on secp256k1, as
 * `Point.fromBytes(point).toBytes(false)` checks it (1 ≤ x, y < p and
 * y² = x³ + 7 mod p) without its point objects: a new user's meta key is one
 * on every fresh handshake.
 */
function _checkedUncompressed(point: Uint8Array): Uint8Array {
  const x = BigInt("0x" + point.subarray(1, 33).toHex());
  const y = BigInt("0x" + point.subarray(33, 65).toHex());
  if (
    x < 1n || x >= FIELD_PRIME || y < 1n || y >= FIELD_PRIME ||
    (y * y - (x * x * x + 7n)) % FIELD_PRIME !== 0n
  ) {
    throw new Error("not a point on secp256k1");
  }
  return point.slice();
}

/**
 * The operations of a backend noble does in both (pure JS, synchronous).
 *
 * @example
 * ```ts
 * import { type NoblePart, noblePart } from "./_backend_noble.ts";
 * const part: NoblePart = noblePart;
 * ```
 */
export type NoblePart = Pick<
  CryptoBackend,
  | "ripemd160"
  | "keccak256"
  | "ecSign"
  | "ecNonces"
  | "ecUncompressed"
  | "ecCompressed"
  | "ecPublicPoint"
  | "ecGenerate"
>;

/**
 * secp256k1, RIPEMD-160 and Keccak-256 by noble.
 *
 * @example
 * ```ts
 * import { noblePart } from "./_backend_noble.ts";
 * noblePart.ecPublicPoint(noblePart.ecGenerate()).length; // 65
 * ```
 */
export const noblePart: NoblePart = {
  ripemd160: (data) => ripemd160(data),
  keccak256: (data) => keccak_256(data),
  ecSign: (secret, data) =>
    Promise.resolve(secp.sign(sha256(data), secret, { prehash: false })),
  ecNonces: _ecNonces,
  ecUncompressed: (point) =>
    point.length === 65 && point[0] === 0x04
      ? _checkedUncompressed(point)
      : secp.Point.fromBytes(point).toBytes(false),
  ecCompressed: (point) => secp.Point.fromBytes(point).toBytes(true),
  ecPublicPoint: (secret) => secp.getPublicKey(secret, false),
  ecGenerate: () => secp.utils.randomSecretKey(),
};

/** How many imported keys stay cached (least recently used are dropped). */
const KEY_CACHE_SIZE = 4096;

/**
 * Imported keys by an ID made of their bytes, least recently used dropped
 * past 4096; handed out as opaque {@link KeyHandle}s.
 *
 * @example
 * ```ts
 * import { KeyCache } from "./_backend_noble.ts";
 * const keys = new KeyCache<{ n: bigint }>();
 * const handle = keys.handle("rsa:1", () => ({ n: 7n }));
 * console.assert(keys.key(handle).n === 7n);
 * ```
 */
export class KeyCache<T extends object> {
  readonly #keys = new BoundedMap<string, T>(KEY_CACHE_SIZE);

  /** The handle of the key `id`, imported by `load` when not cached. */
  handle(id: string, load: () => T): KeyHandle {
    let key = this.#keys.touch(id);
    if (key === undefined) {
      key = load();
      this.#keys.set(id, key);
    }
    return key as unknown as KeyHandle;
  }

  /** The key behind a handle this cache made. */
  key(handle: KeyHandle): T {
    return handle as unknown as T;
  }
}
