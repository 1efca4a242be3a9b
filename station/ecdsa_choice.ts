/**
 * The operator's choice of ECDSA engine (`[station] ecdsa_engine`, `dim
 * bench --ecdsa-engine`): `auto` installs the system's libsecp256k1 through
 * FFI when it loads and passes its self-test, and keeps the runtime's
 * (`node:crypto` verifies, noble signs) when it does not (no library, no
 * `--allow-ffi`, a failed self-test); `libsecp256k1` requires it; `runtime`
 * never loads it.
 *
 * @module
 */
import { installEcdsaEngine } from "../dimp/crypto/mod.ts";
import {
  DEFAULT_LIBSECP256K1,
  type Libsecp256k1Options,
  openLibsecp256k1,
} from "./libsecp256k1.ts";

/** The values of `ecdsa_engine`. */
export type EcdsaEngineChoice = "auto" | "libsecp256k1" | "runtime";

/**
 * Every value of `ecdsa_engine`, the default first.
 *
 * @example
 * ```ts
 * ECDSA_ENGINE_CHOICES[0]; // "auto"
 * ```
 */
export const ECDSA_ENGINE_CHOICES: readonly EcdsaEngineChoice[] = [
  "auto",
  "libsecp256k1",
  "runtime",
];

/** Where this thread's libsecp256k1 came from, while it is installed. */
let _path: string | undefined;

/** What {@link installEcdsaChoice} installed, and why. */
export interface InstalledEcdsaEngine {
  /** The engine that runs ECDSA now. */
  readonly engine: "libsecp256k1" | "runtime";
  /** One line for the log: which engine, and why not the other. */
  readonly summary: string;
}

/**
 * Installs the ECDSA engine `choice` asks for (see the module doc) in this
 * thread; `options` say where libsecp256k1 is and how many keys it keeps.
 *
 * @throws {Secp256k1Error} `choice` is `libsecp256k1` and the library does
 *   not load or fails its self-test
 *
 * @example
 * ```ts ignore
 * import { installEcdsaChoice } from "./ecdsa_choice.ts";
 * log.info(installEcdsaChoice("auto").summary);
 * // "ECDSA engine: libsecp256k1 (libsecp256k1.so.1)"
 * ```
 */
export function installEcdsaChoice(
  choice: EcdsaEngineChoice,
  options: Libsecp256k1Options = {},
): InstalledEcdsaEngine {
  _path = undefined;
  if (choice === "runtime") {
    installEcdsaEngine(undefined);
    return {
      engine: "runtime",
      summary:
        "ECDSA engine: runtime (node:crypto, noble; ecdsa_engine = runtime)",
    };
  }
  try {
    const engine = openLibsecp256k1(options);
    installEcdsaEngine(engine);
    _path = options.path ?? DEFAULT_LIBSECP256K1;
    return {
      engine: "libsecp256k1",
      summary: `ECDSA engine: libsecp256k1 (${engine.path})`,
    };
  } catch (error) {
    if (choice === "libsecp256k1") throw error;
    installEcdsaEngine(undefined);
    return {
      engine: "runtime",
      summary: `ECDSA engine: runtime (node:crypto, noble; ${
        (error as Error).message
      })`,
    };
  }
}

/**
 * `text` as an {@link EcdsaEngineChoice}, or `undefined` when it is none.
 *
 * @example
 * ```ts
 * parseEcdsaEngine("libsecp256k1"); // "libsecp256k1"
 * parseEcdsaEngine("fast"); // undefined
 * ```
 */
export function parseEcdsaEngine(text: string): EcdsaEngineChoice | undefined {
  return ECDSA_ENGINE_CHOICES.find((choice) => choice === text);
}

/**
 * The library path when this thread's last {@link installEcdsaChoice}
 * installed libsecp256k1, else `undefined`: what a worker thread is handed
 * to install the same engine.
 *
 * @example
 * ```ts
 * import { installEcdsaChoice, installedLibsecp256k1Path } from "./ecdsa_choice.ts";
 * installEcdsaChoice("runtime");
 * installedLibsecp256k1Path(); // undefined
 * ```
 */
export function installedLibsecp256k1Path(): string | undefined {
  return _path;
}
