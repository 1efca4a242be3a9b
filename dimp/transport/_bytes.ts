/**
 * Byte helpers shared by the framing codecs (private to `dimp/transport`).
 *
 * @module
 */

import type { Base64Part, Payload, TextParts } from "./endpoint.ts";

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `a` followed by `b` in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Whether `bytes[at..]` starts with `prefix`. */
export function startsWith(
  bytes: Uint8Array,
  prefix: Uint8Array,
  at = 0,
): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false;
  }
  return true;
}

/** Whether the two arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

/** The first index `>= from` where `needle` occurs in `bytes`, or -1. */
export function indexOfBytes(
  bytes: Uint8Array,
  needle: Uint8Array,
  from = 0,
): number {
  const first = needle[0];
  const last = bytes.length - needle.length;
  for (let i = bytes.indexOf(first, from); i >= 0 && i <= last;) {
    if (startsWith(bytes, needle, i)) return i;
    i = bytes.indexOf(first, i + 1);
  }
  return -1;
}

/**
 * How many bytes at the end of `bytes` (at most `needle.length - 1`) are a
 * proper prefix of `needle`, i.e. may become `needle` with more data.
 */
export function partialSuffixLength(
  bytes: Uint8Array,
  needle: Uint8Array,
): number {
  const longest = Math.min(needle.length - 1, bytes.length);
  for (let n = longest; n > 0; n--) {
    if (startsWith(needle, bytes.subarray(bytes.length - n))) return n;
  }
  return 0;
}

/** The big-endian unsigned 32-bit integer at `at`. */
export function readU32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] * 0x1000000) +
    ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3])
  );
}

/** Writes `value` as a big-endian unsigned 32-bit integer at `at`. */
export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** The UTF-8 length of `text` (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else {
        length += 3;
      }
    } else {
      length += 3;
    }
  }
  return length;
}

/** `data` as bytes (text encoded as UTF-8). */
export function toBytes(data: Payload): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return encoder.encode(data);
  const out = new Uint8Array(byteLength(data));
  writeBytes(out, 0, data);
  return out;
}

/** Payloads joined by `\n` (text stays text). */
export function joinLines(payloads: readonly Payload[]): Payload {
  const texts: string[] = [];
  for (const p of payloads) {
    if (p instanceof Uint8Array) break;
    texts.push(typeof p === "string" ? p : _joined(p));
  }
  if (texts.length === payloads.length) return texts.join("\n");
  const parts: Uint8Array[] = [];
  payloads.forEach((p, i) =>
    parts.push(...(i > 0 ? [NEWLINE, toBytes(p)] : [toBytes(p)]))
  );
  return concatBytes(...parts);
}

const NEWLINE = new Uint8Array([0x0a]);

/** The byte length of `data` (UTF-8 for text). */
export function byteLength(data: Payload): number {
  if (data instanceof Uint8Array) return data.length;
  if (typeof data === "string") return utf8Length(data);
  let length = 0;
  for (const part of data) {
    length += typeof part === "string" ? utf8Length(part) : _base64Length(part);
  }
  return length;
}

/**
 * Writes `data` into `out` at `at` (text as UTF-8, without an intermediate
 * array: small typed-array allocations are costly in Deno; text in parts
 * part after part); returns the end.
 */
export function writeBytes(
  out: Uint8Array,
  at: number,
  data: Payload,
): number {
  if (data instanceof Uint8Array) {
    out.set(data, at);
    return at + data.length;
  }
  if (typeof data === "string") {
    return at + encoder.encodeInto(data, out.subarray(at)).written;
  }
  for (const part of data) {
    at = typeof part === "string"
      ? at + encoder.encodeInto(part, out.subarray(at)).written
      : _writeBase64(out, at, part.base64);
  }
  return at;
}

/**
 * Writes text (in parts) as UTF-8 at the start of `into`, part after
 * part, with no flattened copy of the whole; its byte length, or -1 when
 * `into` is too short.
 */
export function encodeTextInto(
  into: Uint8Array,
  text: string | TextParts,
): number {
  if (typeof text === "string") {
    const { read, written } = encoder.encodeInto(text, into);
    return read < text.length ? -1 : written;
  }
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const part = text[i];
    if (typeof part !== "string") {
      // written from the bytes: no text of them is made
      if (at + _base64Length(part) > into.length) return -1;
      at = _writeBase64(into, at, part.base64);
      continue;
    }
    // a short part after the first byte by byte: no view of `into` for it
    let end = i > 0 && part.length <= SHORT_PART
      ? _writeAscii(into, at, part)
      : -1;
    if (end < 0) {
      const { read, written } = encoder.encodeInto(
        part,
        at === 0 ? into : into.subarray(at),
      );
      if (read < part.length) return -1;
      end = at + written;
    }
    at = end;
  }
  return at;
}

/** Parts up to this length are written by {@link _writeAscii}. */
const SHORT_PART = 1024;

/**
 * `text` written at `at` when it is ASCII and fits: the end; else -1 (the
 * caller encodes it; what was written here is overwritten).
 */
function _writeAscii(into: Uint8Array, at: number, text: string): number {
  const end = at + text.length;
  if (end > into.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    into[at + i] = c;
  }
  return end;
}

/** The length of text (in parts) in UTF-16 units. */
export function textLength(text: string | TextParts): number {
  if (typeof text === "string") return text.length;
  let length = 0;
  for (const part of text) {
    length += typeof part === "string" ? part.length : _base64Length(part);
  }
  return length;
}

/** The parts as one text (a {@link Base64Part}'s base64 made now). */
function _joined(parts: TextParts): string {
  return parts.map((part) =>
    typeof part === "string" ? part : part.base64.toBase64()
  ).join("");
}

/** The standard base64 alphabet, as bytes. */
const BASE64 = encoder.encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);
const PAD = 0x3d; // =

/**
 * Writes the padded base64 of `bytes` at `at` (room for it checked by the
 * caller); returns the end.
 */
function _writeBase64(into: Uint8Array, at: number, bytes: Uint8Array): number {
  const rest = bytes.length % 3;
  const whole = bytes.length - rest;
  let i = 0;
  for (; i < whole; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    into[at] = BASE64[n >>> 18];
    into[at + 1] = BASE64[(n >>> 12) & 63];
    into[at + 2] = BASE64[(n >>> 6) & 63];
    into[at + 3] = BASE64[n & 63];
    at += 4;
  }
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    into[at] = BASE64[n >>> 18];
    into[at + 1] = BASE64[(n >>> 12) & 63];
    into[at + 2] = rest === 2 ? BASE64[(n >>> 6) & 63] : PAD;
    into[at + 3] = PAD;
    at += 4;
  }
  return at;
}

/** The length of a {@link Base64Part}'s base64 (ASCII: bytes and units). */
function _base64Length(part: Base64Part): number {
  return 4 * Math.ceil(part.base64.length / 3);
}
