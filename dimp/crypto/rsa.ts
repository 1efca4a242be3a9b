/**
 * RSA keys (spec identity.md §8.2): every public-key PEM form DIM clients
 * write, PKCS#1 and PKCS#8 private keys, RSASSA-PKCS1-v1_5 / SHA-256
 * signatures and RSAES-PKCS1-v1_5 encryption.
 *
 * @module
 */
import { backend } from "./_backend.ts";
import { type RsaEngine, rsaEngine } from "./rsa_engine.ts";
import {
  bytesEqual,
  DerError,
  type PemBlock,
  pemBlocks,
  pemEncode,
  putTlvHeader,
  readItems,
  readOnly,
  TAG,
  tlvSize,
} from "./_der.ts";
import { base64Decode } from "./encoding.ts";
import {
  CryptoError,
  KeyFormatError,
  SignatureFormatError,
  SignatureMismatchError,
} from "./errors.ts";
import { keyData } from "./_key_json.ts";
import type { PrivateKey, PublicKey } from "./key.ts";

/** `AlgorithmIdentifier { rsaEncryption, NULL }`. */
const RSA_ALGORITHM_ID = Uint8Array.fromHex("300d06092a864886f70d0101010500");
const RSA_OID = Uint8Array.fromHex("2a864886f70d010101");

/** The members Python and JS write next to `data` (informational). */
const RSA_EXTRAS = { mode: "ECB", padding: "PKCS1", digest: "SHA256" };

/**
 * Modulus size of the keys we generate (every DIM reference uses 1024).
 *
 * @example
 * ```ts
 * const key = await RsaPrivateKey.generate(RSA_MODULUS_BITS);
 * ```
 */
export const RSA_MODULUS_BITS = 1024;

function strip(integer: Uint8Array): Uint8Array {
  let start = 0;
  while (start < integer.length - 1 && integer[start] === 0) start++;
  return integer.subarray(start);
}

/**
 * How many leading zero bytes a signature or ciphertext may miss: JSEncrypt
 * (the web client) writes the integer without left padding, so about one in
 * 256 of its values is one byte short.
 */
const MAX_MISSING_ZERO_BYTES = 8;

/**
 * `value` left-padded with zero bytes to `length`, or `undefined` when it is
 * longer or more than {@link MAX_MISSING_ZERO_BYTES} short.
 */
function padded(value: Uint8Array, length: number): Uint8Array | undefined {
  if (value.length === length) return value;
  if (value.length > length || value.length < length - MAX_MISSING_ZERO_BYTES) {
    return undefined;
  }
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/** A key's handle and the engine that made it. */
interface _EngineKey {
  readonly engine: RsaEngine;
  readonly key: Promise<unknown>;
}

/** `kept` when the engine in use made it, else a new import by that engine. */
function _engineKey(
  kept: _EngineKey | undefined,
  load: (engine: RsaEngine) => Promise<unknown>,
): _EngineKey {
  const engine = rsaEngine();
  if (kept?.engine === engine) return kept;
  return { engine, key: load(engine) };
}

/** modulus and exponent of a PKCS#1 `RSAPublicKey`. */
function readPkcs1Public(der: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (
    items.length !== 2 || items[0].tag !== TAG.INTEGER ||
    items[1].tag !== TAG.INTEGER
  ) {
    throw new DerError("RSAPublicKey must be SEQUENCE { n, e }");
  }
  return { n: strip(items[0].value), e: strip(items[1].value) };
}

/** The PKCS#1 body inside a SubjectPublicKeyInfo. */
function unwrapSpki(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (items.length !== 2 || items[0].tag !== TAG.SEQUENCE) {
    throw new DerError("SubjectPublicKeyInfo must be SEQUENCE { alg, key }");
  }
  const algorithm = readItems(items[0].value);
  if (
    algorithm[0]?.tag !== TAG.OID || !bytesEqual(algorithm[0].value, RSA_OID)
  ) {
    throw new DerError("not an rsaEncryption key");
  }
  const bits = items[1];
  if (bits.tag !== TAG.BIT_STRING || bits.value[0] !== 0) {
    throw new DerError("SubjectPublicKeyInfo without a BIT STRING key");
  }
  return bits.value.subarray(1);
}

/** The tag of the first item inside the outer SEQUENCE. */
function firstInnerTag(der: Uint8Array): number {
  return readItems(readOnly(der, TAG.SEQUENCE))[0]?.tag ?? -1;
}

/** Content length of a positive INTEGER of the trimmed `value` (a 0 before a high bit). */
function _integerLength(value: Uint8Array): number {
  return (value[0] >= 0x80 ? 1 : 0) + value.length;
}

/** Writes a minimal positive INTEGER of the trimmed `value`; returns its end. */
function _putInteger(
  out: Uint8Array,
  offset: number,
  value: Uint8Array,
): number {
  const length = _integerLength(value);
  let at = putTlvHeader(out, offset, TAG.INTEGER, length);
  if (length > value.length) out[at++] = 0;
  out.set(value, at);
  return at + value.length;
}

/**
 * The SubjectPublicKeyInfo DER of `n` and `e`, written into one array:
 * `SEQUENCE { RSA_ALGORITHM_ID, BIT STRING { 0, SEQUENCE { INTEGER n,
 * INTEGER e } } }` with minimal integers.
 */
function spkiOf(n: Uint8Array, e: Uint8Array): Uint8Array {
  const nBody = strip(n);
  const eBody = strip(e);
  const pkcs1 = tlvSize(_integerLength(nBody)) + tlvSize(_integerLength(eBody));
  const bits = 1 + tlvSize(pkcs1);
  const outer = RSA_ALGORITHM_ID.length + tlvSize(bits);
  const out = new Uint8Array(tlvSize(outer));
  let at = putTlvHeader(out, 0, TAG.SEQUENCE, outer);
  out.set(RSA_ALGORITHM_ID, at);
  at = putTlvHeader(out, at + RSA_ALGORITHM_ID.length, TAG.BIT_STRING, bits);
  out[at++] = 0;
  at = putTlvHeader(out, at, TAG.SEQUENCE, pkcs1);
  _putInteger(out, _putInteger(out, at, nBody), eBody);
  return out;
}

/** The DER of a key's `data`: the chosen PEM block, or bare base64. */
function keyDer(
  data: string,
  choose: (blocks: PemBlock[]) => PemBlock | undefined,
  what: string,
): { der: Uint8Array; label?: string } {
  const blocks = pemBlocks(data);
  if (blocks === undefined) return { der: base64Decode(data) };
  const block = choose(blocks);
  if (block === undefined) {
    throw new KeyFormatError(`RSA: no ${what} PEM block`);
  }
  return { der: block.der, label: block.label };
}

function wrapKeyError<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError(`RSA: bad ${what}`, { cause: e });
  }
}

/**
 * An RSA public key. Reads PEM `PUBLIC KEY` with an SPKI or a PKCS#1 body,
 * PEM `RSA PUBLIC KEY`, and bare base64 of either DER; `\n` or `\r\n`, any
 * line length.
 */
export class RsaPublicKey implements PublicKey {
  /** Always `RSA`. */
  readonly algorithm = "RSA" as const;
  /** The key as DER SubjectPublicKeyInfo (the address bytes). */
  readonly data: Uint8Array;
  /** Modulus size in bytes (= signature and ciphertext length). */
  readonly modulusBytes: number;
  readonly #dict: Record<string, unknown>;
  #handle?: _EngineKey;

  private constructor(
    spki: Uint8Array,
    modulusBytes: number,
    dict: Record<string, unknown>,
  ) {
    this.data = spki;
    this.modulusBytes = modulusBytes;
    this.#dict = dict;
  }

  /**
   * Reads the key from its JSON dictionary (kept as received).
   *
   * @throws {KeyFormatError} no `data`, bad PEM, bad base64, or not RSA DER
   */
  static fromDictionary(dict: Record<string, unknown>): RsaPublicKey {
    const data = keyData(dict);
    return wrapKeyError("public key", () => {
      const { der, label } = keyDer(
        data,
        (blocks) =>
          blocks.find((b) =>
            b.label === "PUBLIC KEY" || b.label === "RSA PUBLIC KEY"
          ),
        "PUBLIC KEY",
      );
      const isPkcs1 = label === "RSA PUBLIC KEY" ||
        firstInnerTag(der) === TAG.INTEGER;
      const { n, e } = readPkcs1Public(isPkcs1 ? der : unwrapSpki(der));
      return new RsaPublicKey(spkiOf(n, e), n.length, { ...dict });
    });
  }

  /**
   * A key from SPKI DER, written the way DIM clients expect: SPKI PEM with
   * 64-column lines plus `mode`/`padding`/`digest`.
   *
   * @throws {KeyFormatError} not an RSA SubjectPublicKeyInfo
   */
  static fromSpki(spki: Uint8Array): RsaPublicKey {
    return RsaPublicKey.fromDictionary({
      algorithm: "RSA",
      data: pemEncode("PUBLIC KEY", spki),
      ...RSA_EXTRAS,
    });
  }

  #key(): _EngineKey {
    return this.#handle = _engineKey(
      this.#handle,
      (engine) => engine.importPublic(this.data),
    );
  }

  /**
   * RSASSA-PKCS1-v1_5 / SHA-256 verification (a signature missing leading
   * zero bytes, as JSEncrypt writes them, is padded first).
   */
  async verify(data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const full = padded(signature, this.modulusBytes);
    if (full === undefined) return false;
    const { engine, key } = this.#key();
    return engine.verify(await key, data, full);
  }

  /**
   * Verification that says why it failed.
   *
   * @throws {SignatureFormatError} the signature is longer than the modulus
   *   or more than 8 bytes shorter
   * @throws {SignatureMismatchError} the signature does not verify
   */
  async verifyOrThrow(data: Uint8Array, signature: Uint8Array): Promise<void> {
    const full = padded(signature, this.modulusBytes);
    if (full === undefined) {
      throw new SignatureFormatError(
        `RSA: signature has ${signature.length} bytes, the key needs ${this.modulusBytes}`,
      );
    }
    const { engine, key } = this.#key();
    if (!await engine.verify(await key, data, full)) {
      throw new SignatureMismatchError("RSA signature does not verify");
    }
  }

  /**
   * RSAES-PKCS1-v1_5 encryption (random padding). Encrypt only UTF-8 text:
   * the JS client reads plaintexts through strings.
   *
   * @throws {CryptoError} plaintext longer than modulus bytes − 11
   */
  async encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    if (plaintext.length > this.modulusBytes - 11) {
      throw new CryptoError(
        `RSA: plaintext of ${plaintext.length} bytes exceeds ${
          this.modulusBytes - 11
        }`,
      );
    }
    const { engine, key } = this.#key();
    return engine.encrypt(await key, plaintext);
  }

  /** Same modulus and exponent. */
  equals(other: PublicKey): boolean {
    return other.algorithm === "RSA" && bytesEqual(this.data, other.data);
  }

  /** The received (or generated) dictionary. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /** Same as {@link RsaPublicKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}

/** The PKCS#1 `RSAPrivateKey` DER inside PKCS#1 or PKCS#8 DER. */
function pkcs1Private(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (items[0]?.tag !== TAG.INTEGER) {
    throw new DerError("private key must start with a version INTEGER");
  }
  if (items[1]?.tag === TAG.INTEGER) return der;
  if (
    items[1]?.tag === TAG.SEQUENCE && items[2]?.tag === TAG.OCTET_STRING
  ) {
    const algorithm = readItems(items[1].value);
    if (
      algorithm[0]?.tag !== TAG.OID || !bytesEqual(algorithm[0].value, RSA_OID)
    ) {
      throw new DerError("PKCS#8 key is not rsaEncryption");
    }
    return pkcs1Private(items[2].value);
  }
  throw new DerError("neither PKCS#1 nor PKCS#8");
}

/**
 * An RSA private key. Reads PEM `RSA PRIVATE KEY` (PKCS#1), PEM `PRIVATE KEY`
 * (PKCS#8) and bare base64; when the text also holds a public-key block,
 * only the private block is used. Generated keys are 1024-bit, e = 65537,
 * written as PKCS#1 PEM.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * const key = await RsaPrivateKey.generate();
 * const signature = await key.sign(utf8Encode("moky"));
 * await key.publicKey.verify(utf8Encode("moky"), signature); // true
 * ```
 */
export class RsaPrivateKey implements PrivateKey {
  /** Always `RSA`. */
  readonly algorithm = "RSA" as const;
  /** The matching public key (SPKI PEM, 64 columns). */
  readonly publicKey: RsaPublicKey;
  readonly #pkcs1: Uint8Array;
  readonly #dict: Record<string, unknown>;
  #handle?: _EngineKey;

  private constructor(pkcs1: Uint8Array, dict: Record<string, unknown>) {
    this.#pkcs1 = pkcs1;
    this.#dict = dict;
    const items = readItems(readOnly(pkcs1, TAG.SEQUENCE));
    if (
      items.length < 9 || items.slice(0, 9).some((i) => i.tag !== TAG.INTEGER)
    ) {
      throw new DerError("RSAPrivateKey must hold nine INTEGERs");
    }
    this.publicKey = RsaPublicKey.fromSpki(
      spkiOf(strip(items[1].value), strip(items[2].value)),
    );
  }

  /**
   * Reads the key from its JSON dictionary (kept as received).
   *
   * @throws {KeyFormatError} no `data`, no private PEM block, bad DER
   */
  static fromDictionary(dict: Record<string, unknown>): RsaPrivateKey {
    const data = keyData(dict);
    return wrapKeyError("private key", () => {
      const { der } = keyDer(
        data,
        (blocks) =>
          blocks.find((b) => b.label === "RSA PRIVATE KEY") ??
            blocks.find((b) => b.label === "PRIVATE KEY"),
        "RSA PRIVATE KEY",
      );
      return new RsaPrivateKey(pkcs1Private(der), { ...dict });
    });
  }

  /** A new key (1024-bit by default, e = 65537). */
  static async generate(
    modulusBits = RSA_MODULUS_BITS,
  ): Promise<RsaPrivateKey> {
    const { pkcs1 } = await backend.rsaGenerate(modulusBits);
    return new RsaPrivateKey(pkcs1, {
      algorithm: "RSA",
      data: pemEncode("RSA PRIVATE KEY", pkcs1),
      ...RSA_EXTRAS,
    });
  }

  #key(): _EngineKey {
    return this.#handle = _engineKey(
      this.#handle,
      (engine) => engine.importPrivate(this.#pkcs1),
    );
  }

  /** RSASSA-PKCS1-v1_5 / SHA-256 (deterministic). */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const { engine, key } = this.#key();
    return engine.sign(await key, data);
  }

  /**
   * RSAES-PKCS1-v1_5 decryption (a ciphertext missing leading zero bytes is
   * padded first); `undefined` when it fails.
   */
  async decrypt(ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
    const full = padded(ciphertext, this.publicKey.modulusBytes);
    if (full === undefined) return undefined;
    const { engine, key } = this.#key();
    return engine.decrypt(await key, full);
  }

  /** The received (or generated) dictionary. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /** Same as {@link RsaPrivateKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}
