/**
 * Content type numbers and their aliases (spec messages.md §6).
 *
 * @module
 */

/**
 * The content type numbers. `type` is an integer on the wire; readers also
 * accept numeric strings and the aliases of {@link parseContentType}.
 */
export const ContentType = {
  /** Unknown / any (parsed as a plain content). */
  ANY: 0x00,
  /** Text. */
  TEXT: 0x01,
  /** File (URL or inline data, with its decryption key). */
  FILE: 0x10,
  /** Image file. */
  IMAGE: 0x12,
  /** Audio file. */
  AUDIO: 0x14,
  /** Video file. */
  VIDEO: 0x16,
  /** Web page. */
  PAGE: 0x20,
  /** Name card. */
  NAME_CARD: 0x33,
  /** Quote of an earlier message. */
  QUOTE: 0x37,
  /** Money. */
  MONEY: 0x40,
  /** Money transfer. */
  TRANSFER: 0x41,
  /** Lucky money (declared only). */
  LUCKY_MONEY: 0x42,
  /** Claim payment (declared only). */
  CLAIM_PAYMENT: 0x48,
  /** Split bill (declared only). */
  SPLIT_BILL: 0x49,
  /** Command. */
  COMMAND: 0x88,
  /** Group history command (invite, quit, ...). */
  HISTORY: 0x89,
  /** Application customized content (reserved). */
  APPLICATION: 0xa0,
  /** A list of contents. */
  ARRAY: 0xca,
  /** Customized content (`app`, `mod`, `act`). */
  CUSTOMIZED: 0xcc,
  /** Combined and forwarded chat history. */
  COMBINE_FORWARD: 0xcf,
  /** Top-secret: carries complete reliable messages. */
  FORWARD: 0xff,
} as const;

const ALIASES: Readonly<Record<string, number>> = {
  "*": ContentType.ANY,
  "text": ContentType.TEXT,
  "file": ContentType.FILE,
  "image": ContentType.IMAGE,
  "audio": ContentType.AUDIO,
  "video": ContentType.VIDEO,
  "page": ContentType.PAGE,
  "card": ContentType.NAME_CARD,
  "quote": ContentType.QUOTE,
  "money": ContentType.MONEY,
  "transfer": ContentType.TRANSFER,
  "command": ContentType.COMMAND,
  "history": ContentType.HISTORY,
  "array": ContentType.ARRAY,
  "customized": ContentType.CUSTOMIZED,
  "application": ContentType.APPLICATION,
  "combine": ContentType.COMBINE_FORWARD,
  "forward": ContentType.FORWARD,
};

/**
 * Reads a content type: an integer, a numeric string (`"1"`, `"0x88"` is
 * not numeric and not accepted) or an alias (`"text"`, `"command"`, ...).
 *
 * @returns the type number, or `undefined` for anything else
 * @example
 * ```ts
 * parseContentType("136"); // 136
 * parseContentType("command"); // 136
 * ```
 */
export function parseContentType(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  if (/^\d{1,10}$/.test(value)) return Number(value);
  return Object.hasOwn(ALIASES, value) ? ALIASES[value] : undefined;
}
