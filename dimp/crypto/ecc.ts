/**
 * secp256k1 keys (spec identity.md §8.3): public keys as hex points or SPKI
 * PEM, private keys as hex, PKCS#8 or SEC1 PEM; ECDSA over SHA-256 with DER
 * signatures. We sign low-S (RFC 6979) and accept high-S, as about half of the
 * signatures made by Python peers are.
 *
 * @module
 */
import { backend } from "./_backend.ts";
import {
  type EcdsaEngine,
  ecdsaEngine,
  type EcdsaNonce,
} from "./ecdsa_engine.ts";
import { invertAll } from "./_backend_noble.ts";
import {
  bytesEqual,
  concatBytes,
  DerError,
  pemBlocks,
  pemEncode,
  readItems,
  readOnly,
  TAG,
  writeTlv,
} from "./_der.ts";
import { hexDecode, hexEncode } from "./encoding.ts";
import {
  KeyFormatError,
  SignatureFormatError,
  SignatureMismatchError,
} from "./errors.ts";
import { keyData } from "./_key_json.ts";
import { keptBytes } from "./_kept_bytes.ts";
import { BoundedMap } from "../bounded_map.ts";
import type { PrivateKey, PublicKey } from "./key.ts";

/** Order of the secp256k1 group. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

const EC_PUBLIC_KEY_OID = Uint8Array.fromHex("2a8648ce3d0201");
const SECP256K1_OID = Uint8Array.fromHex("2b8104000a");
const EC_ALGORITHM_ID = writeTlv(
  TAG.SEQUENCE,
  writeTlv(TAG.OID, EC_PUBLIC_KEY_OID),
  writeTlv(TAG.OID, SECP256K1_OID),
);

/**
 * Signatures that verified lately, by key, SHA-256 of the data and
 * signature: the same document checked again (by the packer, then by the
 * store that keeps it) costs no second verification.
 */
const _verified = new BoundedMap<string, true>(1024);

function _verifiedId(
  point: string,
  digest: Uint8Array,
  der: Uint8Array,
): string {
  return `${point} ${digest.toBase64()} ${der.toBase64()}`;
}

/** Where {@link collectVerified} sends the ids of signatures that verify. */
let _collector: string[] | undefined;

/**
 * From now on (until called with `undefined`) pushes into `into` the id of
 * every ECDSA signature that verifies here (checked or found checked): what
 * {@link addVerified} takes on another thread, so that its verification of
 * the same key, data and signature costs no second ECDSA check. For a worker
 * that verifies for a main thread (`station/handshake_pool.ts`).
 *
 * @example
 * ```ts
 * import { collectVerified, generatePrivateKey, utf8Encode } from "./mod.ts";
 *
 * const key = await generatePrivateKey("ECC");
 * const signature = await key.sign(utf8Encode("moky"));
 * const ids: string[] = [];
 * collectVerified(ids);
 * await key.publicKey.verify(utf8Encode("moky"), signature);
 * collectVerified(undefined);
 * ids.length; // 1
 * ```
 */
export function collectVerified(into: string[] | undefined): void {
  _collector = into;
}

/**
 * Takes the ids {@link collectVerified} gathered where those signatures
 * verified (a worker with this same backend): a verification of the same
 * key, data and signature here then answers `true` without the ECDSA check
 * (as one checked here before does). Only for ids of signatures that did
 * verify; anything else is never looked up (an id names the key, the
 * SHA-256 of the data and the signature).
 *
 * @example
 * ```ts ignore
 * addVerified(reply.verified); // from a worker's collectVerified
 * ```
 */
export function addVerified(ids: readonly string[]): void {
  for (const id of ids) _verified.set(id, true);
}

/** The members Python writes next to `data` (informational). */
const ECC_EXTRAS = { curve: "SECP256k1", digest: "SHA256" };

/**
 * An ECDSA signature as two integers.
 */
export interface EcdsaSignature {
  /** The `r` value, 1 ≤ r < n. */
  readonly r: bigint;
  /** The `s` value, 1 ≤ s < n (high or low). */
  readonly s: bigint;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt("0x" + hexEncode(bytes));
}

function readInteger(tag: number, value: Uint8Array): bigint {
  if (tag !== TAG.INTEGER || value.length === 0) {
    throw new SignatureFormatError("ECDSA: expected DER INTEGER");
  }
  if (value[0] >= 0x80) {
    throw new SignatureFormatError("ECDSA: negative INTEGER");
  }
  if (value.length > 1 && value[0] === 0 && value[1] < 0x80) {
    throw new SignatureFormatError("ECDSA: non-minimal INTEGER");
  }
  const n = toBigInt(value);
  if (n < 1n || n >= N) {
    throw new SignatureFormatError("ECDSA: r or s out of range");
  }
  return n;
}

/**
 * Reads a DER ECDSA signature `SEQUENCE { INTEGER r, INTEGER s }` with
 * minimal encodings (what python-ecdsa insists on).
 *
 * @throws {SignatureFormatError} anything else
 */
export function decodeEcdsaSignature(der: Uint8Array): EcdsaSignature {
  let items;
  try {
    items = readItems(readOnly(der, TAG.SEQUENCE));
  } catch (e) {
    throw new SignatureFormatError("ECDSA: not a DER SEQUENCE", { cause: e });
  }
  if (items.length !== 2) {
    throw new SignatureFormatError("ECDSA: SEQUENCE must hold r and s");
  }
  return {
    r: readInteger(items[0].tag, items[0].value),
    s: readInteger(items[1].tag, items[1].value),
  };
}

/**
 * Writes a minimal DER ECDSA signature.
 *
 * @example
 * ```ts
 * encodeEcdsaSignature({ r: 1n, s: 2n }); // 30 06 02 01 01 02 01 02
 * ```
 */
export function encodeEcdsaSignature(signature: EcdsaSignature): Uint8Array {
  // r, s < 2²⁵⁶: at most 33 content bytes each, so every length is one byte
  const r = minimalInteger(signature.r);
  const s = minimalInteger(signature.s);
  const der = new Uint8Array(6 + r.length + s.length);
  der[0] = TAG.SEQUENCE;
  der[1] = 4 + r.length + s.length;
  der[2] = TAG.INTEGER;
  der[3] = r.length;
  der.set(r, 4);
  der[4 + r.length] = TAG.INTEGER;
  der[5 + r.length] = s.length;
  der.set(s, 6 + r.length);
  return der;
}

/** The content bytes of a minimal DER INTEGER for 0 ≤ value < 2²⁵⁶. */
function minimalInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  if (hex.charCodeAt(0) >= 0x38) hex = "00" + hex; // high bit set: "8".."f"
  return Uint8Array.fromHex(hex);
}

/**
 * Whether `s` is in the lower half of the group order (the form we emit).
 */
export function isLowS(s: bigint): boolean {
  return s <= HALF_N;
}

/** A point given as hex: 130 (04‖X‖Y), 128 (X‖Y) or 66 (compressed) digits. */
function pointFromHex(data: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(data)) return undefined;
  if (data.length === 130 || data.length === 66) return hexDecode(data);
  if (data.length === 128) return hexDecode("04" + data);
  return undefined;
}

function checkCurve(algorithm: Uint8Array): void {
  const ids = readItems(algorithm);
  if (
    ids[0]?.tag !== TAG.OID || !bytesEqual(ids[0].value, EC_PUBLIC_KEY_OID)
  ) {
    throw new DerError("not an id-ecPublicKey key");
  }
  if (
    ids[1] !== undefined &&
    (ids[1].tag !== TAG.OID || !bytesEqual(ids[1].value, SECP256K1_OID))
  ) {
    throw new DerError("not a secp256k1 key");
  }
}

function pointFromSpki(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (items.length !== 2 || items[0].tag !== TAG.SEQUENCE) {
    throw new DerError("SubjectPublicKeyInfo must be SEQUENCE { alg, key }");
  }
  checkCurve(items[0].value);
  if (items[1].tag !== TAG.BIT_STRING || items[1].value[0] !== 0) {
    throw new DerError("SubjectPublicKeyInfo without a BIT STRING key");
  }
  return items[1].value.subarray(1);
}

function uncompressed(point: Uint8Array): Uint8Array {
  try {
    return backend.ecUncompressed(point);
  } catch (e) {
    throw new KeyFormatError("ECC: not a secp256k1 point", { cause: e });
  }
}

/**
 * A secp256k1 public key. Reads hex points (130, 128 or — compressed — 66
 * digits) and SPKI PEM; keeps the 65-byte uncompressed point.
 */
export class EccPublicKey implements PublicKey {
  /** Always `ECC`. */
  readonly algorithm = "ECC" as const;
  /** The 65-byte uncompressed point `04‖X‖Y`. */
  readonly point: Uint8Array;
  readonly #dict: Record<string, unknown>;
  #handle?: { readonly engine: EcdsaEngine; readonly key: Promise<unknown> };
  /** The point's base64, the first part of its verified signatures' ids. */
  #pointId?: string;

  private constructor(point: Uint8Array, dict: Record<string, unknown>) {
    this.point = keptBytes(point);
    this.#dict = dict;
  }

  /**
   * Reads the key from its JSON dictionary (kept as received).
   *
   * @throws {KeyFormatError} no `data`, bad PEM or hex, not a curve point
   */
  static fromDictionary(dict: Record<string, unknown>): EccPublicKey {
    const data = keyData(dict);
    let raw: Uint8Array | undefined;
    try {
      const blocks = pemBlocks(data);
      if (blocks === undefined) raw = pointFromHex(data);
      else {
        const block = blocks.find((b) => b.label === "PUBLIC KEY");
        if (block !== undefined) raw = pointFromSpki(block.der);
      }
    } catch (e) {
      throw new KeyFormatError("ECC: bad public key", { cause: e });
    }
    if (raw === undefined) {
      throw new KeyFormatError("ECC: neither a hex point nor a PUBLIC KEY PEM");
    }
    return new EccPublicKey(uncompressed(raw), { ...dict });
  }

  /**
   * A key for a point, written as Python writes it: SPKI PEM (76-column
   * lines, trailing newline) with `curve` and `digest`.
   *
   * @throws {KeyFormatError} not a curve point
   */
  static fromPoint(point: Uint8Array): EccPublicKey {
    const full = uncompressed(point);
    const spki = writeTlv(
      TAG.SEQUENCE,
      EC_ALGORITHM_ID,
      writeTlv(TAG.BIT_STRING, new Uint8Array([0]), full),
    );
    return new EccPublicKey(full, {
      algorithm: "ECC",
      data: pemEncode("PUBLIC KEY", spki, 76, true),
      ...ECC_EXTRAS,
    });
  }

  /**
   * The address bytes: the uncompressed point, or the compressed one when
   * the key JSON says `"compressed": true` (v2.4 Python).
   */
  get data(): Uint8Array {
    return this.#dict.compressed === true
      ? backend.ecCompressed(this.point)
      : this.point;
  }

  /** The handle of the engine in use (imported again under another). */
  #key(): { readonly engine: EcdsaEngine; readonly key: Promise<unknown> } {
    const engine = ecdsaEngine();
    if (this.#handle?.engine !== engine) {
      this.#handle = { engine, key: engine.importPublic(this.point) };
    }
    return this.#handle;
  }

  async #check(data: Uint8Array, der: Uint8Array): Promise<boolean> {
    const digest = backend.sha256(data);
    const id = _verifiedId(
      this.#pointId ??= this.point.toBase64(),
      digest,
      der,
    );
    // a signature found verified was read before (`decodeEcdsaSignature`
    // reads the same bytes the same way): only one not found is read here
    if (_verified.touch(id)) {
      _collector?.push(id);
      return true;
    }
    const { r, s } = decodeEcdsaSignature(der);
    const lowS = isLowS(s) ? der : encodeEcdsaSignature({ r, s: N - s });
    const { engine, key } = this.#key();
    const ok = await engine.verify(await key, data, digest, lowS);
    if (ok) {
      _verified.set(id, true);
      _collector?.push(id);
    }
    return ok;
  }

  /** ECDSA / SHA-256 verification of a DER signature; accepts high S. */
  async verify(data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    try {
      return await this.#check(data, signature);
    } catch (e) {
      if (e instanceof SignatureFormatError) return false;
      throw e;
    }
  }

  /**
   * Verification that says why it failed.
   *
   * @throws {SignatureFormatError} not a minimal DER signature with r, s in range
   * @throws {SignatureMismatchError} the signature does not verify
   */
  async verifyOrThrow(data: Uint8Array, signature: Uint8Array): Promise<void> {
    if (!await this.#check(data, signature)) {
      throw new SignatureMismatchError("ECDSA signature does not verify");
    }
  }

  /** Same point. */
  equals(other: PublicKey): boolean {
    return other instanceof EccPublicKey && bytesEqual(this.point, other.point);
  }

  /** The received (or generated) dictionary. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /** Same as {@link EccPublicKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}

/**
 * A fresh one-time nonce from the CSPRNG: one point multiplication, the
 * costly half of an ECDSA signature, so it can be made ahead on another
 * thread.
 */
export function makeEcdsaNonce(): EcdsaNonce {
  return ecdsaEngine().nonces(1)[0];
}

/**
 * `count` fresh one-time nonces, cheaper each than
 * {@link makeEcdsaNonce} (the two modular inversions per nonce are done
 * once per batch).
 *
 * @example
 * ```ts
 * const nonces = makeEcdsaNonces(128); // 128 distinct nonces, each for one signature
 * ```
 */
export function makeEcdsaNonces(count: number): EcdsaNonce[] {
  return ecdsaEngine().nonces(count);
}

/**
 * Nonces from scalars `ks` (each uniform in [1, n−1], from the CSPRNG) and
 * the x coordinates `xs` of their k·G, multiplied elsewhere (an engine's
 * native code): r = x mod n, k⁻¹ by one batched inversion; a k whose r is
 * 0 is left out (so fewer may come back). Each is used for one signature.
 *
 * @example
 * ```ts ignore
 * const nonces = ecdsaNoncesFrom(scalars, xCoordinates); // an engine's nonces
 * ```
 */
export function ecdsaNoncesFrom(
  ks: readonly bigint[],
  xs: readonly bigint[],
): EcdsaNonce[] {
  const inverses = invertAll(ks, N);
  const nonces: EcdsaNonce[] = [];
  for (let i = 0; i < ks.length; i++) {
    const r = xs[i] % N;
    if (r !== 0n) nonces.push({ r, kInverse: inverses[i] });
  }
  return nonces;
}

/** The 32-byte secret of a SEC1 `ECPrivateKey`. */
function secretFromSec1(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (items[0]?.tag !== TAG.INTEGER || items[1]?.tag !== TAG.OCTET_STRING) {
    throw new DerError("ECPrivateKey must be SEQUENCE { 1, secret, ... }");
  }
  const params = items.find((i) => i.tag === TAG.CONTEXT_0);
  if (params !== undefined) {
    const oid = readItems(params.value)[0];
    if (oid?.tag !== TAG.OID || !bytesEqual(oid.value, SECP256K1_OID)) {
      throw new DerError("not a secp256k1 key");
    }
  }
  const secret = items[1].value;
  if (secret.length > 32) throw new DerError("secret longer than 32 bytes");
  return concatBytes(new Uint8Array(32 - secret.length), secret);
}

/** The SEC1 body of a PKCS#8 `PrivateKeyInfo`. */
function sec1FromPkcs8(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (
    items[0]?.tag !== TAG.INTEGER || items[1]?.tag !== TAG.SEQUENCE ||
    items[2]?.tag !== TAG.OCTET_STRING
  ) {
    throw new DerError("PrivateKeyInfo must be SEQUENCE { v, alg, key }");
  }
  checkCurve(items[1].value);
  return items[2].value;
}

function secretFromData(data: string): Uint8Array {
  const blocks = pemBlocks(data);
  if (blocks === undefined) {
    if (/^[0-9A-Fa-f]{64}$/.test(data)) return hexDecode(data);
    throw new DerError("neither 64 hex digits nor a PEM private key");
  }
  const sec1 = blocks.find((b) => b.label === "EC PRIVATE KEY");
  if (sec1 !== undefined) return secretFromSec1(sec1.der);
  const pkcs8 = blocks.find((b) => b.label === "PRIVATE KEY");
  if (pkcs8 !== undefined) return secretFromSec1(sec1FromPkcs8(pkcs8.der));
  throw new DerError("no EC PRIVATE KEY or PRIVATE KEY block");
}

/**
 * A secp256k1 private key. Reads 64 hex digits, PEM PKCS#8 `PRIVATE KEY`
 * and PEM SEC1 `EC PRIVATE KEY`; generated keys are written as PKCS#8 PEM
 * the way Python writes them.
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./encoding.ts";
 * const key = await EccPrivateKey.generate();
 * const signature = await key.sign(utf8Encode("moky")); // DER, low S
 * await key.publicKey.verify(utf8Encode("moky"), signature); // true
 * ```
 */
export class EccPrivateKey implements PrivateKey {
  /** Always `ECC`. */
  readonly algorithm = "ECC" as const;
  /** The matching public key (SPKI PEM). */
  readonly publicKey: EccPublicKey;
  readonly #secret: Uint8Array;
  readonly #scalar: bigint;
  readonly #dict: Record<string, unknown>;

  private constructor(secret: Uint8Array, dict: Record<string, unknown>) {
    let point: Uint8Array;
    try {
      point = backend.ecPublicPoint(secret);
    } catch (e) {
      throw new KeyFormatError("ECC: secret out of range", { cause: e });
    }
    this.#secret = secret;
    this.#scalar = toBigInt(secret);
    this.#dict = dict;
    this.publicKey = EccPublicKey.fromPoint(point);
  }

  /**
   * Reads the key from its JSON dictionary (kept as received).
   *
   * @throws {KeyFormatError} no `data`, bad PEM or hex, secret out of range
   */
  static fromDictionary(dict: Record<string, unknown>): EccPrivateKey {
    const data = keyData(dict);
    let secret: Uint8Array;
    try {
      secret = secretFromData(data);
    } catch (e) {
      throw new KeyFormatError("ECC: bad private key", { cause: e });
    }
    return new EccPrivateKey(secret, { ...dict });
  }

  /** A new random key. */
  static generate(): Promise<EccPrivateKey> {
    const secret = backend.ecGenerate();
    const point = backend.ecPublicPoint(secret);
    const sec1 = writeTlv(
      TAG.SEQUENCE,
      writeTlv(TAG.INTEGER, new Uint8Array([1])),
      writeTlv(TAG.OCTET_STRING, secret),
      writeTlv(
        TAG.CONTEXT_1,
        writeTlv(TAG.BIT_STRING, new Uint8Array([0]), point),
      ),
    );
    const pkcs8 = writeTlv(
      TAG.SEQUENCE,
      writeTlv(TAG.INTEGER, new Uint8Array([1])),
      EC_ALGORITHM_ID,
      writeTlv(TAG.OCTET_STRING, sec1),
    );
    return Promise.resolve(
      new EccPrivateKey(secret, {
        algorithm: "ECC",
        data: pemEncode("PRIVATE KEY", pkcs8, 76, true),
        ...ECC_EXTRAS,
      }),
    );
  }

  /** ECDSA over SHA-256(data): minimal DER, low S, RFC 6979 nonce. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const compact = await ecdsaEngine().sign(this.#secret, data);
    return encodeEcdsaSignature({
      r: toBigInt(compact.subarray(0, 32)),
      s: toBigInt(compact.subarray(32, 64)),
    });
  }

  /**
   * ECDSA over SHA-256(data) with a nonce made ahead
   * ({@link makeEcdsaNonce}): s = k⁻¹·(z + r·d) mod n, low S, minimal DER —
   * a few big-integer products, no point multiplication. The caller uses
   * each nonce once.
   */
  signWithNonce(data: Uint8Array, nonce: EcdsaNonce): Uint8Array {
    const z = toBigInt(backend.sha256(data));
    let s = (nonce.kInverse * ((z + nonce.r * this.#scalar) % N)) % N;
    if (s === 0n) {
      throw new RangeError("ECDSA: s = 0 with this nonce; use another");
    }
    if (s > HALF_N) s = N - s;
    return encodeEcdsaSignature({ r: nonce.r, s });
  }

  /** The received (or generated) dictionary. */
  toDictionary(): Record<string, unknown> {
    return { ...this.#dict };
  }

  /** Same as {@link EccPrivateKey.toDictionary}. */
  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}
