/**
 * The one door to cryptographic primitives. Everything in `dimp/` that
 * hashes, signs, verifies, encrypts or draws random bytes does it through
 * {@link backend}; nothing else imports `node:crypto`. A browser build swaps
 * the implementation below for one on Web Crypto and noble.
 *
 * Keys are handed over as DER (RSA: SPKI / PKCS#1) or raw bytes (secp256k1
 * point / scalar, AES key); the backend returns opaque handles for imported
 * keys and caches them, so verifying with a known key skips the import.
 *
 * @module
 */
import { nodeBackend } from "./_backend_node.ts";

export type {
  CryptoBackend,
  EcNonce,
  KeyHandle,
  RsaKeyPairDer,
} from "./_backend_api.ts";
import type { CryptoBackend } from "./_backend_api.ts";

/** The backend in use: `node:crypto` for RSA, ECDSA verify and AES; noble for secp256k1 signing. */
export const backend: CryptoBackend = nodeBackend;
