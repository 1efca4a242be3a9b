/**
 * A station message's envelope read from its frame's bytes (private to
 * `cli/bench`): the bench reads the station's receipt messages this way
 * instead of making a string of the whole frame and a JSON object of it
 * (a copy of `data` included, ~6.5 KB of a 7 KB message).
 *
 * @module
 */
import {
  isMember,
  isPaddedBase64,
  numberEnd,
  quotedEnd,
} from "./_json_bytes.ts";

/** The direction whose messages are read this way, as UTF-8 bytes. */
export interface SealedDirection {
  /** The sender's ID. */
  readonly sender: Uint8Array;
  /** The receiver's ID. */
  readonly receiver: Uint8Array;
  /** The sealed message key (`key`) the sender sends with each message. */
  readonly key: Uint8Array;
}

/** What the bench needs of a message {@link scanSealed} read. */
export interface SealedEnvelope {
  /** The message's JSON text (for the ordinary path, if it comes to that). */
  readonly text: string;
  /**
   * The ciphertext (`data` decoded), in a buffer the next
   * {@link scanSealed} decodes into again: decrypt it at once.
   */
  readonly data: Uint8Array;
  /** `IV`, if the message has one. */
  readonly iv: string | undefined;
}

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const EQUALS = 0x3d;

const SENDER = 1;
const RECEIVER = 2;
const TIME = 4;
const IV = 8;
const DATA = 16;
const KEY = 32;
const TYPE = 64;
const SIGNATURE = 128;
const REQUIRED = SENDER | RECEIVER | DATA | KEY | SIGNATURE;

const encoder = new TextEncoder();
const SENDER_NAME = encoder.encode('"sender":');
const RECEIVER_NAME = encoder.encode('"receiver":');
const TIME_NAME = encoder.encode('"time":');
const IV_NAME = encoder.encode('"IV":');
const DATA_NAME = encoder.encode('"data":');
const KEY_NAME = encoder.encode('"key":');
const TYPE_NAME = encoder.encode('"type":');
const SIGNATURE_NAME = encoder.encode('"signature":');
const MEMBER_OF = new Map<Uint8Array, number>([
  [SENDER_NAME, SENDER],
  [RECEIVER_NAME, RECEIVER],
  [TIME_NAME, TIME],
  [IV_NAME, IV],
  [DATA_NAME, DATA],
  [KEY_NAME, KEY],
  [TYPE_NAME, TYPE],
  [SIGNATURE_NAME, SIGNATURE],
]);
const ASCII = new TextDecoder();

/** The one member name that may begin at `at` (by its first letters). */
function nameAt(bytes: Uint8Array, at: number): Uint8Array | undefined {
  switch (bytes[at + 1]) {
    case 0x73: // s
      return bytes[at + 2] === 0x65 ? SENDER_NAME : SIGNATURE_NAME;
    case 0x72: // r
      return RECEIVER_NAME;
    case 0x74: // t
      return bytes[at + 2] === 0x69 ? TIME_NAME : TYPE_NAME;
    case 0x49: // I
      return IV_NAME;
    case 0x64: // d
      return DATA_NAME;
    case 0x6b: // k
      return KEY_NAME;
  }
  return undefined;
}

/**
 * The envelope of the message whose JSON is `bytes[start..end)` when it is
 * one of `direction`'s in the plain form a station writes — compact JSON
 * with `sender`, `receiver`, `data`, `key`, `signature` and optionally
 * `time`, `IV` and `type`, no other member (no group, `keys`, meta, visa,
 * traces), each once, IDs and key equal to the direction's bytes, `IV` and
 * `signature` padded base64, `data` padded base64 that decodes strictly,
 * numbers for `time` and `type` —; else `undefined` (anything unusual: the
 * caller parses the message the ordinary way).
 *
 * @example
 * ```ts ignore
 * const sealed = scanSealed(frame, 16, frame.length, direction);
 * if (sealed !== undefined) await password.decrypt(sealed.data, { IV: sealed.iv });
 * ```
 */
export function scanSealed(
  bytes: Uint8Array,
  start: number,
  end: number,
  direction: SealedDirection,
): SealedEnvelope | undefined {
  if (end - start < 2 || bytes[start] !== LBRACE) return undefined;
  let seen = 0;
  let dataFrom = -1, dataTo = -1, ivFrom = -1, ivTo = -1;
  for (let at = start + 1;;) {
    const name = nameAt(bytes, at);
    if (name === undefined || !isMember(bytes, at, end, name)) return undefined;
    const member = MEMBER_OF.get(name)!;
    const value = at + name.length;
    if ((seen & member) !== 0) return undefined;
    seen |= member;
    let next: number;
    if (member === TIME || member === TYPE) {
      next = numberEnd(bytes, value, end);
      if (next < 0) return undefined;
    } else {
      next = quotedEnd(bytes, value, end);
      if (next < 0) return undefined;
      const from = value + 1, to = next - 1;
      switch (member) {
        case SENDER:
          if (!equalAt(bytes, from, to, direction.sender)) return undefined;
          break;
        case RECEIVER:
          if (!equalAt(bytes, from, to, direction.receiver)) return undefined;
          break;
        case KEY:
          if (!equalAt(bytes, from, to, direction.key)) return undefined;
          break;
        case IV:
          if (!isPaddedBase64(bytes, from, to)) return undefined;
          ivFrom = from - start;
          ivTo = to - start;
          break;
        case SIGNATURE:
          if (!isPaddedBase64(bytes, from, to)) return undefined;
          break;
        case DATA:
          dataFrom = from - start;
          dataTo = to - start;
          break;
      }
    }
    if (next >= end) return undefined;
    if (bytes[next] === RBRACE) {
      if (next !== end - 1) return undefined;
      break;
    }
    if (bytes[next] !== COMMA) return undefined;
    at = next + 1;
  }
  if ((seen & REQUIRED) !== REQUIRED) return undefined;
  // the byte offsets are the text's only when every byte is ASCII (one
  // character per byte; `data`'s bytes were not looked at yet)
  const text = ASCII.decode(bytes.subarray(start, end));
  if (text.length !== end - start) return undefined;
  const data = decodeStrictly(text, dataFrom, dataTo);
  if (data === undefined) return undefined;
  return {
    text,
    data,
    iv: ivFrom < 0 ? undefined : text.slice(ivFrom, ivTo),
  };
}

/** Whether `bytes[from..to)` are `expected`. */
function equalAt(
  bytes: Uint8Array,
  from: number,
  to: number,
  expected: Uint8Array,
): boolean {
  return to - from === expected.length && isMember(bytes, from, to, expected);
}

/**
 * What {@link decodeStrictly} decodes into, grown as needed: a new
 * `Uint8Array` per message (`fromBase64`) is a backing store each — in the
 * bench's profile ~20 µs per receipt message, against ~1 µs into this.
 */
let scratch = new Uint8Array(16 * 1024);

/**
 * `text[from..to)` decoded as padded base64 with nothing else in it (what
 * `decodeTed` returns for it then) into {@link scratch}, or `undefined`.
 */
function decodeStrictly(
  text: string,
  from: number,
  to: number,
): Uint8Array | undefined {
  const length = to - from;
  if (length < 4 || length % 4 !== 0) return undefined;
  let padding = 0;
  if (text.charCodeAt(to - 1) === EQUALS) padding++;
  if (text.charCodeAt(to - 2) === EQUALS) padding++;
  const size = (length / 4) * 3 - padding;
  if (scratch.length < size) scratch = new Uint8Array(2 * size);
  let decoded: { read: number; written: number };
  try {
    decoded = scratch.setFromBase64(text.slice(from, to), {
      lastChunkHandling: "strict",
    });
  } catch {
    return undefined;
  }
  // white space is skipped by the decoder: then fewer bytes come out
  return decoded.read === length && decoded.written === size
    ? scratch.subarray(0, size)
    : undefined;
}
