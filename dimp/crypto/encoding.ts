/**
 * Binary-to-text encodings used on the DIM wire: base64 (standard alphabet,
 * padded), base58 (Bitcoin alphabet, BTC-style addresses), hex, and UTF-8.
 *
 * @module
 */
import { base58 } from "@scure/base";
import { EncodingError } from "./errors.ts";

const NOT_BASE64 = /[^A-Za-z0-9+/=]/g;

/**
 * Encodes bytes as standard base64 with `=` padding, on one line.
 *
 * @example
 * ```ts
 * base64Encode(utf8Encode("moky")); // "bW9reQ=="
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/**
 * Decodes standard base64 the way the DIM references do: every character
 * outside `[A-Za-z0-9+/=]` (line breaks, `\r\n`, spaces) is dropped, then the
 * rest must be padded base64 (length a multiple of 4).
 *
 * @throws {EncodingError} unpadded or otherwise invalid base64
 * @example
 * ```ts
 * base64Decode("bW9r\r\neQ=="); // the bytes of "moky"
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  try {
    // the common case, without a pass of the regular expression (~7× the
    // decode itself): the alphabet, complete padded groups, no bits in the
    // padding, nothing between but what both drop (ASCII spaces, breaks)
    return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
  } catch {
    // any other character, or lenient padding bits: the references' way
  }
  const clean = text.replace(NOT_BASE64, "");
  if (clean.length % 4 !== 0) {
    throw new EncodingError(
      `base64: length ${clean.length} is not a multiple of 4`,
    );
  }
  try {
    return Uint8Array.fromBase64(clean);
  } catch (e) {
    throw new EncodingError("base64: invalid padding", { cause: e });
  }
}

/**
 * Encodes bytes as base58 with the Bitcoin alphabet; each leading zero byte
 * becomes one leading `1`.
 *
 * @example
 * ```ts
 * base58Encode(utf8Encode("moky")); // "3oF5MJ"
 * ```
 */
export function base58Encode(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/**
 * Decodes Bitcoin-alphabet base58.
 *
 * @throws {EncodingError} a character outside the alphabet (`0`, `O`, `I`, `l`, ...)
 * @example
 * ```ts
 * base58Decode("3oF5MJ"); // the bytes of "moky"
 * ```
 */
export function base58Decode(text: string): Uint8Array {
  try {
    return base58.decode(text);
  } catch (e) {
    throw new EncodingError("base58: invalid character", { cause: e });
  }
}

/**
 * Encodes bytes as lower-case hex.
 *
 * @example
 * ```ts
 * hexEncode(utf8Encode("moky")); // "6d6f6b79"
 * ```
 */
export function hexEncode(bytes: Uint8Array): string {
  return bytes.toHex();
}

/**
 * Decodes hex of either case.
 *
 * @throws {EncodingError} odd length or a non-hex character
 * @example
 * ```ts
 * hexDecode("6D6F6B79"); // the bytes of "moky"
 * ```
 */
export function hexDecode(text: string): Uint8Array {
  try {
    return Uint8Array.fromHex(text);
  } catch (e) {
    throw new EncodingError("hex: odd length or invalid character", {
      cause: e,
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes a string as UTF-8.
 *
 * @example
 * ```ts
 * utf8Encode("《道德经》").length; // 15
 * ```
 */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8 strictly (a byte order mark is kept as U+FEFF).
 *
 * @throws {EncodingError} bytes that are not valid UTF-8
 * @example
 * ```ts
 * utf8Decode(new Uint8Array([0x6d, 0x6f, 0x6b, 0x79])); // "moky"
 * ```
 */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new EncodingError("utf-8: invalid byte sequence", { cause: e });
  }
}
