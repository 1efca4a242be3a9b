/**
 * Metas (spec identity.md §7): the public key, seed and fingerprint an ID
 * is generated from. A meta is checked once (its fingerprint verified), then
 * matched against IDs.
 *
 * @module
 */
import {
  decodeTed,
  type EccPublicKey,
  encodeTed,
  parsePublicKey,
  type PrivateKey,
  type PublicKey,
  SignatureFormatError,
  SignatureMismatchError,
  utf8Encode,
} from "../crypto/mod.ts";
import { type Address, btcAddress, ethAddress } from "./address.ts";
import { ID } from "./id.ts";
import {
  MetaFormatError,
  MetaMismatchError,
  MetaSignatureError,
} from "./errors.ts";

/**
 * Meta types.
 *
 * @example
 * ```ts
 * import { generatePrivateKey } from "../crypto/mod.ts";
 * const meta = await Meta.generate(MetaType.ETH, await generatePrivateKey("ECC"));
 * ```
 */
export const MetaType = {
  /** Seed + fingerprint; address BTC-style over the fingerprint. */
  MKM: 1,
  /** No seed; address BTC-style over the key bytes. */
  BTC: 2,
  /** 2021 only: seed binds a name; address BTC-style over the key bytes. */
  ExBTC: 3,
  /** No seed; Ethereum address of the secp256k1 key. */
  ETH: 4,
  /** 2021 only: seed binds a name; Ethereum address. */
  ExETH: 5,
} as const;

/** One of the meta type numbers. */
export type MetaType = typeof MetaType[keyof typeof MetaType];

const TYPE_NAMES: Readonly<Record<string, MetaType>> = {
  MKM: 1,
  mkm: 1,
  BTC: 2,
  btc: 2,
  ExBTC: 3,
  ETH: 4,
  eth: 4,
  ExETH: 5,
};

/**
 * Reads a meta type as written by any reference: an integer, a numeric
 * string, or a name (`MKM`/`mkm`, `BTC`/`btc`, `ETH`/`eth`, `ExBTC`,
 * `ExETH`); `undefined` for anything else.
 *
 * @example
 * ```ts
 * parseMetaType("1"); // 1
 * parseMetaType("ETH"); // 4
 * ```
 */
export function parseMetaType(value: unknown): MetaType | undefined {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    if (Object.hasOwn(TYPE_NAMES, value)) return TYPE_NAMES[value];
    if (/^\d+$/.test(value)) n = Number(value);
  }
  return n !== undefined && n >= 1 && n <= 5 && Number.isInteger(n)
    ? n as MetaType
    : undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * A meta. {@link Meta.parse} checks the structure; {@link Meta.isValid} /
 * {@link Meta.checkValid} verify the fingerprint (once, cached).
 */
export class Meta {
  /** The meta type (1, 2, 4; 2021: 3, 5). */
  readonly type: MetaType;
  /** The identity key: verifies the fingerprint and every document. */
  readonly key: PublicKey;
  /** The seed (the ID name) for types 1, 3, 5. */
  readonly seed: string | undefined;
  /** The fingerprint bytes for types 1, 3, 5. */
  readonly fingerprint: Uint8Array | undefined;
  /** The dictionary exactly as received (do not modify). */
  readonly dictionary: Readonly<Record<string, unknown>>;
  #valid?: Promise<void>;
  /** The address last generated, and for which network byte. */
  #address?: { readonly network: number; readonly address: Address };

  private constructor(
    type: MetaType,
    key: PublicKey,
    seed: string | undefined,
    fingerprint: Uint8Array | undefined,
    dictionary: Record<string, unknown>,
  ) {
    this.type = type;
    this.key = key;
    this.seed = seed;
    this.fingerprint = fingerprint;
    this.dictionary = dictionary;
  }

  /**
   * Reads a meta: `type` (else `version`) as an int, numeric string or
   * name; the key; seed and fingerprint exactly when the type has a seed.
   * Does not verify the fingerprint.
   *
   * @throws {MetaFormatError} wrong structure (cause: an `EncodingError` for
   *   a fingerprint that is not base64)
   * @throws {KeyFormatError} the key does not parse
   * @throws {UnsupportedAlgorithmError} the key algorithm is not RSA or ECC
   */
  static parse(value: unknown): Meta {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new MetaFormatError("a meta must be a JSON object");
    }
    const dict = value as Record<string, unknown>;
    const rawType = present(dict.type) ? dict.type : dict.version;
    const type = parseMetaType(rawType);
    if (type === undefined) {
      throw new MetaFormatError(`unknown meta type ${JSON.stringify(rawType)}`);
    }
    if (!present(dict.key)) throw new MetaFormatError("meta without key");
    const key = parsePublicKey(dict.key);
    if (
      (type === MetaType.ETH || type === MetaType.ExETH) &&
      key.algorithm !== "ECC"
    ) {
      throw new MetaFormatError(`meta type ${type} needs an ECC key`);
    }
    const { seed, fingerprint } = dict;
    if ((type & 1) === 0) {
      if (present(seed) || present(fingerprint)) {
        throw new MetaFormatError(
          `meta type ${type} must not carry a seed or fingerprint`,
        );
      }
      return new Meta(type, key, undefined, undefined, dict);
    }
    if (typeof seed !== "string" || seed.length === 0) {
      throw new MetaFormatError(`meta type ${type} needs a seed`);
    }
    if (typeof fingerprint !== "string" || fingerprint.length === 0) {
      throw new MetaFormatError(`meta type ${type} needs a fingerprint`);
    }
    let bytes: Uint8Array;
    try {
      bytes = decodeTed(fingerprint);
    } catch (e) {
      throw new MetaFormatError("meta fingerprint is not base64", { cause: e });
    }
    return new Meta(type, key, seed, bytes, dict);
  }

  /**
   * Makes a meta for a private key: type 1 (MKM) signs `seed`; types 2 (BTC)
   * and 4 (ETH, ECC keys only) have no seed.
   *
   * @throws {MetaFormatError} a seed missing for type 1 or given for 2 / 4,
   *   or type 4 with an RSA key
   */
  static async generate(
    type: 1 | 2 | 4,
    privateKey: PrivateKey,
    seed?: string,
  ): Promise<Meta> {
    const dict: Record<string, unknown> = {
      type,
      version: type,
      key: privateKey.publicKey.toDictionary(),
    };
    if (type === MetaType.MKM) {
      if (seed === undefined || seed === "") {
        throw new MetaFormatError("meta type 1 needs a seed");
      }
      dict.seed = seed;
      dict.fingerprint = encodeTed(await privateKey.sign(utf8Encode(seed)));
    } else if (seed !== undefined) {
      throw new MetaFormatError(`meta type ${type} has no seed`);
    }
    const meta = Meta.parse(dict);
    meta.#valid = Promise.resolve();
    return meta;
  }

  /** Whether the type carries a seed (1, 3, 5). */
  get hasSeed(): boolean {
    return (this.type & 1) === 1;
  }

  /**
   * Verifies the fingerprint (types with seed; nothing to verify otherwise).
   * The result is cached.
   *
   * @throws {MetaSignatureError} the fingerprint is not the key's signature
   *   of the seed (cause: `SignatureFormatError` or `SignatureMismatchError`)
   */
  checkValid(): Promise<void> {
    return this.#valid ??= this.#verify();
  }

  async #verify(): Promise<void> {
    if (this.seed === undefined || this.fingerprint === undefined) return;
    try {
      await this.key.verifyOrThrow(utf8Encode(this.seed), this.fingerprint);
    } catch (e) {
      if (
        e instanceof SignatureFormatError || e instanceof SignatureMismatchError
      ) {
        throw new MetaSignatureError(
          `meta fingerprint of "${this.seed}" does not verify: ${e.message}`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** Whether the fingerprint verifies (see {@link Meta.checkValid}). */
  async isValid(): Promise<boolean> {
    try {
      await this.checkValid();
      return true;
    } catch (e) {
      if (e instanceof MetaSignatureError) return false;
      throw e;
    }
  }

  /**
   * The address this meta generates for a network byte (ignored by ETH
   * types, whose network is always 0); derived once per meta object and
   * network byte in a row (a meta checked by the packer and then by the
   * store hashes its key once).
   */
  generateAddress(network: number): Address {
    const last = this.#address;
    if (last?.network === network) return last.address;
    const address = this.#deriveAddress(network);
    this.#address = { network, address };
    return address;
  }

  #deriveAddress(network: number): Address {
    switch (this.type) {
      case MetaType.MKM:
        return btcAddress(this.fingerprint as Uint8Array, network);
      case MetaType.BTC:
      case MetaType.ExBTC:
        return btcAddress(this.key.data, network);
      case MetaType.ETH:
      case MetaType.ExETH:
        // Meta.parse admits only ECC keys for these types
        return ethAddress((this.key as EccPublicKey).point);
    }
  }

  /**
   * The ID of this meta for a network byte: `seed@address` (bare address for
   * types without seed).
   */
  generateId(network: number, terminal?: string): ID {
    return ID.create(this.generateAddress(network), this.seed, terminal);
  }

  /**
   * Checks that this meta belongs to `id`: the meta is valid, the ID name
   * equals the seed (both absent for types 2 / 4), and the address generated
   * with the ID's own network byte equals the ID address (case-sensitive:
   * a lower-case ETH ID never matches).
   *
   * @throws {MetaMismatchError} another entity's meta, or an ID with an
   *   unknown or broadcast address
   * @throws {MetaSignatureError} the meta itself is not valid
   */
  async checkId(id: ID): Promise<void> {
    const address = id.address;
    if (address.kind !== "btc" && address.kind !== "eth") {
      throw new MetaMismatchError(
        id.value,
        "",
        `no meta matches ${address.kind} address of ${id.value}`,
      );
    }
    const generated = this.generateAddress(address.network);
    if (generated.value !== address.value) {
      throw new MetaMismatchError(id.value, generated.value);
    }
    if (id.name !== this.seed) {
      throw new MetaMismatchError(
        id.value,
        generated.value,
        `ID name ${JSON.stringify(id.name)} is not the meta seed ${
          JSON.stringify(this.seed)
        }`,
      );
    }
    await this.checkValid();
  }

  /** Whether this meta belongs to `id` (see {@link Meta.checkId}). */
  async matchId(id: ID): Promise<boolean> {
    try {
      await this.checkId(id);
      return true;
    } catch (e) {
      if (e instanceof MetaMismatchError || e instanceof MetaSignatureError) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Whether `key` is this meta's identity key: the same key material, or
   * (types with seed) a key that verifies the fingerprint.
   */
  matchPublicKey(key: PublicKey): Promise<boolean> {
    if (key.equals(this.key)) return Promise.resolve(true);
    if (this.seed === undefined || this.fingerprint === undefined) {
      return Promise.resolve(false);
    }
    return key.verify(utf8Encode(this.seed), this.fingerprint);
  }

  /**
   * The wire form: the received dictionary with `type` and `version` as
   * integers (what dimples sends; every reader accepts it).
   */
  toDictionary(): Record<string, unknown> {
    return { ...this.dictionary, type: this.type, version: this.type };
  }

  /** Same as {@link Meta.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}
