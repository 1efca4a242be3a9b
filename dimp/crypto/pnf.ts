/**
 * PNF — portable network file: how a visa `avatar`, a station logo or a file
 * content points at (or carries) a file (spec identity.md §2.5).
 *
 * @module
 */
import { EncodingError } from "./errors.ts";
import { decodeTed, encodeDataUri, parseDataUri } from "./ted.ts";

function isUrl(text: string): boolean {
  const at = text.indexOf("://");
  return at >= 1 && at <= 7;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A portable network file in its object form `{"URL", "filename", "data",
 * "key", ...}`; unknown members are kept. Read with
 * {@link PortableNetworkFile.parse}, write with
 * {@link PortableNetworkFile.serialize}.
 *
 * @example
 * ```ts
 * const pnf = PortableNetworkFile.parse("https://example.com/avatar.png");
 * pnf?.url; // "https://example.com/avatar.png"
 * ```
 */
export class PortableNetworkFile {
  readonly #dict: Record<string, unknown>;

  private constructor(dict: Record<string, unknown>) {
    this.#dict = dict;
  }

  /**
   * Reads any PNF form: a URL string (`://` at index 1..7), a `data:` URI
   * string, an object, or an object serialised as a string starting with
   * `{`.
   *
   * @returns `undefined` for an empty value, text shorter than 8 characters,
   *   or text of none of the forms ("no file")
   * @throws {EncodingError} a `{...}` string that is not a JSON object
   * @example
   * ```ts
   * PortableNetworkFile.parse("")?.url; // undefined
   * ```
   */
  static parse(value: unknown): PortableNetworkFile | undefined {
    if (isRecord(value)) return new PortableNetworkFile({ ...value });
    if (typeof value !== "string" || value.length < 8) return undefined;
    if (value.startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (e) {
        throw new EncodingError("PNF: bad JSON", { cause: e });
      }
      if (!isRecord(parsed)) throw new EncodingError("PNF: not an object");
      return new PortableNetworkFile(parsed);
    }
    if (value.startsWith("data:")) {
      const filename = parseDataUri(value)?.parameters.filename;
      return new PortableNetworkFile(
        filename === undefined ? { data: value } : { data: value, filename },
      );
    }
    if (isUrl(value)) return new PortableNetworkFile({ URL: value });
    return undefined;
  }

  /**
   * A PNF that points at a download URL (optionally encrypted with `key`).
   *
   * @example
   * ```ts
   * PortableNetworkFile.fromUrl("https://example.com/a.png").serialize(); // "https://example.com/a.png"
   * ```
   */
  static fromUrl(
    url: string,
    options: { filename?: string; key?: Record<string, unknown> } = {},
  ): PortableNetworkFile {
    const dict: Record<string, unknown> = { URL: url };
    if (options.filename !== undefined) dict.filename = options.filename;
    if (options.key !== undefined) dict.key = options.key;
    return new PortableNetworkFile(dict);
  }

  /**
   * A PNF that carries the file itself as a base64 `data:` URI.
   *
   * @example
   * ```ts
   * PortableNetworkFile.fromData(new Uint8Array([1]), "image/png", "a.png").filename; // "a.png"
   * ```
   */
  static fromData(
    data: Uint8Array,
    mimeType: string,
    filename?: string,
  ): PortableNetworkFile {
    const dict: Record<string, unknown> = {
      data: encodeDataUri(data, mimeType, filename),
    };
    if (filename !== undefined) dict.filename = filename;
    return new PortableNetworkFile(dict);
  }

  /** The download URL, if any. */
  get url(): string | undefined {
    const url = this.#dict.URL;
    return typeof url === "string" ? url : undefined;
  }

  /** The file name, if any. */
  get filename(): string | undefined {
    const name = this.#dict.filename;
    return typeof name === "string" ? name : undefined;
  }

  /**
   * The file bytes carried inline (TED in `data`), if any.
   *
   * @throws {EncodingError} `data` present but not decodable
   */
  get data(): Uint8Array | undefined {
    const data = this.#dict.data;
    return data === undefined || data === null ? undefined : decodeTed(data);
  }

  /** The symmetric key dictionary that decrypts the downloaded bytes, if any. */
  get key(): Record<string, unknown> | undefined {
    const key = this.#dict.key;
    return isRecord(key) ? key : undefined;
  }

  /** The object form (a copy), unknown members included. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /**
   * The wire form: the bare URL when only `URL` (and `filename`) is set, the
   * `data:` URI when only such `data` (and `filename`) is set, else the
   * object.
   *
   * @example
   * ```ts
   * PortableNetworkFile.parse({ URL: "https://a.b/c" })?.serialize(); // "https://a.b/c"
   * ```
   */
  serialize(): string | Record<string, unknown> {
    const members = Object.keys(this.#dict).filter((k) => k !== "filename");
    if (members.length === 1) {
      const { URL: url, data } = this.#dict;
      if (members[0] === "URL" && typeof url === "string") return url;
      if (
        members[0] === "data" && typeof data === "string" &&
        data.startsWith("data:")
      ) {
        const uri = parseDataUri(data);
        if (uri?.parameters.filename === this.filename) return data;
      }
    }
    return this.toDictionary();
  }
}
