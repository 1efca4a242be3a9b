/**
 * AES message and file keys (spec identity.md §8.4): AES-CBC with PKCS#7,
 * the IV in the message (`IV`), in 2021 keys (`iv` inside the key), or zero.
 *
 * @module
 */
import { backend } from "./_backend.ts";
import { aesEngine } from "./aes_engine.ts";
import { EncodingError, KeyFormatError } from "./errors.ts";
import { keyData } from "./_key_json.ts";
import { keptBytes } from "./_kept_bytes.ts";
import type { SymmetricKey } from "./key.ts";
import { decodeTed, encodeTed } from "./ted.ts";

const BLOCK = 16;
const ZERO_IV = new Uint8Array(BLOCK);

/**
 * Size of the keys we generate, in bytes (AES-256).
 *
 * @example
 * ```ts
 * AesKey.generate().secret.length === AES_KEY_BYTES; // true
 * ```
 */
export const AES_KEY_BYTES = 32;

/** Members dimples adds to cached keys and must never be sent. */
const LOCAL_FLAGS = ["reused", "digest"];

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function decodeIv(value: unknown, where: string): Uint8Array {
  const iv = decodeTed(value);
  if (iv.length !== BLOCK) {
    throw new EncodingError(`AES: ${where} has ${iv.length} bytes, needs 16`);
  }
  return iv;
}

/** The IV given by the message parameters, if any. */
function paramsIv(params: Record<string, unknown>): Uint8Array | undefined {
  if (present(params.IV)) return decodeIv(params.IV, "params.IV");
  if (present(params.iv)) return decodeIv(params.iv, "params.iv");
  return undefined;
}

/**
 * An AES key. Reads `{"algorithm": "AES", "data": <base64>}` (also the short
 * names `A`, `D`, `I` of the v2.x message shortener, and a 2021 `iv` / `IV`
 * inside the key); writes the long names.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * const key = AesKey.generate();
 * const message: Record<string, unknown> = {};
 * const data = await key.encrypt(utf8Encode("moky"), message); // sets message.IV
 * await key.decrypt(data, message); // the bytes of "moky"
 * ```
 */
export class AesKey implements SymmetricKey {
  /** Always `AES`. */
  readonly algorithm = "AES" as const;
  /** The raw key (16, 24 or 32 bytes). */
  readonly secret: Uint8Array;
  readonly #iv?: Uint8Array;
  readonly #dict: Record<string, unknown>;

  private constructor(
    secret: Uint8Array,
    iv: Uint8Array | undefined,
    dict: Record<string, unknown>,
  ) {
    this.secret = keptBytes(secret);
    this.#iv = iv === undefined ? undefined : keptBytes(iv);
    this.#dict = dict;
  }

  /**
   * Reads the key from its JSON dictionary, long or short member names.
   *
   * @throws {KeyFormatError} no `data`, bad base64, wrong key or IV length
   */
  static fromDictionary(dict: Record<string, unknown>): AesKey {
    const wire: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(dict)) {
      if (LOCAL_FLAGS.includes(name)) continue;
      const long = name === "A"
        ? "algorithm"
        : name === "D"
        ? "data"
        : name === "I"
        ? "iv"
        : name;
      if (!(long in wire) || name === long) wire[long] = value;
    }
    let secret: Uint8Array;
    let iv: Uint8Array | undefined;
    try {
      secret = decodeTed(keyData(wire));
      const ownIv = present(wire.iv) ? wire.iv : wire.IV;
      iv = present(ownIv) ? decodeIv(ownIv, "key iv") : undefined;
    } catch (e) {
      if (e instanceof KeyFormatError) throw e;
      throw new KeyFormatError("AES: bad key data or iv", { cause: e });
    }
    if (![16, 24, 32].includes(secret.length)) {
      throw new KeyFormatError(`AES: key of ${secret.length} bytes`);
    }
    return new AesKey(secret, iv, wire);
  }

  /** A new AES-256 key from the CSPRNG. */
  static generate(): AesKey {
    const secret = backend.randomBytes(AES_KEY_BYTES);
    return new AesKey(secret, undefined, {
      algorithm: "AES",
      data: encodeTed(secret),
    });
  }

  /**
   * AES-CBC / PKCS#7. IV: `params.IV`, else `params.iv`, else the key's own
   * `iv`, else 16 random bytes written to `params.IV` as base64.
   *
   * @throws {EncodingError} an IV in `params` that is not 16 bytes of base64
   */
  async encrypt(
    plaintext: Uint8Array | string,
    params: Record<string, unknown>,
  ): Promise<Uint8Array> {
    let iv = paramsIv(params) ?? this.#iv;
    if (iv === undefined) {
      iv = backend.randomBytes(BLOCK);
      params.IV = encodeTed(iv);
    }
    return await aesEngine().encrypt(this.secret, iv, plaintext);
  }

  /**
   * AES-CBC / PKCS#7 decryption. IV: `params.IV`, else `params.iv`, else the
   * key's own `iv`, else 16 zero bytes. Resolves to `undefined` for bad
   * padding or a ciphertext that is not whole blocks.
   *
   * @throws {EncodingError} an IV in `params` that is not 16 bytes of base64
   */
  async decrypt(
    ciphertext: Uint8Array,
    params: Record<string, unknown>,
  ): Promise<Uint8Array | undefined> {
    const iv = paramsIv(params) ?? this.#iv ?? ZERO_IV;
    if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
      return undefined;
    }
    return await aesEngine().decrypt(this.secret, iv, ciphertext);
  }

  /** The wire dictionary: long member names, no local flags. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /** Same as {@link AesKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}
