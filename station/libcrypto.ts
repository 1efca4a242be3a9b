/**
 * The system's OpenSSL 3 libcrypto as the station's RSA and AES engines
 * load it through FFI (`Deno.dlopen`, so `--allow-ffi`): its default name,
 * the loader and the error both engines throw.
 *
 * @module
 */

/** The library `Deno.dlopen` looks for by default. */
export const DEFAULT_LIBCRYPTO = "libcrypto.so.3";

/**
 * libcrypto could not be loaded or used (not found, no `--allow-ffi`, not
 * OpenSSL 3, a failed call); `cause` is the underlying error if any.
 *
 * @example
 * ```ts
 * import { OpensslError } from "./libcrypto.ts";
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

/**
 * libcrypto at `path` with `symbols` (`Deno.dlopen`), for the engines over
 * it (`openssl_rsa.ts`, `openssl_aes.ts`).
 *
 * @throws {OpensslError} it does not load (not found, no `--allow-ffi`, a
 *   symbol missing)
 *
 * @example
 * ```ts ignore
 * import { DEFAULT_LIBCRYPTO, openLibcrypto } from "./libcrypto.ts";
 * const library = openLibcrypto(DEFAULT_LIBCRYPTO, {
 *   OpenSSL_version_num: { parameters: [], result: "u64" },
 * });
 * library.close();
 * ```
 */
export function openLibcrypto<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(path, symbols);
  } catch (error) {
    throw new OpensslError(
      `cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
