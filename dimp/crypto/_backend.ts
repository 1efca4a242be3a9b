/**
 * The one door to cryptographic primitives. Everything in `dimp/` that
 * hashes, signs, verifies, encrypts or draws random bytes does it through
 * {@link backend}; nothing else imports `node:crypto`.
 *
 * The backend is chosen once, at start: `node:crypto` + noble in Deno
 * (`_backend_node.ts`), Web Crypto + pure JS in a browser
 * (`_backend_web.ts`). `DIM_CRYPTO_BACKEND=web` picks the browser one in Deno
 * too (the `dimp/` tests run against both).
 *
 * Keys are handed over as DER (RSA: SPKI / PKCS#1) or raw bytes (secp256k1
 * point / scalar, AES key); the backend returns opaque handles for imported
 * keys and caches them, so verifying with a known key skips the import.
 *
 * @module
 */
import { createNodeBackend } from "./_backend_node.ts";
import { webBackend } from "./_backend_web.ts";

export type {
  CryptoBackend,
  EcNonce,
  KeyHandle,
  RsaKeyPairDer,
} from "./_backend_api.ts";
import type { CryptoBackend } from "./_backend_api.ts";

/** The name of the environment variable that picks the backend in Deno. */
const BACKEND_VARIABLE = "DIM_CRYPTO_BACKEND";

interface _DenoLike {
  readonly env: { get(name: string): string | undefined };
}

/** `"web"` in a browser or when asked for; `"node"` in Deno. */
function _choice(): "node" | "web" {
  const deno = (globalThis as { Deno?: _DenoLike }).Deno;
  if (deno === undefined) return "web";
  try {
    return deno.env.get(BACKEND_VARIABLE) === "web" ? "web" : "node";
  } catch {
    // no --allow-env: the default
    return "node";
  }
}

/**
 * The backend in use (see the module doc).
 *
 * @example
 * ```ts
 * import { backend } from "./_backend.ts";
 * backend.sha256(new Uint8Array()).length; // 32
 * ```
 */
export const backend: CryptoBackend = _choice() === "web"
  ? webBackend
  : createNodeBackend(
    await import("node:crypto"),
    (await import("node:buffer")).Buffer,
  );

/**
 * Which backend is in use: `"node"` (Deno) or `"web"` (browser).
 *
 * @example
 * ```ts
 * import { backendName } from "./_backend.ts";
 * console.assert(backendName === "node" || backendName === "web");
 * ```
 */
export const backendName: "node" | "web" = backend === webBackend
  ? "web"
  : "node";
