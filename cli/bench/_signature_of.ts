/**
 * A reliable message's signature read from its JSON bytes without parsing
 * them (private to `cli/bench`): what the bench counts a delivered text by.
 *
 * @module
 */

import { isMember } from "./_json_bytes.ts";

/** `"signature"` in UTF-8: the member name before the colon. */
const NAME = new TextEncoder().encode('"signature"');
const ASCII = new TextDecoder();
const QUOTE = 0x22;
const COLON = 0x3a;
const RBRACE = 0x7d;
const BACKSLASH = 0x5c;

/**
 * The value of the one `"signature":"…"` member of the JSON in `bytes`
 * from `start` to `end`, or `undefined`
 * when there is none, more than one (attached meta and visa carry their own:
 * the caller parses such a message whole), or the value is escaped or not
 * ASCII. JSON escapes every quote inside a string, so the needle, after
 * `{`, `,` or a space, only matches a member name.
 *
 * @example
 * ```ts
 * import { signatureOf } from "./_signature_of.ts";
 * const json = new TextEncoder().encode('{"data":"x","signature":"c2ln"}');
 * console.assert(signatureOf(json) === "c2ln");
 * ```
 */
export function signatureOf(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
): string | undefined {
  // a view ending at `end`: `indexOf` would otherwise look for the colon
  // after the last one beyond it, through whatever follows in the caller's
  // buffer (up to ~20 µs in a connection's 64 KiB read buffer)
  const json = start === 0 && end === bytes.length
    ? bytes
    : bytes.subarray(start, end);
  const found = signatureStart(json);
  if (found < 0) return undefined;
  const close = json.indexOf(QUOTE, found);
  if (close < 0) return undefined;
  for (let i = found; i < close; i++) {
    if (json[i] === BACKSLASH || json[i] >= 0x80) return undefined;
  }
  // ASCII (checked above): UTF-8 decoding makes just the string, where
  // `String.fromCharCode.apply` copied the bytes into an argument list first
  // (~0.7 KB per text, 2.5× the time)
  return ASCII.decode(json.subarray(found, close));
}

/**
 * Where the string value of the one `"signature"` member of the JSON in
 * `json` begins (the index after its opening quote), or -1 when there is
 * none or more than one ({@link signatureOf}; the value is not checked).
 *
 * @example
 * ```ts
 * import { signatureStart } from "./_signature_of.ts";
 * const json = new TextEncoder().encode('{"signature":"c2ln"}');
 * console.assert(signatureStart(json) === 14);
 * ```
 */
export function signatureStart(json: Uint8Array): number {
  // a colon outside strings only follows a member name, and base64, IDs
  // and numbers have none: few places to look at
  let found = -1;
  for (
    let at = json.indexOf(COLON);
    at >= 0;
    at = json.indexOf(COLON, at + 1)
  ) {
    if (json[at + 1] !== QUOTE || !isName(json, at - NAME.length)) continue;
    if (found >= 0) return -1;
    found = at + 2;
  }
  return found;
}

/**
 * Where the string value of the last member of the object `json` begins
 * when that member is `"signature"` (`…,"signature":"c2ln"}`, the form a
 * reliable message is written in: found without reading the rest), else
 * -1 ({@link signatureStart} then reads the whole). A string just before
 * the final brace is a member of the outer object (a nested object or
 * array closes before it), so this is the message's own signature — what
 * parsing it reads —, whatever documents attached to it carry.
 *
 * @example
 * ```ts
 * import { lastSignatureStart } from "./_signature_of.ts";
 * const json = new TextEncoder().encode('{"data":"x","signature":"c2ln"}');
 * console.assert(lastSignatureStart(json) === 25);
 * ```
 */
export function lastSignatureStart(json: Uint8Array): number {
  const end = json.length;
  if (end < 16 || json[end - 1] !== RBRACE || json[end - 2] !== QUOTE) {
    return -1;
  }
  // an escaped quote has a backslash before it, not the colon
  const open = json.lastIndexOf(QUOTE, end - 3);
  if (open < 1 || json[open - 1] !== COLON) return -1;
  return isName(json, open - 1 - NAME.length) ? open + 1 : -1;
}

/** The member name `"signature"` at `at` (after `{`, `,` or a space). */
function isName(json: Uint8Array, at: number): boolean {
  if (at <= 0) return false;
  const before = json[at - 1];
  if (
    before !== 0x7b && before !== 0x2c && before !== 0x20 &&
    before !== 0x0a && before !== 0x0d && before !== 0x09
  ) return false;
  return isMember(json, at, json.length, NAME);
}
