/**
 * JSON tokens read from UTF-8 bytes without decoding them (private to
 * `cli/bench`): the bench's scanners of the station's receipt messages read
 * what they need this way and leave anything unusual to `JSON.parse`. Each
 * function returns where its token ends, or -1 when the bytes are not that
 * token in the plain form the scanners accept: compact JSON (no white
 * space), strings of printable ASCII without escapes ({@link isPlainAscii}).
 *
 * @module
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const PLUS = 0x2b;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** `true`, `false`, `null`. */
const LITERALS = ["true", "false", "null"].map((word) =>
  new TextEncoder().encode(word)
);
/** Nesting the scanners follow at most (deeper: unusual). */
const MAX_DEPTH = 16;

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/**
 * The end of the JSON number at `at` (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`),
 * or -1.
 *
 * @example
 * ```ts
 * import { numberEnd } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"time":1.5}');
 * console.assert(numberEnd(bytes, 8, bytes.length) === 11);
 * ```
 */
export function numberEnd(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  if (i < end && bytes[i] === MINUS) i++;
  if (i >= end || !isDigit(bytes[i])) return -1;
  if (bytes[i] === ZERO) i++;
  else while (i < end && isDigit(bytes[i])) i++;
  if (i < end && bytes[i] === DOT) {
    i++;
    if (i >= end || !isDigit(bytes[i])) return -1;
    while (i < end && isDigit(bytes[i])) i++;
  }
  if (i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
    i++;
    if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
    if (i >= end || !isDigit(bytes[i])) return -1;
    while (i < end && isDigit(bytes[i])) i++;
  }
  return i;
}

/**
 * Whether every byte of `bytes[from..to)` is printable ASCII (0x20–0x7f)
 * and none is a backslash: then JSON strings in them have no escapes, no
 * control characters, and end at their next quote ({@link quotedEnd}).
 * Reads four bytes at a time.
 *
 * @example
 * ```ts
 * import { isPlainAscii } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"text":"ok"}');
 * console.assert(isPlainAscii(bytes, 0, bytes.length));
 * ```
 */
export function isPlainAscii(
  bytes: Uint8Array,
  from: number,
  to: number,
): boolean {
  let i = from;
  const offset = bytes.byteOffset + i;
  const head = Math.min(to, i + ((4 - (offset & 3)) & 3));
  for (; i < head; i++) {
    if (!isPlainByte(bytes[i])) return false;
  }
  const words = (to - i) >> 2;
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = view[w];
      const y = x ^ 0x5c5c5c5c; // a backslash byte is zero here
      if (
        ((x | ((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y)) &
          0x80808080) !== 0
      ) return false;
    }
    i += words * 4;
  }
  for (; i < to; i++) {
    if (!isPlainByte(bytes[i])) return false;
  }
  return true;
}

function isPlainByte(byte: number): boolean {
  return byte >= 0x20 && byte < 0x80 && byte !== BACKSLASH;
}

/**
 * The end of the string at `at` (its opening quote), found by its closing
 * quote alone — its bytes are not looked at: the caller checks them (a
 * string it compares or decodes whole) —, or -1.
 *
 * @example
 * ```ts
 * import { quotedEnd } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"data":"ZA=="}');
 * console.assert(quotedEnd(bytes, 8, bytes.length) === 14);
 * ```
 */
export function quotedEnd(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end || bytes[at] !== QUOTE) return -1;
  const close = bytes.indexOf(QUOTE, at + 1);
  return close < 0 || close >= end ? -1 : close + 1;
}

/**
 * Whether `bytes[from..to)` is padded base64: the alphabet, a multiple of
 * four characters (at least four), at most two `=` at the end.
 *
 * @example
 * ```ts
 * import { isPaddedBase64 } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode("c2lnbg==");
 * console.assert(isPaddedBase64(bytes, 0, bytes.length));
 * ```
 */
export function isPaddedBase64(
  bytes: Uint8Array,
  from: number,
  to: number,
): boolean {
  const length = to - from;
  if (length < 4 || length % 4 !== 0) return false;
  let data = to;
  if (bytes[data - 1] === EQUALS) data--;
  if (bytes[data - 1] === EQUALS) data--;
  for (let i = from; i < data; i++) {
    const byte = bytes[i];
    if (
      !(byte >= 0x41 && byte <= 0x5a) && !(byte >= 0x61 && byte <= 0x7a) &&
      !isDigit(byte) && byte !== PLUS && byte !== SLASH
    ) return false;
  }
  return true;
}

/**
 * The end of the JSON value at `at` (any kind, objects and arrays nested
 * at most 16 deep) in bytes {@link isPlainAscii} accepted, or -1.
 *
 * @example
 * ```ts
 * import { valueEnd } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"traces":[{"ID":"s"}],"n":1}');
 * console.assert(valueEnd(bytes, 10, bytes.length) === 22);
 * ```
 */
export function valueEnd(
  bytes: Uint8Array,
  at: number,
  end: number,
  depth = 0,
): number {
  if (at >= end) return -1;
  const byte = bytes[at];
  if (byte === QUOTE) return quotedEnd(bytes, at, end);
  if (byte === MINUS || isDigit(byte)) return numberEnd(bytes, at, end);
  if (byte === LBRACE) return objectEnd(bytes, at, end, depth + 1);
  if (byte === LBRACKET) {
    if (depth + 1 > MAX_DEPTH) return -1;
    let i = at + 1;
    if (bytes[i] === RBRACKET) return i + 1;
    for (;;) {
      i = valueEnd(bytes, i, end, depth + 1);
      if (i < 0 || i >= end) return -1;
      if (bytes[i] === RBRACKET) return i + 1;
      if (bytes[i++] !== COMMA) return -1;
    }
  }
  for (const word of LITERALS) {
    if (word[0] !== byte) continue;
    if (at + word.length > end) return -1;
    for (let i = 1; i < word.length; i++) {
      if (bytes[at + i] !== word[i]) return -1;
    }
    return at + word.length;
  }
  return -1;
}

/**
 * The end of the object at `at`, its members read with
 * {@link memberValue}'s rules and their values skipped.
 */
function objectEnd(
  bytes: Uint8Array,
  at: number,
  end: number,
  depth: number,
): number {
  if (depth > MAX_DEPTH) return -1;
  let i = at + 1;
  if (bytes[i] === RBRACE) return i + 1;
  for (;;) {
    const value = memberValue(bytes, i, end);
    if (value < 0) return -1;
    i = valueEnd(bytes, value, end, depth);
    if (i < 0 || i >= end) return -1;
    if (bytes[i] === RBRACE) return i + 1;
    if (bytes[i++] !== COMMA) return -1;
  }
}

/**
 * Where the value of the member whose name begins at `at` (its opening
 * quote) begins — after the colon —, or -1 (bytes {@link isPlainAscii}
 * accepted).
 *
 * @example
 * ```ts
 * import { memberValue } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"sn":7}');
 * console.assert(memberValue(bytes, 1, bytes.length) === 6);
 * ```
 */
export function memberValue(
  bytes: Uint8Array,
  at: number,
  end: number,
): number {
  const name = quotedEnd(bytes, at, end);
  return name < 0 || name >= end || bytes[name] !== COLON ? -1 : name + 1;
}

/**
 * Whether the bytes at `at` (before `end`) are `name`: a member name given
 * with its quotes and colon (`"text":`), or any other bytes.
 *
 * @example
 * ```ts
 * import { isMember } from "./_json_bytes.ts";
 * const bytes = new TextEncoder().encode('{"sn":7}');
 * console.assert(isMember(bytes, 1, bytes.length, new TextEncoder().encode('"sn":')));
 * ```
 */
export function isMember(
  bytes: Uint8Array,
  at: number,
  end: number,
  name: Uint8Array,
): boolean {
  if (at + name.length > end) return false;
  for (let i = 0; i < name.length; i++) {
    if (bytes[at + i] !== name[i]) return false;
  }
  return true;
}
