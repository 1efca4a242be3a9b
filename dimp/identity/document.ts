/**
 * Documents (spec identity.md §9): visa (users, stations, bots), profile
 * (2021 stations) and bulletin (groups). The signed `data` string is kept
 * exactly as received and verified byte for byte; properties are read from
 * it.
 *
 * @module
 */
import {
  decodeTed,
  encodeTed,
  parsePublicKey,
  PortableNetworkFile,
  type PrivateKey,
  type PublicKey,
  SignatureFormatError,
  SignatureMismatchError,
  utf8Encode,
} from "../crypto/mod.ts";
import type { AddressParseOptions } from "./address.ts";
import { DocumentFormatError, DocumentSignatureError } from "./errors.ts";
import { type ID, parseId, tryParseId } from "./id.ts";

/**
 * Document types.
 *
 * @example
 * ```ts
 * import { parseId } from "./id.ts";
 * const visa = Document.create(parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ"), DocumentType.VISA);
 * visa.setProperty("name", "Bob");
 * ```
 */
export const DocumentType = {
  /** Users, stations, bots: may carry an encryption `key` and an `avatar`. */
  VISA: "visa",
  /** 2021 stations; read like a visa without `key`. */
  PROFILE: "profile",
  /** Groups: `founder`, `assistants`, `administrators`. */
  BULLETIN: "bulletin",
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a timestamp: seconds as a JSON number or numeric string; negative,
 * non-finite or other values give `undefined`.
 *
 * @example
 * ```ts
 * readTime("1795563359.9688432"); // 1795563359.9688432
 * ```
 */
export function readTime(value: unknown): number | undefined {
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && value.trim() !== ""
    ? Number(value)
    : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Seconds since 1970 with millisecond precision. */
function nowSeconds(): number {
  return Date.now() / 1000;
}

function typeForId(id: ID): string {
  if (id.isUser) return DocumentType.VISA;
  if (id.isGroup) return DocumentType.BULLETIN;
  return DocumentType.PROFILE;
}

function idList(value: unknown): ID[] {
  const list = Array.isArray(value)
    ? value
    : value === undefined
    ? []
    : [value];
  return list.map((v) => tryParseId(v)).filter((id) => id !== undefined);
}

/**
 * A document (visa, profile or bulletin).
 */
export class Document {
  /** The entity (from `did`, else `ID`). */
  readonly id: ID;
  /** The type: top-level `type`, else by ID kind (user → visa, group → bulletin). */
  readonly type: string;
  readonly #extra: Record<string, unknown>;
  #data: string | undefined;
  /**
   * The signature as its wire text (`encodeTed` of the bytes): a string
   * costs less to keep than a small byte array of its own (every cached
   * visa has one), and `toDictionary` writes it as it is.
   */
  #signature: string | undefined;
  #properties: Record<string, unknown>;
  /** The parsed `key` property (`null`: none), until a property changes. */
  #visaKey: PublicKey | null | undefined;

  private constructor(
    id: ID,
    type: string,
    extra: Record<string, unknown>,
    data: string | undefined,
    signature: string | undefined,
    properties: Record<string, unknown>,
  ) {
    this.id = id;
    this.type = type;
    this.#extra = extra;
    this.#data = data;
    this.#signature = signature;
    this.#properties = properties;
  }

  /**
   * Reads a document received from the network: `did` or `ID`, `data` (a
   * JSON object as a string) and `signature` (TED) must be present. Unknown
   * top-level members (e.g. `terminal`) are kept.
   *
   * @throws {DocumentFormatError} wrong structure (cause: `EncodingError`
   *   for a signature that is not base64)
   * @throws {IdFormatError} `did` / `ID` is not an ID
   */
  static parse(value: unknown, options: AddressParseOptions = {}): Document {
    if (!isRecord(value)) {
      throw new DocumentFormatError("a document must be a JSON object");
    }
    const { did, ID: legacyId, data, signature, type, ...extra } = value;
    const idText = did ?? legacyId;
    if (typeof idText !== "string") {
      throw new DocumentFormatError("document without did / ID");
    }
    const id = parseId(idText, options);
    if (typeof data !== "string" || data === "") {
      throw new DocumentFormatError(`document of ${idText} without data`);
    }
    if (typeof signature !== "string" || signature === "") {
      throw new DocumentFormatError(`document of ${idText} without signature`);
    }
    let properties: unknown;
    try {
      properties = JSON.parse(data);
    } catch (e) {
      throw new DocumentFormatError(`document data of ${idText} is not JSON`, {
        cause: e,
      });
    }
    if (!isRecord(properties)) {
      throw new DocumentFormatError(
        `document data of ${idText} is not an object`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = decodeTed(signature);
    } catch (e) {
      throw new DocumentFormatError(
        `document signature of ${idText} is not base64`,
        { cause: e },
      );
    }
    const resolved = typeof type === "string" && type !== ""
      ? type
      : typeForId(id);
    return new Document(
      id,
      resolved,
      extra,
      data,
      encodeTed(bytes),
      properties,
    );
  }

  /**
   * A new, unsigned document with `type` and `created_time` = now; set
   * properties, then {@link Document.sign}.
   */
  static create(id: ID, type?: string, now: number = nowSeconds()): Document {
    const resolved = type ?? typeForId(id);
    return new Document(id, resolved, {}, undefined, undefined, {
      type: resolved,
      created_time: now,
    });
  }

  /** The signed JSON string exactly as received or signed (`undefined` after an edit). */
  get data(): string | undefined {
    return this.#data;
  }

  /** The signature bytes (`undefined` after an edit; decoded at each call). */
  get signature(): Uint8Array | undefined {
    const text = this.#signature;
    return text === undefined ? undefined : decodeTed(text);
  }

  /**
   * Whether `value` (a document as received) is this document as signed:
   * the same ID, `data` and signature text. A document attached again and
   * again (a station's visa, on every handshake) is then known without
   * parsing it; any other difference (another spelling of the ID or of the
   * signature's base64) answers `false`.
   *
   * @example
   * ```ts ignore
   * const stored = await directory.visa(sender);
   * stored?.isSignedAs(msg.visa); // true: the stored visa, attached again
   * ```
   */
  isSignedAs(value: unknown): boolean {
    return isRecord(value) && this.#data !== undefined &&
      value.data === this.#data && value.signature === this.#signature &&
      (value.did ?? value.ID) === this.id.value;
  }

  /** Whether `data` and `signature` are present (no edit since signing). */
  get isSigned(): boolean {
    return this.#data !== undefined && this.#signature !== undefined;
  }

  /** A copy of all properties. */
  get properties(): Record<string, unknown> {
    return structuredClone(this.#properties);
  }

  /** One property (as parsed from `data`; a copy for objects). */
  getProperty(name: string): unknown {
    const value = this.#properties[name];
    return typeof value === "object" && value !== null
      ? structuredClone(value)
      : value;
  }

  /**
   * Sets (or, with `undefined`, removes) a property; the document is
   * unsigned until {@link Document.sign} runs again.
   */
  setProperty(name: string, value: unknown): void {
    if (value === undefined) delete this.#properties[name];
    else this.#properties[name] = structuredClone(value);
    this.#visaKey = undefined;
    this.#data = undefined;
    this.#signature = undefined;
  }

  /** Signing time in seconds (the version used to pick the newest). */
  get time(): number | undefined {
    return readTime(this.#properties.time);
  }

  /** Creation time in seconds (v2.x). */
  get createdTime(): number | undefined {
    return readTime(this.#properties.created_time);
  }

  /** The `name` property, if a string. */
  get name(): string | undefined {
    const name = this.#properties.name;
    return typeof name === "string" ? name : undefined;
  }

  /**
   * The visa encryption key (`key` property), if any; parsed once per
   * document object (the same key object each time, until a property is
   * set).
   *
   * @throws {KeyFormatError} a `key` that does not parse
   * @throws {UnsupportedAlgorithmError} a `key` of another algorithm
   */
  visaKey(): PublicKey | undefined {
    if (this.#visaKey === undefined) {
      const key = this.#properties.key;
      this.#visaKey = key === undefined || key === null
        ? null
        : parsePublicKey(key);
    }
    return this.#visaKey ?? undefined;
  }

  /** Sets the visa encryption key (an RSA public key). */
  setVisaKey(key: PublicKey | undefined): void {
    this.setProperty("key", key?.toDictionary());
  }

  /**
   * The avatar (`avatar` property, any PNF form), if any.
   *
   * @throws {EncodingError} an avatar `{...}` string that is not JSON
   */
  avatar(): PortableNetworkFile | undefined {
    return PortableNetworkFile.parse(this.#properties.avatar);
  }

  /** Sets the avatar (written in its shortest PNF form). */
  setAvatar(avatar: PortableNetworkFile | undefined): void {
    this.setProperty("avatar", avatar?.serialize());
  }

  /** The bulletin `founder`, if a valid ID. */
  founder(): ID | undefined {
    return tryParseId(this.#properties.founder);
  }

  /** The bulletin `assistants` (or single `assistant`) that are valid IDs. */
  assistants(): ID[] {
    return idList(this.#properties.assistants ?? this.#properties.assistant);
  }

  /** The bulletin `administrators` that are valid IDs. */
  administrators(): ID[] {
    return idList(this.#properties.administrators);
  }

  /**
   * Verifies `signature` over the UTF-8 of the exact `data` string.
   *
   * @throws {DocumentSignatureError} unsigned, or the signature does not
   *   verify (cause: `SignatureFormatError` for a malformed or truncated
   *   signature, `SignatureMismatchError` for tampered data)
   */
  async checkSignature(key: PublicKey): Promise<void> {
    if (this.#data === undefined || this.#signature === undefined) {
      throw new DocumentSignatureError(
        `${this.type} of ${this.id.value} is not signed`,
      );
    }
    try {
      await key.verifyOrThrow(
        utf8Encode(this.#data),
        decodeTed(this.#signature),
      );
    } catch (e) {
      if (
        e instanceof SignatureFormatError || e instanceof SignatureMismatchError
      ) {
        throw new DocumentSignatureError(
          `${this.type} of ${this.id.value} does not verify: ${e.message}`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** Whether the signature verifies with `key` (see {@link Document.checkSignature}). */
  async verify(key: PublicKey): Promise<boolean> {
    try {
      await this.checkSignature(key);
      return true;
    } catch (e) {
      if (e instanceof DocumentSignatureError) return false;
      throw e;
    }
  }

  /**
   * Signs: sets `time` = now, writes `data` as compact JSON of the
   * properties and `signature` over its UTF-8 with the meta private key.
   */
  async sign(
    privateKey: PrivateKey,
    now: number = nowSeconds(),
  ): Promise<void> {
    this.#properties.time = now;
    const data = JSON.stringify(this.#properties);
    const signature = await privateKey.sign(utf8Encode(data));
    this.#data = data;
    this.#signature = encodeTed(signature);
  }

  /**
   * The wire form: `did` and `ID` (same value), top-level `type`, `data`,
   * `signature`, plus unknown top-level members as received.
   *
   * @throws {DocumentSignatureError} the document is not signed
   */
  toDictionary(): Record<string, unknown> {
    if (this.#data === undefined || this.#signature === undefined) {
      throw new DocumentSignatureError(
        `${this.type} of ${this.id.value} is not signed`,
      );
    }
    return {
      ...this.#extra,
      did: this.id.value,
      ID: this.id.value,
      type: this.type,
      data: this.#data,
      signature: this.#signature,
    };
  }

  /** Same as {@link Document.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}
