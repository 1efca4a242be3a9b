/**
 * The small part of ASN.1 DER and PEM that DIM keys and ECDSA signatures
 * need: read and write tag-length-value items, and PEM armour.
 *
 * @module
 */
import { base64Decode, base64Encode } from "./encoding.ts";

/** Thrown by the DER reader; callers turn it into their own typed error. */
export class DerError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** DER tags used here. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

/** One DER item. */
export interface Tlv {
  /** The tag byte. */
  readonly tag: number;
  /** The content bytes (a view into the input). */
  readonly value: Uint8Array;
  /** Offset just after the item. */
  readonly end: number;
}

/** Reads one item at `offset`; lengths must be minimal (DER). */
export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  if (offset + 2 > bytes.length) throw new DerError("truncated DER");
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length - 0x80;
    if (count < 1 || count > 3 || start + count > bytes.length) {
      throw new DerError("bad DER length");
    }
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    if (length < 0x80 || (count > 1 && bytes[start] === 0)) {
      throw new DerError("non-minimal DER length");
    }
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError("truncated DER");
  return { tag, value: bytes.subarray(start, end), end };
}

/** Reads the whole input as exactly one item of the expected tag. */
export function readOnly(bytes: Uint8Array, tag: number): Uint8Array {
  const tlv = readTlv(bytes);
  if (tlv.tag !== tag) throw new DerError(`expected DER tag ${tag}`);
  if (tlv.end !== bytes.length) throw new DerError("trailing bytes after DER");
  return tlv.value;
}

/** The items inside a constructed value (e.g. a SEQUENCE's content). */
export function readItems(content: Uint8Array): Tlv[] {
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < content.length) {
    const tlv = readTlv(content, offset);
    items.push(tlv);
    offset = tlv.end;
  }
  return items;
}

/** Concatenates byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The size of an item whose content is `length` bytes: its tag, its minimal
 * DER length and the content.
 *
 * @example
 * ```ts
 * import { tlvSize } from "./_der.ts";
 * tlvSize(0x7f); // 0x81: tag, 1 length byte, content
 * tlvSize(0x80); // 0x83: tag, 0x81 0x80, content
 * ```
 */
export function tlvSize(length: number): number {
  return length +
    (length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5);
}

/**
 * Writes the tag and the minimal DER length of an item whose content is
 * `length` bytes at `offset` of `out`; returns where the content starts.
 *
 * @example
 * ```ts
 * import { putTlvHeader, TAG } from "./_der.ts";
 * const out = new Uint8Array(3);
 * putTlvHeader(out, 0, TAG.INTEGER, 1); // 2 (out: 02 01 00)
 * ```
 */
export function putTlvHeader(
  out: Uint8Array,
  offset: number,
  tag: number,
  length: number,
): number {
  const count = length < 0x80
    ? 0
    : length < 0x100
    ? 1
    : length < 0x10000
    ? 2
    : 3;
  out[offset] = tag;
  out[offset + 1] = count === 0 ? length : 0x80 + count;
  for (let i = 0; i < count; i++) {
    out[offset + 2 + i] = (length >> (8 * (count - 1 - i))) & 0xff;
  }
  return offset + 2 + count;
}

/**
 * Writes one item with a minimal DER length: its tag, length and content in
 * one array (no copy of the content on its own first).
 */
export function writeTlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const part of content) n += part.length;
  const out = new Uint8Array(tlvSize(n));
  let offset = putTlvHeader(out, 0, tag, n);
  for (const part of content) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One PEM block: its label (`PUBLIC KEY`, `RSA PRIVATE KEY`, ...) and DER body. */
export interface PemBlock {
  /** The word between `BEGIN` and the dashes. */
  readonly label: string;
  /** The decoded body. */
  readonly der: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * All PEM blocks in `text`, in order (line breaks `\n` or `\r\n`, any line
 * length). `undefined` when the text has no armour at all.
 */
export function pemBlocks(text: string): PemBlock[] | undefined {
  if (!text.includes("-----BEGIN")) return undefined;
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    blocks.push({ label: match[1], der: base64Decode(match[2]) });
  }
  return blocks;
}

/** Writes DER as PEM with the given line length, lines joined by `\n`. */
export function pemEncode(
  label: string,
  der: Uint8Array,
  lineLength = 64,
  trailingNewline = false,
): string {
  const body = base64Encode(der);
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < body.length; i += lineLength) {
    lines.push(body.slice(i, i + lineLength));
  }
  lines.push(`-----END ${label}-----`);
  return lines.join("\n") + (trailingNewline ? "\n" : "");
}

/** Compares two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
