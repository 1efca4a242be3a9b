/**
 * MTP, the "DIM" binary framing (transport.md §3): header parse/build, an
 * incremental stream decoder that resynchronises after junk, and the
 * transaction-ID (sn) generator.
 *
 * @module
 */
import { DecoderInput } from "./_decoder_input.ts";
import type { ByteSlab } from "./byte_slab.ts";
import {
  byteLength,
  encodeTextInto,
  partialSuffixLength,
  readU32,
  startsWith,
  textLength,
  utf8,
  writeBytes,
  writeU32,
} from "./_bytes.ts";
import type { Payload, TextParts } from "./endpoint.ts";
import { FramingError } from "./errors.ts";

/** MTP data types (the low nibble of header byte 3). */
export const MtpType = {
  COMMAND: 0x0,
  COMMAND_RESPONSE: 0x1,
  MESSAGE: 0x2,
  MESSAGE_RESPONSE: 0x3,
  MESSAGE_FRAGMENT: 0xa,
} as const;

/** One of the {@linkcode MtpType} values. */
export type MtpDataType = typeof MtpType[keyof typeof MtpType];

/** The largest body length a header may carry (1 GiB). */
export const MTP_MAX_BODY_LENGTH = 1 << 30;
/** The largest page count of a fragment header. */
export const MTP_MAX_PAGES = 2_097_152;

const MAGIC = utf8("DIM");
const TYPES: ReadonlySet<number> = new Set(Object.values(MtpType));

/** A parsed MTP header. */
export interface MtpHeader {
  /** Header size in bytes: 4 × the HL nibble (4…24). */
  readonly headerLength: number;
  /** The data type. */
  readonly type: MtpDataType;
  /** The 8-byte transaction ID (zeros when the header has none). */
  readonly sn: Uint8Array;
  /** The sn's first 4 bytes as a big-endian number (what acknowledgement keys and answers need, without the array). */
  readonly snHi: number;
  /** The sn's last 4 bytes as a big-endian number. */
  readonly snLo: number;
  /** Fragment count (1 unless a fragment header). */
  readonly pages: number;
  /** Fragment index, 0 … pages − 1. */
  readonly index: number;
  /** Body length, or -1 for the UDP forms without one (HL 1, 3, 5). */
  readonly bodyLength: number;
}

/** A header and its body. */
export interface MtpPackage {
  /** The header. */
  readonly header: MtpHeader;
  /** The body bytes. */
  readonly body: Uint8Array;
}

/** What to build: a type, an 8-byte sn, fragment position and a body. */
export interface MtpPackageInit {
  /** The data type. */
  readonly type: MtpDataType;
  /** The 8-byte transaction ID; without it, {@link MtpPackageInit.snHi} and {@link MtpPackageInit.snLo} (zeros when neither). */
  readonly sn?: Uint8Array;
  /** The sn's first 4 bytes as a big-endian number (when no `sn` is given). */
  readonly snHi?: number;
  /** The sn's last 4 bytes as a big-endian number (when no `sn` is given). */
  readonly snLo?: number;
  /** Fragment count; a header with pages/index is written only when > 1. */
  readonly pages?: number;
  /** Fragment index. */
  readonly index?: number;
  /** The body (text is written as UTF-8). */
  readonly body: Payload;
}

const ZERO_SN = new Uint8Array(8);

/**
 * Parses the MTP header at `offset` with the reference rules (any HL 1…6).
 * Returns `"incomplete"` when more bytes are needed and `"invalid"` when the
 * bytes are no header (bad magic, HL 0/7+, type, pages, index, body length).
 * The `sn` is a view of `bytes`.
 *
 * @example
 * ```ts
 * import { parseMtpHeader } from "./mtp.ts";
 * const head = parseMtpHeader(new Uint8Array([0x44, 0x49, 0x4d, 0x22, 0, 0, 0, 2]));
 * console.assert(typeof head === "object" && head.bodyLength === 2);
 * ```
 */
export function parseMtpHeader(
  bytes: Uint8Array,
  offset = 0,
): MtpHeader | "incomplete" | "invalid" {
  const available = bytes.length - offset;
  for (let i = 0; i < Math.min(3, available); i++) {
    if (bytes[offset + i] !== MAGIC[i]) return "invalid";
  }
  if (available < 4) return "incomplete";
  const words = bytes[offset + 3] >> 4;
  const type = bytes[offset + 3] & 0x0f;
  if (words < 1 || words > 6 || !TYPES.has(type)) return "invalid";
  const headerLength = words * 4;
  if (available < headerLength) return "incomplete";
  let at = offset + 4;
  let sn: Uint8Array = ZERO_SN;
  let snHi = 0;
  let snLo = 0;
  let pages = 1;
  let index = 0;
  let bodyLength = -1;
  if (words >= 3) {
    sn = bytes.subarray(at, at + 8);
    snHi = readU32(bytes, at);
    snLo = readU32(bytes, at + 4);
    at += 8;
  }
  if (words >= 5) {
    pages = readU32(bytes, at);
    index = readU32(bytes, at + 4);
    at += 8;
  }
  if (words % 2 === 0) bodyLength = readU32(bytes, at);
  if (pages < 1 || pages > MTP_MAX_PAGES || index >= pages) return "invalid";
  if (bodyLength > MTP_MAX_BODY_LENGTH) return "invalid";
  return {
    headerLength,
    type: type as MtpDataType,
    sn,
    snHi,
    snLo,
    pages,
    index,
    bodyLength,
  };
}

/**
 * Parses one package at the start of `bytes`: its header and body (for the UDP
 * header forms without a body length, the rest of `bytes`).
 *
 * @example
 * ```ts
 * import { parseMtpPackage } from "./mtp.ts";
 * const pkg = parseMtpPackage(new Uint8Array([0x44, 0x49, 0x4d, 0x22, 0, 0, 0, 1, 0x78]));
 * console.assert(typeof pkg === "object" && pkg.body[0] === 0x78);
 * ```
 */
export function parseMtpPackage(
  bytes: Uint8Array,
): MtpPackage | "incomplete" | "invalid" {
  const header = parseMtpHeader(bytes);
  if (typeof header === "string") return header;
  const start = header.headerLength;
  if (header.bodyLength < 0) return { header, body: bytes.subarray(start) };
  if (bytes.length < start + header.bodyLength) return "incomplete";
  return { header, body: bytes.subarray(start, start + header.bodyLength) };
}

/**
 * Builds a TCP package: HL 4 (`DIM`, byte 3, sn, body length) for normal
 * packets, HL 6 (with pages and index) when `pages > 1`, HL 2 when the sn is
 * all zeros.
 *
 * @example
 * ```ts
 * import { encodeMtpPackage, MtpType } from "./mtp.ts";
 * const sn = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
 * const ok = encodeMtpPackage({ type: MtpType.MESSAGE_RESPONSE, sn, body: new TextEncoder().encode("OK") });
 * console.assert(ok.length === 18 && ok[3] === 0x43);
 * ```
 */
export function encodeMtpPackage(init: MtpPackageInit): Uint8Array {
  return encodeMtpPackageIn(undefined, init);
}

/**
 * {@link encodeMtpPackage} with the bytes from `slab` (an endpoint's, see
 * `byte_slab.ts`); without one, a new array.
 *
 * @example
 * ```ts
 * import { encodeMtpPackage, encodeMtpPackageIn, MtpType } from "./mtp.ts";
 * const init = { type: MtpType.MESSAGE, sn: new Uint8Array(8).fill(1), body: "{}" } as const;
 * console.assert(encodeMtpPackageIn(undefined, init).join() === encodeMtpPackage(init).join());
 * ```
 */
export function encodeMtpPackageIn(
  slab: ByteSlab | undefined,
  init: MtpPackageInit,
): Uint8Array {
  const words = _headerWords(init);
  const headerLength = words * 4;
  const body = init.body;
  let out: Uint8Array;
  if (body instanceof Uint8Array) {
    out = slab?.alloc(headerLength + body.length) ??
      new Uint8Array(headerLength + body.length);
    out.set(body, headerLength);
  } else {
    out = _withText(headerLength, body, slab);
  }
  _writeHeader(out, words, init, out.length - headerLength);
  return out;
}

/**
 * {@link encodeMtpPackage} written at the start of `into` (a writer's
 * buffer: no array of its own); the package's length, or -1 when `into` is
 * too short for it (its bytes are then unspecified). A text body needs at
 * most {@link mtpPackageMaxLength} bytes.
 *
 * @example
 * ```ts
 * import { encodeMtpPackage, encodeMtpPackageInto, MtpType } from "./mtp.ts";
 * const init = { type: MtpType.MESSAGE, snHi: 1, snLo: 2, body: "{}" } as const;
 * const into = new Uint8Array(64);
 * const length = encodeMtpPackageInto(into, init);
 * console.assert(into.subarray(0, length).join() === encodeMtpPackage(init).join());
 * console.assert(encodeMtpPackageInto(new Uint8Array(8), init) === -1);
 * ```
 */
export function encodeMtpPackageInto(
  into: Uint8Array,
  init: MtpPackageInit,
): number {
  const words = _headerWords(init);
  const headerLength = words * 4;
  const body = init.body;
  let bodyLength: number;
  if (body instanceof Uint8Array) {
    bodyLength = body.length;
    if (headerLength + bodyLength > into.length) return -1;
    into.set(body, headerLength);
  } else {
    // nearly always ASCII: then as many bytes as UTF-16 units
    if (headerLength + textLength(body) > into.length) return -1;
    bodyLength = encodeTextInto(into.subarray(headerLength), body);
    if (bodyLength < 0) return -1;
  }
  _writeHeader(into, words, init, bodyLength);
  return headerLength + bodyLength;
}

/**
 * The most bytes the package of `init` takes (a text body is counted at
 * three bytes per UTF-16 unit, UTF-8's most).
 *
 * @example
 * ```ts
 * import { mtpPackageMaxLength, MtpType } from "./mtp.ts";
 * // a 16-byte header (it has an sn) and at most 3 bytes per character of "{}"
 * console.assert(mtpPackageMaxLength({ type: MtpType.MESSAGE, snLo: 1, body: "{}" }) === 16 + 6);
 * ```
 */
export function mtpPackageMaxLength(init: MtpPackageInit): number {
  const body = init.body;
  return _headerWords(init) * 4 +
    (body instanceof Uint8Array ? body.length : 3 * textLength(body));
}

/** The header's length in 4-byte words: 6 for a fragment, 4 with an sn, else 2. */
function _headerWords(init: MtpPackageInit): number {
  if ((init.pages ?? 1) > 1) return 6;
  const sn = init.sn;
  if (sn === undefined) {
    return (init.snHi ?? 0) !== 0 || (init.snLo ?? 0) !== 0 ? 4 : 2;
  }
  // all 8 bytes every time: a loop that returned at the first byte (a
  // random sn's is almost never 0) left its increment without type
  // feedback, and the optimised encoder was dropped at the first sn that
  // starts with a 0 byte
  let bits = 0;
  for (let i = 0; i < 8; i++) bits |= sn[i];
  return bits !== 0 ? 4 : 2;
}

/** Writes the header of `words` words for `init` and a body of `bodyLength` bytes. */
function _writeHeader(
  out: Uint8Array,
  words: number,
  init: MtpPackageInit,
  bodyLength: number,
): void {
  out[0] = MAGIC[0];
  out[1] = MAGIC[1];
  out[2] = MAGIC[2];
  out[3] = (words << 4) | init.type;
  let at = 4;
  if (words >= 4) {
    const sn = init.sn;
    if (sn !== undefined) {
      for (let i = 0; i < 8; i++) out[at + i] = sn[i];
    } else {
      writeU32(out, at, init.snHi ?? 0);
      writeU32(out, at + 4, init.snLo ?? 0);
    }
    at += 8;
  }
  if (words === 6) {
    writeU32(out, at, init.pages ?? 1);
    writeU32(out, at + 4, init.index ?? 0);
    at += 8;
  }
  writeU32(out, at, bodyLength);
}

/**
 * `headerLength` free bytes followed by `text` as UTF-8. A message is JSON
 * with base64 members, nearly always ASCII: it is encoded in place into an
 * array of its UTF-16 length, and counted first only when it is not.
 */
function _withText(
  headerLength: number,
  text: string | TextParts,
  slab: ByteSlab | undefined,
): Uint8Array {
  const length = textLength(text);
  const out = slab?.alloc(headerLength + length) ??
    new Uint8Array(headerLength + length);
  const written = encodeTextInto(out.subarray(headerLength), text);
  if (written === length) return out;
  const wide = new Uint8Array(headerLength + byteLength(text));
  writeBytes(wide, headerLength, text);
  return wide;
}

/** Limits of an {@linkcode MtpDecoder}. */
export interface MtpDecoderOptions {
  /** Largest accepted body; a header announcing more is a `too-large` error. */
  readonly maxBodyLength?: number;
  /** Consecutive junk bytes tolerated before a `junk` error (64 KiB). */
  readonly maxJunk?: number;
  /** Where the packages' bytes are copied to (default: an array each). */
  readonly slab?: ByteSlab;
  /**
   * A package's body is a view of the received bytes instead of a copy, valid
   * until the next {@link MtpDecoder.push}: for a caller that reads each body
   * before it pushes more (an endpoint decodes it to text at once). No backing
   * store per received package, and none kept alive by a body.
   */
  readonly viewBodies?: boolean;
}

/**
 * A header an {@link MtpDecoder} read: its sn kept as two numbers, the
 * 8 bytes made only when asked for (an endpoint needs the numbers only).
 */
class _ReadHeader implements MtpHeader {
  readonly headerLength: number;
  readonly type: MtpDataType;
  readonly snHi: number;
  readonly snLo: number;
  readonly pages: number;
  readonly index: number;
  readonly bodyLength: number;

  constructor(
    headerLength: number,
    type: MtpDataType,
    snHi: number,
    snLo: number,
    pages: number,
    index: number,
    bodyLength: number,
  ) {
    this.headerLength = headerLength;
    this.type = type;
    this.snHi = snHi;
    this.snLo = snLo;
    this.pages = pages;
    this.index = index;
    this.bodyLength = bodyLength;
  }

  get sn(): Uint8Array {
    const sn = new Uint8Array(8);
    writeU32(sn, 0, this.snHi);
    writeU32(sn, 4, this.snLo);
    return sn;
  }
}

/**
 * Cuts a TCP byte stream into MTP packages, whatever the read boundaries.
 * Junk before a header is skipped to the next `DIM` (transport.md §3.5, with
 * the reference's two-bogus-`DIM` bug fixed); only HL 2, 4 and 6 (the forms
 * with a body length) are headers on TCP. Push bytes, then call
 * {@linkcode MtpDecoder.next} until it returns `null`.
 *
 * @example
 * ```ts
 * import { encodeMtpPackage, MtpDecoder, MtpType } from "./mtp.ts";
 * const pkt = encodeMtpPackage({ type: MtpType.COMMAND, sn: new Uint8Array(8).fill(1), body: new Uint8Array([0x50]) });
 * const decoder = new MtpDecoder();
 * for (const b of pkt) decoder.push(new Uint8Array([b]));
 * console.assert(decoder.next()?.body[0] === 0x50);
 * ```
 */
export class MtpDecoder {
  readonly #input: DecoderInput;
  readonly #maxBodyLength: number;
  readonly #slab: ByteSlab | undefined;
  readonly #viewBodies: boolean;

  /** A decoder with the given limits. */
  constructor(options: MtpDecoderOptions = {}) {
    this.#slab = options.slab;
    this.#viewBodies = options.viewBodies ?? false;
    this.#maxBodyLength = Math.min(
      options.maxBodyLength ?? MTP_MAX_BODY_LENGTH,
      MTP_MAX_BODY_LENGTH,
    );
    this.#input = new DecoderInput("an MTP header", options.maxJunk);
  }

  /** Bytes buffered and not yet returned as a package. */
  get bufferedBytes(): number {
    return this.#input.length;
  }

  /**
   * Appends received bytes. They are read in place (no copy of a read
   * holding whole packages) until {@link MtpDecoder.next} returns `null`:
   * do not change them before.
   */
  push(chunk: Uint8Array): void {
    this.#input.lend(chunk);
  }

  /**
   * The next complete package, or `null` when more bytes are needed.
   *
   * @throws {FramingError} `too-large` when a header announces a body over the
   *   cap; `junk` after too many bytes that are no header.
   */
  next(): MtpPackage | null {
    // read through the queue: no view or header object per package
    const input = this.#input;
    while (input.length > 0) {
      const length = input.length;
      if (
        input.at(0) !== MAGIC[0] || (length > 1 && input.at(1) !== MAGIC[1]) ||
        (length > 2 && input.at(2) !== MAGIC[2])
      ) {
        this.#skipToMagic(input.view());
        continue;
      }
      if (length < 4) return this.#needMore();
      const words = input.at(3) >> 4;
      const type = input.at(3) & 0x0f;
      if ((words !== 2 && words !== 4 && words !== 6) || !TYPES.has(type)) {
        input.skip(1);
        continue;
      }
      const headerLength = words * 4;
      if (length < headerLength) return this.#needMore();
      const bodyLength = input.u32(headerLength - 4);
      const pages = words === 6 ? input.u32(12) : 1;
      const index = words === 6 ? input.u32(16) : 0;
      if (bodyLength > MTP_MAX_BODY_LENGTH) this.#tooLarge(bodyLength);
      if (pages < 1 || pages > MTP_MAX_PAGES || index >= pages) {
        input.skip(1);
        continue;
      }
      if (bodyLength > this.#maxBodyLength) this.#tooLarge(bodyLength);
      const total = headerLength + bodyLength;
      if (length < total) return this.#needMore(total);
      // the sn as two numbers, one copy of the body (or none): no view of
      // the header
      const snHi = words === 2 ? 0 : input.u32(4);
      const snLo = words === 2 ? 0 : input.u32(8);
      input.consume(headerLength);
      const body = this.#viewBodies
        ? input.takeView(bodyLength)
        : input.take(bodyLength, this.#slab);
      return {
        header: new _ReadHeader(
          headerLength,
          type as MtpDataType,
          snHi,
          snLo,
          pages,
          index,
          bodyLength,
        ),
        body,
      };
    }
    return this.#needMore();
  }

  /**
   * `null`: more bytes are needed; the rest of lent bytes is kept as a copy
   * (with room for the package's `total` bytes when its header was read).
   */
  #needMore(total = 0): null {
    this.#input.own(total);
    return null;
  }

  #tooLarge(length: number): never {
    throw new FramingError(
      "too-large",
      `MTP body of ${length} bytes exceeds the limit of ${this.#maxBodyLength}`,
    );
  }

  #skipToMagic(view: Uint8Array): void {
    let next = -1;
    for (
      let i = view.indexOf(MAGIC[0], 1);
      i >= 0;
      i = view.indexOf(MAGIC[0], i + 1)
    ) {
      if (startsWith(MAGIC, view.subarray(i, i + 3))) {
        next = i;
        break;
      }
    }
    this.#input.skip(
      next >= 0 ? next : view.length - partialSuffixLength(view, MAGIC),
    );
  }
}

/**
 * Generates transaction IDs: a 64-bit big-endian counter (`hi32 ‖ lo32`)
 * seeded randomly, incremented with carry (transport.md §3.1).
 *
 * @example
 * ```ts
 * import { MtpSerials } from "./mtp.ts";
 * const serials = new MtpSerials(0, 0xffffffff);
 * console.assert(serials.next()[3] === 1);
 * ```
 */
export class MtpSerials {
  #hi: number;
  #lo: number;

  /** A counter starting after `hi ‖ lo` (random when omitted). */
  constructor(hi?: number, lo?: number) {
    const seed = crypto.getRandomValues(new Uint32Array(2));
    this.#hi = hi ?? seed[0];
    this.#lo = lo ?? seed[1];
  }

  /** The next 8-byte sn (into `into` when given, else a new array). */
  next(into: Uint8Array = new Uint8Array(8)): Uint8Array {
    this.#lo = (this.#lo + 1) >>> 0;
    if (this.#lo === 0) this.#hi = (this.#hi + 1) >>> 0;
    writeU32(into, 0, this.#hi);
    writeU32(into, 4, this.#lo);
    return into;
  }
}
