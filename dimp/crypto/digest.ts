/**
 * Message digests used by DIM: SHA-256 and RIPEMD-160 (addresses,
 * signatures), Keccak-256 (Ethereum addresses, EIP-55 — original Keccak, not
 * FIPS SHA3-256), and MD5 / SHA-1 (dimples extras: key digests, file names).
 *
 * @module
 */
import { backend } from "./_backend.ts";

/**
 * SHA-256.
 *
 * @example
 * ```ts
 * import { hexEncode, utf8Encode } from "./encoding.ts";
 * hexEncode(sha256(utf8Encode("moky"))); // "cb98b739dd69...9ed76d"
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  return backend.sha256(data);
}

/**
 * RIPEMD-160.
 *
 * @example
 * ```ts
 * import { hexEncode, utf8Encode } from "./encoding.ts";
 * hexEncode(ripemd160(utf8Encode("moky"))); // "44bd174123ae...fa3b91"
 * ```
 */
export function ripemd160(data: Uint8Array): Uint8Array {
  return backend.ripemd160(data);
}

/**
 * Keccak-256 with the original padding byte 0x01 (what Ethereum calls
 * "sha3"; not FIPS SHA3-256).
 *
 * @example
 * ```ts
 * import { hexEncode, utf8Encode } from "./encoding.ts";
 * hexEncode(keccak256(utf8Encode("moky"))); // "96b07f3103d4...46514d"
 * ```
 */
export function keccak256(data: Uint8Array): Uint8Array {
  return backend.keccak256(data);
}

/**
 * SHA-1 (only for dimples extras such as file names).
 *
 * @example
 * ```ts
 * import { hexEncode, utf8Encode } from "./encoding.ts";
 * hexEncode(sha1(utf8Encode("moky"))); // "ce12c58f2df2...64f1a162"
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  return backend.sha1(data);
}

/**
 * MD5 (only for dimples extras such as the symmetric key digest).
 *
 * @example
 * ```ts
 * import { hexEncode, utf8Encode } from "./encoding.ts";
 * hexEncode(md5(utf8Encode("moky"))); // "d0e5edd3fd12...e4c82569"
 * ```
 */
export function md5(data: Uint8Array): Uint8Array {
  return backend.md5(data);
}
