/**
 * The PLAIN symmetric key: the identity transform used for broadcast
 * messages (spec identity.md §8.5). It is never transmitted.
 *
 * @module
 */
import { utf8Encode } from "./encoding.ts";
import type { SymmetricKey } from "./key.ts";

/**
 * The PLAIN key: `encrypt` and `decrypt` return their input.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * await PLAIN_KEY.encrypt(utf8Encode("moky"), {}); // the same bytes
 * ```
 */
export class PlainKey implements SymmetricKey {
  /** Always `PLAIN`. */
  readonly algorithm = "PLAIN" as const;

  /** Returns `plaintext` unchanged, a text as its UTF-8 (`params` are not touched). */
  encrypt(
    plaintext: Uint8Array | string,
    _params?: Record<string, unknown>,
  ): Promise<Uint8Array> {
    return Promise.resolve(
      typeof plaintext === "string" ? utf8Encode(plaintext) : plaintext,
    );
  }

  /** Returns `ciphertext` unchanged. */
  decrypt(
    ciphertext: Uint8Array,
    _params?: Record<string, unknown>,
  ): Promise<Uint8Array | undefined> {
    return Promise.resolve(ciphertext);
  }

  /** `{"algorithm": "PLAIN"}`. */
  toDictionary(): Record<string, unknown> {
    return { algorithm: "PLAIN" };
  }

  /** Same as {@link PlainKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}

/**
 * The one PLAIN key.
 */
export const PLAIN_KEY: PlainKey = new PlainKey();
