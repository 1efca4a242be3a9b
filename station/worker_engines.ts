/**
 * The native crypto engines this thread runs (OpenSSL's libcrypto for RSA,
 * `crypto_engine.ts`; libsecp256k1 for ECDSA, `ecdsa_choice.ts`), as a
 * worker thread is told them, so that it installs the same ones (or the
 * runtime's, where one does not load there).
 *
 * @module
 */
import { installCryptoEngine, installedOpensslPath } from "./crypto_engine.ts";
import {
  installEcdsaChoice,
  installedLibsecp256k1Path,
} from "./ecdsa_choice.ts";

/** The engines' libraries, by path; none: the runtime's. */
export interface WorkerEngines {
  /** The libcrypto RSA runs on. */
  readonly opensslPath?: string;
  /** The libsecp256k1 ECDSA runs on. */
  readonly secp256k1Path?: string;
}

/**
 * The engines this thread runs now, to hand to a worker.
 *
 * @example
 * ```ts
 * import { workerEngines } from "./worker_engines.ts";
 * workerEngines(); // {} until an engine is installed
 * ```
 */
export function workerEngines(): WorkerEngines {
  return {
    opensslPath: installedOpensslPath(),
    secp256k1Path: installedLibsecp256k1Path(),
  };
}

/**
 * Installs, in this (worker) thread, the engines another thread runs.
 *
 * @example
 * ```ts ignore
 * import { installWorkerEngines } from "./worker_engines.ts";
 * installWorkerEngines(message.engines); // as the main thread sent them
 * ```
 */
export function installWorkerEngines(engines: WorkerEngines): void {
  if (engines.opensslPath !== undefined) {
    installCryptoEngine("auto", { path: engines.opensslPath });
  }
  if (engines.secp256k1Path !== undefined) {
    installEcdsaChoice("auto", { path: engines.secp256k1Path });
  }
}
