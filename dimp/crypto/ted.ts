/**
 * TED — transportable encoded data: the string form of a byte string inside
 * DIM JSON (`meta.fingerprint`, `document.signature`, AES key `data`, `IV`,
 * PNF `data`, message `data` and keys). We always emit plain base64 and read
 * every form the references write (spec identity.md §2.4).
 *
 * @module
 */
import {
  base58Decode,
  base64Decode,
  base64Encode,
  hexDecode,
  utf8Encode,
} from "./encoding.ts";
import { EncodingError } from "./errors.ts";

/**
 * A parsed RFC 2397 `data:` URI.
 *
 * @example
 * ```ts
 * const uri: DataUri | undefined = parseDataUri("data:,moky");
 * ```
 */
export interface DataUri {
  /** The MIME type, e.g. `image/png` (absent when the URI names none). */
  readonly mimeType?: string;
  /** `name=value` parameters such as `filename` or `charset`. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The encoding word, e.g. `base64` (absent for plain text). */
  readonly encoding?: string;
  /** The bytes the URI carries. */
  readonly data: Uint8Array;
}

/**
 * Reads a `data:` URI: the header before the first `,` is `;`-separated;
 * items with `=` are parameters, items with `/` the MIME type, the remaining
 * item the encoding. The body is base64 when the encoding is `base64`, else
 * UTF-8 text.
 *
 * @returns `undefined` when `text` does not start with `data:`
 * @throws {EncodingError} no `,` after the header, or a bad base64 body
 * @example
 * ```ts
 * parseDataUri("data:image/png;filename=a.png;base64,bW9reQ==")?.parameters.filename; // "a.png"
 * ```
 */
export function parseDataUri(text: string): DataUri | undefined {
  if (!text.startsWith("data:")) return undefined;
  const comma = text.indexOf(",");
  if (comma < 0) throw new EncodingError("data URI without ','");
  const parameters: Record<string, string> = {};
  let mimeType: string | undefined;
  let encoding: string | undefined;
  for (const item of text.slice(5, comma).split(";")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq >= 0) parameters[item.slice(0, eq)] = item.slice(eq + 1);
    else if (item.includes("/")) mimeType = item;
    else encoding = item;
  }
  const body = text.slice(comma + 1);
  const data = encoding === "base64" ? base64Decode(body) : utf8Encode(body);
  return { mimeType, parameters, encoding, data };
}

/**
 * Writes bytes as a base64 `data:` URI (for file and avatar data only; TED
 * fields are written with {@link encodeTed}).
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * encodeDataUri(utf8Encode("moky"), "text/plain"); // "data:text/plain;base64,bW9reQ=="
 * ```
 */
export function encodeDataUri(
  data: Uint8Array,
  mimeType: string,
  filename?: string,
): string {
  const name = filename === undefined ? "" : `;filename=${filename}`;
  return `data:${mimeType}${name};base64,${base64Encode(data)}`;
}

function decodeAs(encoding: string, text: string): Uint8Array | undefined {
  switch (encoding) {
    case "base64":
      return base64Decode(text);
    case "base58":
      return base58Decode(text);
    case "hex":
      return hexDecode(text);
  }
  return undefined;
}

/**
 * Decodes a TED value: plain base64, a `data:` URI (with or without
 * parameters), `base64,` / `base58,` / `hex,` prefixes, or an object
 * `{"algorithm": "base64", "data": "..."}`.
 *
 * @throws {EncodingError} anything else, or a body that does not decode
 * @example
 * ```ts
 * decodeTed("data:text/plain;base64,bW9reQ=="); // the bytes of "moky"
 * ```
 */
export function decodeTed(value: unknown): Uint8Array {
  if (typeof value === "string") {
    const uri = parseDataUri(value);
    if (uri !== undefined) return uri.data;
    const comma = value.indexOf(",");
    if (comma > 0) {
      const bytes = decodeAs(value.slice(0, comma), value.slice(comma + 1));
      if (bytes !== undefined) return bytes;
    }
    return base64Decode(value);
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { algorithm, data } = value as Record<string, unknown>;
    if (typeof data === "string") {
      const bytes = decodeAs(
        typeof algorithm === "string" ? algorithm : "base64",
        data,
      );
      if (bytes !== undefined) return bytes;
    }
    throw new EncodingError("TED object without a known algorithm and data");
  }
  throw new EncodingError(`TED must be a string, got ${typeof value}`);
}

/**
 * Encodes bytes for a TED field: plain base64, never a prefix.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * encodeTed(utf8Encode("moky")); // "bW9reQ=="
 * ```
 */
export function encodeTed(bytes: Uint8Array): string {
  return base64Encode(bytes);
}
