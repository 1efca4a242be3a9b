/**
 * A reliable message's signature read from its JSON bytes without parsing
 * them (private to `cli/bench`): what the bench counts a delivered text by.
 *
 * @module
 */

/** `"signature":"` in UTF-8. */
const NEEDLE = new TextEncoder().encode('"signature":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The value of the one `"signature":"…"` member of `json`, or `undefined`
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
export function signatureOf(json: Uint8Array): string | undefined {
  let found = -1;
  for (
    let at = json.indexOf(QUOTE);
    at >= 0;
    at = json.indexOf(QUOTE, at + 1)
  ) {
    if (!startsAt(json, at)) continue;
    if (found >= 0) return undefined;
    found = at + NEEDLE.length;
  }
  if (found < 0) return undefined;
  const end = json.indexOf(QUOTE, found);
  if (end < 0) return undefined;
  const value = json.subarray(found, end);
  for (let i = 0; i < value.length; i++) {
    if (value[i] === BACKSLASH || value[i] >= 0x80) return undefined;
  }
  return String.fromCharCode.apply(null, value as unknown as number[]);
}

/** A member name `"signature"` at `at` (after `{`, `,` or a space). */
function startsAt(json: Uint8Array, at: number): boolean {
  if (at + NEEDLE.length > json.length || at === 0) return false;
  const before = json[at - 1];
  if (
    before !== 0x7b && before !== 0x2c && before !== 0x20 &&
    before !== 0x0a && before !== 0x0d && before !== 0x09
  ) return false;
  for (let i = 1; i < NEEDLE.length; i++) {
    if (json[at + i] !== NEEDLE[i]) return false;
  }
  return true;
}
