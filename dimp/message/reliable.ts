/**
 * ReliableMessage: a signed secure message, the one thing that travels
 * (spec messages.md §1, §2.3, §4). {@link ReliableMessage.parse} is the
 * station's hot path: JSON parse plus checks of what routing relies on
 * (`sender`, `receiver`, `data` present, `signature` well-formed base64);
 * everything else is read lazily, and nothing of the encrypted content is
 * decoded.
 *
 * @module
 */
import { decodeTed, utf8Decode } from "../crypto/mod.ts";
import { fixAttachments } from "../content/compat.ts";
import { isRecord } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { requireData, requireId, requireRecord } from "./_require.ts";
import { MessageFormatError, MessageTooLargeError } from "./errors.ts";
import { dataMadeHere, SecureMessage } from "./secure.ts";
import { expandMessageKeys } from "./short_keys.ts";
import type { TextParts } from "../transport/endpoint.ts";

/**
 * Default size limit of {@link ReliableMessage.parse}: 1 MiB, the
 * transport's default frame cap.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Options of {@link ReliableMessage.parse}.
 *
 * @example
 * ```ts
 * const options: MessageParseOptions = { maxBytes: 16 * 1024 * 1024 };
 * ```
 */
export interface MessageParseOptions {
  /**
   * Largest serialized message accepted: bytes for a `Uint8Array`, UTF-16
   * units for a string (default {@link MAX_MESSAGE_BYTES}).
   */
  readonly maxBytes?: number;
}

/**
 * `text` (a JSON object with at least one member) with `"name": value`
 * added before its closing brace (`json`: the value's JSON text);
 * `undefined` when it does not end so.
 */
function _appendMember(
  text: string,
  name: string,
  json: string,
): [string, string] | undefined {
  let end = text.length - 1;
  while (end > 0 && _isJsonSpace(text.charCodeAt(end))) end--;
  if (text.charCodeAt(end) !== 0x7d) return undefined; // }
  let last = end - 1;
  while (last > 0 && _isJsonSpace(text.charCodeAt(last))) last--;
  if (last <= 0 || text.charCodeAt(last) === 0x7b) return undefined; // {}
  // a view of the received text, and the small rest
  return [
    text.slice(0, end),
    `,${JSON.stringify(name)}:${json}${text.slice(end)}`,
  ];
}

/**
 * The compact JSON of `dict` in three parts — up to the opening quote of
 * its `data` string, `data` as the bytes it is the base64 of (`bytes`:
 * made here, no escape needed; the text is made when written), the rest.
 */
function _splitAtData(
  dict: Record<string, unknown>,
  bytes: Uint8Array,
): TextParts {
  // joined, not concatenated: each part one flat string, written as it is
  const head: string[] = ["{"];
  const tail: string[] = ['"'];
  let into = head;
  for (const name in dict) {
    if (!Object.hasOwn(dict, name)) continue;
    if (name === "data") {
      if (head.length > 1) head.push(",");
      head.push('"data":"');
      into = tail;
      continue;
    }
    const json = JSON.stringify(dict[name]);
    if (json === undefined) continue;
    // after `data` every member follows another
    if (into === tail || head.length > 1) into.push(",");
    into.push(JSON.stringify(name), ":", json);
  }
  tail.push("}");
  return [head.join(""), { base64: bytes }, tail.join("")];
}

function _isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Padded base64 with at least one data character: always decodes, never to nothing. */
const PLAIN_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function parseText(
  input: string | Uint8Array,
  maxBytes: number,
): { text: string; value: unknown } {
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > maxBytes) throw new MessageTooLargeError(size, maxBytes);
  if (size <= 4) throw new MessageFormatError(undefined, "message too short");
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    // the replacing decoder is ~10x faster than the fatal one; bad bytes
    // always leave a U+FFFD, and only then the strict decoder decides
    text = LENIENT_UTF8.decode(input);
    if (text.includes("\uFFFD")) {
      try {
        text = utf8Decode(input);
      } catch (e) {
        throw new MessageFormatError(undefined, "not UTF-8", { cause: e });
      }
    }
  }
  try {
    return { text, value: JSON.parse(text) };
  } catch (e) {
    throw new MessageFormatError(undefined, "not JSON", { cause: e });
  }
}

/**
 * `{sender, receiver, time, [group], [type], [IV], data, key | keys,
 * signature, [meta], [visa], [traces], ...}`. Unknown members are kept and
 * forwarded.
 *
 * @example
 * ```ts ignore
 * const msg = ReliableMessage.parse(frame); // throws MessageError subclasses
 * if (msg.isBroadcast) fanOut(msg); else deliver(msg.receiver, msg.serialize());
 * ```
 */
export class ReliableMessage extends SecureMessage {
  /** The signature bytes, decoded when first asked for. */
  #signature: Uint8Array | undefined;
  #text: string | undefined;
  /** The text as the received text and an appended member, not joined. */
  #parts: readonly string[] | undefined;

  /**
   * Reads a reliable message from its wire form (UTF-8 bytes or a string) or
   * from a parsed dictionary (not copied). Expands the v2.x short member
   * names and normalises attached `meta` / `visa` (spec §5.3, §3.8).
   *
   * @throws {MessageTooLargeError} over `options.maxBytes`
   * @throws {MessageFormatError} not UTF-8 / JSON / an object; `sender` or
   *   `receiver` missing or not an ID; `data` missing or not a string;
   *   `signature` missing, not a string or not base64
   */
  static override parse(
    input: string | Uint8Array | Record<string, unknown>,
    options: MessageParseOptions = {},
  ): ReliableMessage {
    let text: string | undefined;
    let value: unknown = input;
    if (typeof input === "string" || input instanceof Uint8Array) {
      ({ text, value } = parseText(
        input,
        options.maxBytes ?? MAX_MESSAGE_BYTES,
      ));
    }
    const dict = requireRecord(value);
    if (expandMessageKeys(dict)) text = undefined;
    if (dict.meta !== undefined || dict.visa !== undefined) {
      fixAttachments(dict);
      text = undefined;
    }
    const sender = requireId(dict, "sender");
    const receiver = requireId(dict, "receiver");
    requireData(dict);
    const signature = dict.signature;
    if (typeof signature !== "string" || signature === "") {
      throw new MessageFormatError(
        "signature",
        signature === undefined || signature === ""
          ? "missing"
          : "not a string",
      );
    }
    // plain padded base64 (every real signature) is decoded when first
    // asked for: a routed message's never is; anything else now
    let bytes: Uint8Array | undefined;
    if (signature.length % 4 !== 0 || !PLAIN_BASE64.test(signature)) {
      try {
        bytes = decodeTed(signature);
      } catch (e) {
        throw new MessageFormatError("signature", "not base64", { cause: e });
      }
      if (bytes.length === 0) {
        throw new MessageFormatError("signature", "empty");
      }
    }
    const msg = new ReliableMessage(dict, sender, receiver);
    msg.#signature = bytes;
    msg.#text = text;
    return msg;
  }

  /** `signature` as received (base64). */
  get signature(): string {
    return this.dictionary.signature as string;
  }

  /** The signature bytes (decoded by {@link ReliableMessage.parse}). */
  get signatureBytes(): Uint8Array {
    return this.#signature ??= decodeTed(this.signature);
  }

  /** The attached meta of the sender, if an object. */
  get meta(): Record<string, unknown> | undefined {
    const meta = this.dictionary.meta;
    return isRecord(meta) ? meta : undefined;
  }

  /** The attached visa of the sender (`visa`, else 2021 `profile`), if an object. */
  get visa(): Record<string, unknown> | undefined {
    const { visa, profile } = this.dictionary;
    return isRecord(visa) ? visa : isRecord(profile) ? profile : undefined;
  }

  /**
   * `traces` as received (station IDs, or `{ID, did, time}` nodes); empty
   * when absent or not an array.
   */
  get traces(): unknown[] {
    const traces = this.dictionary.traces;
    return Array.isArray(traces) ? traces : [];
  }

  /**
   * The copy of a group message for one member (spec §3.7 "split"):
   * `receiver` = the member, `group` = the group, `key` = the member's
   * entry of `keys`, no `keys`. Only `data` is signed, so the signature
   * stays valid.
   *
   * @returns `undefined` when the message has no key for the member
   */
  splitFor(member: ID): ReliableMessage | undefined {
    const key = this.keys?.[member.value];
    if (key === undefined) return undefined;
    const { keys: _keys, ...rest } = this.dictionary;
    return ReliableMessage.parse({
      ...rest,
      receiver: member.value,
      group: this.group?.value ?? this.receiver.value,
      key,
    });
  }

  /** `GF: true`: a fan-out copy of a group message (a push hint). */
  get isGroupFanOut(): boolean {
    return this.dictionary.GF === true;
  }

  /** `muted: true`: no push notification wanted. */
  get isMuted(): boolean {
    return this.dictionary.muted === true;
  }

  /**
   * `error` ({message, user}): set locally on a suspended message; remove it
   * (`set("error", undefined)`) before forwarding.
   */
  get error(): Record<string, unknown> | undefined {
    const error = this.dictionary.error;
    return isRecord(error) ? error : undefined;
  }

  /**
   * The JSON text: the received text when nothing was changed since
   * parsing, else compact `JSON.stringify`.
   */
  serialize(): string {
    if (this.#text === undefined) {
      this.#text = this.#parts?.join("") ?? JSON.stringify(this.dictionary);
      this.#parts = undefined;
    }
    return this.#text;
  }

  /**
   * {@link ReliableMessage.serialize}'s text, in parts where joining them
   * would copy the whole message once more: the received text and a member
   * appended to it, or — a message signed here, its `data` the base64 of
   * its ciphertext — the JSON up to its `data`, the ciphertext (its base64
   * made by the writer, so no text of it lives until then), and the rest.
   * A frame writer writes the parts one after the other.
   *
   * @example
   * ```ts
   * import { ReliableMessage } from "./reliable.ts";
   * const text = '{"sender":"moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk","receiver":"hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj","time":1,"data":"ZA==","signature":"c2ln"}';
   * const msg = ReliableMessage.parse(text);
   * msg.set("traces", ["gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC"]);
   * const parts = msg.serializeInParts();
   * console.assert(typeof parts !== "string" && parts[0] === text.slice(0, -1));
   * console.assert([parts].flat().join("") === msg.serialize());
   * ```
   */
  serializeInParts(): string | TextParts {
    return this.#text ?? this.#parts ??
      (dataMadeHere(this)
        ? _splitAtData(this.dictionary, this.dataBytes)
        : this.serialize());
  }

  /**
   * Lets go of the received text: {@link ReliableMessage.serialize} makes
   * it again from the dictionary if asked. A station's routed message, once
   * its frame is encoded, then keeps only its dictionary while it waits for
   * its receiver and its receipt.
   *
   * @example
   * ```ts
   * import { ReliableMessage } from "./reliable.ts";
   * const text = '{"sender":"moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk", "receiver":"hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj","time":1,"data":"ZA==","signature":"c2ln"}';
   * const msg = ReliableMessage.parse(text);
   * console.assert(msg.serialize() === text);
   * msg.forgetText();
   * console.assert(msg.serialize() === JSON.stringify(msg.dictionary));
   * ```
   */
  forgetText(): void {
    this.#text = undefined;
    this.#parts = undefined;
  }

  /**
   * Sets a member ({@link Envelope.set}). A member the message did not
   * have is appended to the received text instead of serialising the whole
   * message again (a station adding its `traces` to a message it forwards).
   * `json`: `JSON.stringify(value)` when the caller has it already.
   */
  override set(name: string, value: unknown, json?: string): void {
    const text = this.#parts === undefined ? this.#text : this.serialize();
    const appended = text !== undefined && value !== undefined &&
        !Object.hasOwn(this.dictionary, name)
      ? _appendMember(text, name, json ?? JSON.stringify(value))
      : undefined;
    super.set(name, value);
    if (appended !== undefined) this.#parts = appended;
  }

  /** Drops the cached text. */
  protected override changed(): void {
    super.changed();
    this.#text = undefined;
    this.#parts = undefined;
  }
}
