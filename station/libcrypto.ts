/**
 * The system's OpenSSL 3 libcrypto as the station's RSA and AES engines
 * load it through FFI (`Deno.dlopen`, so `--allow-ffi`): its default name,
 * the loader and the error both engines throw.
 *
 * The loader initialises the library without OpenSSL's exit handler
 * (`OPENSSL_INIT_NO_ATEXIT`) before anything else calls it: by default
 * OpenSSL frees its locks and tables from an `atexit` handler when the
 * process exits, while the station's worker threads (the signer, the
 * handshake pool) may still be inside a libcrypto call — the process then
 * crashed at its stop (SIGSEGV in `pthread_rwlock_rdlock`, seen once on a
 * SIGTERM after a storm; a test script with two threads fetching digests
 * while the main thread exits crashed in 6 of 20 runs, none with the
 * option). The system takes the memory back at exit anyway.
 *
 * @module
 */

/** The library `Deno.dlopen` looks for by default. */
export const DEFAULT_LIBCRYPTO = "libcrypto.so.3";

/** `OPENSSL_init_crypto`'s option: no cleanup from an `atexit` handler. */
const OPENSSL_INIT_NO_ATEXIT = 0x00080000n;

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
  let library: Deno.DynamicLibrary<S> | undefined;
  try {
    library = Deno.dlopen(path, symbols);
    _initWithoutAtExit(path);
    return library;
  } catch (error) {
    library?.close();
    throw new OpensslError(
      `cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Initialises libcrypto at `path` with `OPENSSL_INIT_NO_ATEXIT` (see the
 * module). The first initialisation in a process decides, so this runs
 * before the caller's symbols are used (and while the caller's handle
 * keeps the library loaded); later calls (another engine, a worker
 * thread) change nothing.
 *
 * @throws {OpensslError} the initialisation failed
 */
function _initWithoutAtExit(path: string): void {
  const library = Deno.dlopen(path, {
    OPENSSL_init_crypto: { parameters: ["u64", "pointer"], result: "i32" },
  });
  try {
    if (
      library.symbols.OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, null) !== 1
    ) {
      throw new OpensslError(`${path}: OPENSSL_init_crypto failed`);
    }
  } finally {
    library.close();
  }
}
