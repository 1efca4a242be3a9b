/**
 * The receipts of a station message read from its decrypted plaintext
 * (private to `cli/bench`): each receipt's original signature (a byte
 * range) and what its text says, without `JSON.parse` and content objects.
 *
 * @module
 */
import {
  isMember,
  isPlainAscii,
  memberValue,
  numberEnd,
  quotedEnd,
  valueEnd,
} from "./_json_bytes.ts";

/** A receipt's text: neither of the two below. */
export const RECEIPT_OTHER = 0;
/** A receipt's text: `Message delivered.` */
export const RECEIPT_DELIVERED = 1;
/** A receipt's text: `Message cached.` */
export const RECEIPT_CACHED = 2;

/**
 * What a receipt's text says ({@link RECEIPT_DELIVERED},
 * {@link RECEIPT_CACHED} or {@link RECEIPT_OTHER}).
 *
 * @example
 * ```ts
 * import { RECEIPT_CACHED, receiptKind } from "./_receipt_scan.ts";
 * console.assert(receiptKind("Message cached.") === RECEIPT_CACHED);
 * ```
 */
export function receiptKind(text: string): number {
  return text === "Message delivered."
    ? RECEIPT_DELIVERED
    : text === "Message cached."
    ? RECEIPT_CACHED
    : RECEIPT_OTHER;
}

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;

const TYPE = 1;
const SN = 2;
const TIME = 4;
const CONTENTS = 8;
const COMMAND = 16;
const TEXT = 32;
const ORIGIN = 64;
const RECIPIENT = 128;
/** An array content: `type` 202 and `contents`, perhaps `sn` and `time`. */
const ARRAY_NEEDS = TYPE | CONTENTS;
const ARRAY_MAY = ARRAY_NEEDS | SN | TIME;
/** A receipt command: `type` 136, `command`, `text`, `origin`. */
const RECEIPT_NEEDS = TYPE | COMMAND | TEXT | ORIGIN;
const RECEIPT_MAY = RECEIPT_NEEDS | SN | TIME | RECIPIENT;

const encoder = new TextEncoder();
const TYPE_NAME = encoder.encode('"type":');
const SN_NAME = encoder.encode('"sn":');
const TIME_NAME = encoder.encode('"time":');
const CONTENTS_NAME = encoder.encode('"contents":');
const COMMAND_NAME = encoder.encode('"command":');
const TEXT_NAME = encoder.encode('"text":');
const ORIGIN_NAME = encoder.encode('"origin":');
const RECIPIENT_NAME = encoder.encode('"recipient":');
const SIGNATURE = encoder.encode('"signature":');
const ARRAY_TYPE = encoder.encode("202");
const COMMAND_TYPE = encoder.encode("136");
const RECEIPT = encoder.encode('"receipt"');
const DELIVERED = encoder.encode('"Message delivered."');
const CACHED = encoder.encode('"Message cached."');

/**
 * The receipts of one plaintext, found by {@link ReceiptScan.scan}: the
 * `i`th one's original signature is `plaintext[from(i)..to(i))` and its
 * text says {@link ReceiptScan.kind}.
 *
 * @example
 * ```ts
 * import { ReceiptScan } from "./_receipt_scan.ts";
 * const scan = new ReceiptScan();
 * const plaintext = new TextEncoder().encode(
 *   '{"type":136,"command":"receipt","text":"Message delivered.","origin":{"signature":"c2ln"}}',
 * );
 * console.assert(scan.scan(plaintext) && scan.count === 1);
 * ```
 */
export class ReceiptScan {
  /** Receipts found by the last scan. */
  count = 0;
  /** Per receipt: signature start, end, kind. */
  #found = new Int32Array(3 * 16);
  /** Where the value of the member {@link ReceiptScan.#member} read begins. */
  #value = -1;
  /** The last origin's signature ({@link ReceiptScan.#origin}). */
  #signatureFrom = -1;
  #signatureTo = -1;

  /** The `i`th receipt's original signature starts here. */
  from(i: number): number {
    return this.#found[3 * i];
  }

  /** The `i`th receipt's original signature ends here. */
  to(i: number): number {
    return this.#found[3 * i + 1];
  }

  /** What the `i`th receipt's text says ({@link receiptKind}). */
  kind(i: number): number {
    return this.#found[3 * i + 2];
  }

  /**
   * Reads `plaintext` as `JSON.parse` and the content classes would and
   * finds its receipts, when it is in the plain form the station writes: an
   * array content (`type` 202) of receipt commands or one receipt command
   * (`type` 136, `command` `receipt`, a `text`, an `origin` object with a
   * `signature`), only the members named above (plus `sn`, `time` and a
   * receipt's `recipient`), each once, compact JSON, strings of printable
   * ASCII without escapes. `false` for anything else (the caller parses it),
   * and for no receipts at all.
   */
  scan(plaintext: Uint8Array): boolean {
    this.count = 0;
    const end = plaintext.length;
    if (!isPlainAscii(plaintext, 0, end)) return false;
    return this.#object(plaintext, 0, end, true) === end && this.count > 0;
  }

  /** The member whose name begins at `at`, or 0; its value at `#value`. */
  #member(p: Uint8Array, at: number, end: number): number {
    let member: number, name: Uint8Array;
    const first = p[at + 1];
    if (first === 0x74) { // t
      const second = p[at + 2];
      if (second === 0x79) {
        member = TYPE;
        name = TYPE_NAME;
      } else if (second === 0x69) {
        member = TIME;
        name = TIME_NAME;
      } else {
        member = TEXT;
        name = TEXT_NAME;
      }
    } else if (first === 0x73) { // s
      member = SN;
      name = SN_NAME;
    } else if (first === 0x63) { // c
      if (p[at + 3] === 0x6e) {
        member = CONTENTS;
        name = CONTENTS_NAME;
      } else {
        member = COMMAND;
        name = COMMAND_NAME;
      }
    } else if (first === 0x6f) { // o
      member = ORIGIN;
      name = ORIGIN_NAME;
    } else if (first === 0x72) { // r
      member = RECIPIENT;
      name = RECIPIENT_NAME;
    } else {
      return 0;
    }
    if (!isMember(p, at, end, name)) return 0;
    this.#value = at + name.length;
    return member;
  }

  /** The end of the content object at `at`, its receipts recorded; or -1. */
  #object(p: Uint8Array, at: number, end: number, top: boolean): number {
    if (at >= end || p[at] !== LBRACE) return -1;
    let seen = 0;
    let type: Uint8Array | undefined;
    let kind = RECEIPT_OTHER, from = -1, to = -1;
    for (let i = at + 1;;) {
      const member = this.#member(p, i, end);
      const value = this.#value;
      if (member === 0 || (seen & member) !== 0) return -1;
      seen |= member;
      let next: number;
      switch (member) {
        case TYPE:
          next = numberEnd(p, value, end);
          type = isMember(p, value, next, ARRAY_TYPE)
            ? ARRAY_TYPE
            : isMember(p, value, next, COMMAND_TYPE)
            ? COMMAND_TYPE
            : undefined;
          if (type === undefined || next !== value + 3) return -1;
          break;
        case SN:
        case TIME:
          next = numberEnd(p, value, end);
          break;
        case CONTENTS:
          next = top ? this.#contents(p, value, end) : -1;
          break;
        case COMMAND:
          next = quotedEnd(p, value, end);
          if (next !== value + RECEIPT.length) return -1;
          if (!isMember(p, value, next, RECEIPT)) return -1;
          break;
        case TEXT:
          next = quotedEnd(p, value, end);
          if (next < 0) return -1;
          if (next === value + DELIVERED.length) {
            if (isMember(p, value, next, DELIVERED)) kind = RECEIPT_DELIVERED;
          } else if (next === value + CACHED.length) {
            if (isMember(p, value, next, CACHED)) kind = RECEIPT_CACHED;
          }
          break;
        case ORIGIN:
          next = this.#origin(p, value, end);
          if (next < 0) return -1;
          from = this.#signatureFrom;
          to = this.#signatureTo;
          break;
        default: // RECIPIENT
          next = quotedEnd(p, value, end);
      }
      if (next < 0 || next >= end) return -1;
      if (p[next] === RBRACE) {
        i = next + 1;
        if (top && i !== end) return -1;
        if (type === ARRAY_TYPE) {
          return top && (seen & ARRAY_NEEDS) === ARRAY_NEEDS &&
              (seen & ~ARRAY_MAY) === 0
            ? i
            : -1;
        }
        if (
          (seen & RECEIPT_NEEDS) !== RECEIPT_NEEDS ||
          (seen & ~RECEIPT_MAY) !== 0 || from < 0
        ) return -1;
        this.#add(from, to, kind);
        return i;
      }
      if (p[next] !== COMMA) return -1;
      i = next + 1;
    }
  }

  /** The end of the `contents` array at `at` (receipt commands only), or -1. */
  #contents(p: Uint8Array, at: number, end: number): number {
    if (at >= end || p[at] !== LBRACKET) return -1;
    for (let i = at + 1;;) {
      i = this.#object(p, i, end, false);
      if (i < 0 || i >= end) return -1;
      if (p[i] === RBRACKET) return i + 1;
      if (p[i++] !== COMMA) return -1;
    }
  }

  #add(from: number, to: number, kind: number): void {
    const at = 3 * this.count++;
    if (at + 3 > this.#found.length) {
      const grown = new Int32Array(2 * this.#found.length);
      grown.set(this.#found);
      this.#found = grown;
    }
    this.#found[at] = from;
    this.#found[at + 1] = to;
    this.#found[at + 2] = kind;
  }

  /**
   * The end of the `origin` object at `at` with one non-empty `signature`
   * string among its members (the others skipped), its range kept in
   * `#signatureFrom` / `#signatureTo`; or -1.
   */
  #origin(p: Uint8Array, at: number, end: number): number {
    if (at >= end || p[at] !== LBRACE) return -1;
    let from = -1, to = -1;
    for (let i = at + 1;;) {
      let next: number;
      if (isMember(p, i, end, SIGNATURE)) {
        if (from >= 0) return -1;
        const value = i + SIGNATURE.length;
        next = quotedEnd(p, value, end);
        if (next < 0 || next === value + 2) return -1; // none or ""
        from = value + 1;
        to = next - 1;
      } else {
        const value = memberValue(p, i, end);
        if (value < 0) return -1;
        next = valueEnd(p, value, end, 1);
      }
      if (next < 0 || next >= end) return -1;
      if (p[next] === RBRACE) {
        if (from < 0) return -1;
        this.#signatureFrom = from;
        this.#signatureTo = to;
        return next + 1;
      }
      if (p[next] !== COMMA) return -1;
      i = next + 1;
    }
  }
}
