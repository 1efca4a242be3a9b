/**
 * An ECDSA engine ({@link EcdsaEngine}) over the system's libsecp256k1
 * (Bitcoin Core's secp256k1 library; Debian's `libsecp256k1-1`) through FFI
 * (`Deno.dlopen`, so `--allow-ffi`): a verification measured ~53 µs here
 * against ~186 µs in this runtime's `node:crypto`, a signature ~41 µs
 * against ~197 µs in noble (seventeenth round (a) of issue 18).
 *
 * One context, randomized at start (side-channel blinding for signing).
 * Public keys are parsed from their 65-byte point into libsecp256k1's
 * 64-byte `secp256k1_pubkey` and kept in a bounded cache by the point; an
 * evicted one is parsed again when its handle is used (~5 µs). Signatures
 * arrive as DER that `ecc.ts` has read already with its own rules (minimal
 * DER, 1 ≤ r, s < n: exactly what the runtime's engine accepts); they are
 * handed to libsecp256k1 as the compact `r‖s` and normalized to low S
 * before the verification (libsecp256k1 rejects high S, which the runtime
 * accepts and our peers send about half of the time). Signing is RFC 6979
 * (libsecp256k1's default nonce, no extra entropy), S low: the same bytes as
 * the runtime's engine (noble) and the vectors — a hedged signature (random
 * bytes mixed into the nonce) would verify as well, but a key's signature of
 * the same data would no longer be one value whatever the engine. The
 * one-time nonces of signatures made ahead (`signWithNonce`, the station's
 * signer thread) take their k·G from `secp256k1_ec_pubkey_create` (~20 µs
 * against noble's ~80), k from the CSPRNG as before.
 *
 * Before the engine is handed out, the library is checked against the
 * runtime's `node:crypto` on a new key: each verifies what the other signs,
 * a high-S twin verifies, a wrong signature and another key's do not, a
 * signature with one of its nonces verifies; and its signature of a known
 * key and text is the vectors' (RFC 6979). A library that fails is not
 * used.
 *
 * @module
 */
import {
  generateKeyPairSync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
} from "node:crypto";
import { BoundedMap } from "../dimp/bounded_map.ts";
import {
  decodeEcdsaSignature,
  EccPrivateKey,
  type EcdsaEngine,
  type EcdsaNonce,
  ecdsaNoncesFrom,
  encodeEcdsaSignature,
  sha256,
} from "../dimp/crypto/mod.ts";

/** The library `Deno.dlopen` looks for by default (the soname of ABI 1). */
export const DEFAULT_LIBSECP256K1 = "libsecp256k1.so.1";

/** Parsed public keys kept by default (~64 bytes each, ~5 µs to parse again). */
const PUBLIC_KEYS = 4096;

/** `SECP256K1_CONTEXT_VERIFY | SECP256K1_CONTEXT_SIGN` (any context since 0.2). */
const CONTEXT_FLAGS = 0x0301;

/**
 * The self-test's known answer (the DIM vectors `ecc/keypair` and
 * `ecc/verify/ts-low-s-rfc6979`): this secret's RFC 6979 signature of
 * "moky", as `r‖s`.
 */
const _KNOWN = {
  secret: Uint8Array.fromHex(
    "de97fdbdb823a197603e1f2cb8b1bded3824147e88ebd47367ba82d4b5600d73",
  ),
  data: new TextEncoder().encode("moky"),
  signature: Uint8Array.fromHex(
    "03a45f3c0c91b4dc11ec0c2cd149fe565596d65c76cb142a3d4cf77de10d7100" +
      "3dd74ead76c6f40ee2c0b87b0a81db2b56479cc12164baf5e4606a7ea551aba4",
  ),
};

/** Order of the secp256k1 group, for the self-test's high-S twin. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const _SYMBOLS = {
  secp256k1_context_create: { parameters: ["u32"], result: "pointer" },
  secp256k1_context_destroy: { parameters: ["pointer"], result: "void" },
  secp256k1_context_randomize: {
    parameters: ["pointer", "buffer"],
    result: "i32",
  },
  secp256k1_ec_pubkey_parse: {
    parameters: ["pointer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  secp256k1_ecdsa_signature_parse_compact: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
  secp256k1_ecdsa_signature_normalize: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
  secp256k1_ecdsa_verify: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  secp256k1_ecdsa_sign: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "pointer", "buffer"],
    result: "i32",
  },
  secp256k1_ecdsa_signature_serialize_compact: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
  secp256k1_ec_pubkey_create: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
  secp256k1_ec_pubkey_serialize: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "u32"],
    result: "i32",
  },
} as const;

/** `SECP256K1_EC_UNCOMPRESSED`. */
const EC_UNCOMPRESSED = 2;

/**
 * libsecp256k1 could not be loaded or used (not found, no `--allow-ffi`, a
 * failed self-test, a failed call); `cause` is the underlying error if any.
 *
 * @example
 * ```ts
 * import { Secp256k1Error } from "./libsecp256k1.ts";
 * new Secp256k1Error("no libsecp256k1").name; // "Secp256k1Error"
 * ```
 */
export class Secp256k1Error extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Secp256k1Error";
  }
}

/** Options of {@link openLibsecp256k1}. */
export interface Libsecp256k1Options {
  /** Where the library is (default {@link DEFAULT_LIBSECP256K1}). */
  readonly path?: string;
  /** How many parsed public keys are kept (default 4096). */
  readonly publicKeys?: number;
}

/** A public key's handle: its point; the parsed form lives in the cache. */
interface _Key {
  readonly point: Uint8Array;
  readonly id: string;
}

/** An {@link EcdsaEngine} over libsecp256k1, with a way to close it. */
export interface Libsecp256k1Engine extends EcdsaEngine {
  /** Where the library was loaded from (as given to `Deno.dlopen`). */
  readonly path: string;
  /** How many parsed public keys are held now. */
  readonly cachedKeys: number;
  /** How many times a public key was parsed (a new one or an evicted one). */
  readonly parses: number;
  /** Destroys the context and closes the library; unusable after. */
  close(): void;
}

/**
 * Loads libsecp256k1 (see {@link Libsecp256k1Options}), checks it against
 * the runtime's `node:crypto` and makes an ECDSA engine over it.
 *
 * @throws {Secp256k1Error} the library does not load (not found, no
 *   `--allow-ffi`, a symbol missing) or fails the self-test
 *
 * @example
 * ```ts ignore
 * import { installEcdsaEngine } from "../dimp/crypto/mod.ts";
 * import { openLibsecp256k1 } from "./libsecp256k1.ts";
 * installEcdsaEngine(openLibsecp256k1());
 * ```
 */
export function openLibsecp256k1(
  options: Libsecp256k1Options = {},
): Libsecp256k1Engine {
  const path = options.path ?? DEFAULT_LIBSECP256K1;
  let library: Deno.DynamicLibrary<typeof _SYMBOLS>;
  try {
    library = Deno.dlopen(path, _SYMBOLS);
  } catch (error) {
    throw new Secp256k1Error(
      `cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const lib = library.symbols;
  const context = lib.secp256k1_context_create(CONTEXT_FLAGS);
  if (context === null) {
    library.close();
    throw new Secp256k1Error(`${path}: secp256k1_context_create failed`);
  }
  const close = (): void => {
    lib.secp256k1_context_destroy(context);
    library.close();
  };
  if (
    lib.secp256k1_context_randomize(
      context,
      crypto.getRandomValues(new Uint8Array(32)),
    ) !== 1
  ) {
    close();
    throw new Secp256k1Error(`${path}: secp256k1_context_randomize failed`);
  }

  const parsed = new BoundedMap<string, Uint8Array>(
    options.publicKeys ?? PUBLIC_KEYS,
  );
  let parses = 0;
  const compact = new Uint8Array(64);
  const signature = new Uint8Array(64);
  const normalized = new Uint8Array(64);

  const pubkeyOf = (key: _Key): Uint8Array => {
    const kept = parsed.touch(key.id);
    if (kept !== undefined) return kept;
    const pubkey = new Uint8Array(64);
    if (
      lib.secp256k1_ec_pubkey_parse(
        context,
        pubkey,
        key.point,
        BigInt(key.point.length),
      ) !== 1
    ) {
      throw new Secp256k1Error("libsecp256k1 does not read this point");
    }
    parses++;
    parsed.set(key.id, pubkey);
    return pubkey;
  };

  const importPublic = (point: Uint8Array): _Key => {
    const key = { point: point.slice(), id: point.toBase64() };
    pubkeyOf(key);
    return key;
  };

  const verify = (key: _Key, digest: Uint8Array, der: Uint8Array): boolean => {
    if (!_compactFromDer(der, compact)) return false;
    if (
      lib.secp256k1_ecdsa_signature_parse_compact(
        context,
        signature,
        compact,
      ) !== 1
    ) {
      return false; // r or s ≥ n
    }
    lib.secp256k1_ecdsa_signature_normalize(context, normalized, signature);
    return lib.secp256k1_ecdsa_verify(
      context,
      normalized,
      digest,
      pubkeyOf(key),
    ) === 1;
  };

  const scalar = new Uint8Array(32);
  const multiple = new Uint8Array(64);
  const point = new Uint8Array(65);
  const pointLength = new BigUint64Array(1);

  /** k·G of fresh random k (a k of 0 or ≥ n is drawn again). */
  const nonces = (count: number): EcdsaNonce[] => {
    const ks: bigint[] = [];
    const xs: bigint[] = [];
    while (ks.length < count) {
      crypto.getRandomValues(scalar);
      if (lib.secp256k1_ec_pubkey_create(context, multiple, scalar) !== 1) {
        continue;
      }
      pointLength[0] = 65n;
      lib.secp256k1_ec_pubkey_serialize(
        context,
        point,
        pointLength,
        multiple,
        EC_UNCOMPRESSED,
      );
      ks.push(BigInt("0x" + scalar.toHex()));
      xs.push(BigInt("0x" + point.subarray(1, 33).toHex()));
    }
    scalar.fill(0);
    const made = ecdsaNoncesFrom(ks, xs);
    return made.length === count
      ? made
      : [...made, ...nonces(count - made.length)];
  };

  const sign = (secret: Uint8Array, data: Uint8Array): Uint8Array => {
    if (
      lib.secp256k1_ecdsa_sign(
        context,
        signature,
        sha256(data),
        secret,
        null,
        null,
      ) !== 1
    ) {
      throw new Secp256k1Error("libsecp256k1 does not sign with this secret");
    }
    const out = new Uint8Array(64);
    lib.secp256k1_ecdsa_signature_serialize_compact(context, out, signature);
    return out;
  };

  try {
    _selfTest(importPublic, verify, sign, nonces);
  } catch (error) {
    close();
    throw error;
  }
  parsed.clear(); // the test's keys are not kept
  parses = 0;

  return {
    name: "libsecp256k1",
    path,
    get cachedKeys(): number {
      return parsed.size;
    },
    get parses(): number {
      return parses;
    },
    importPublic: (point) => Promise.resolve(importPublic(point)),
    verify: (key, _data, digest, der) =>
      Promise.resolve(verify(key as _Key, digest, der)),
    sign: (secret, data) => Promise.resolve(sign(secret, data)),
    nonces,
    close,
  };
}

/**
 * Writes the `r‖s` of a minimal DER signature into `out` (64 bytes, each
 * right-aligned); `false` when it is not `SEQUENCE { INTEGER, INTEGER }` of
 * at most 32 significant bytes each. `ecc.ts` has checked the DER already.
 */
function _compactFromDer(der: Uint8Array, out: Uint8Array): boolean {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) {
    return false;
  }
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) return false;
    let length = der[at + 1];
    let start = at + 2;
    if (start + length > der.length) return false;
    at = start + length;
    while (length > 0 && der[start] === 0) {
      start++;
      length--;
    }
    if (length > 32) return false;
    const end = 32 * (i + 1);
    out.fill(0, end - 32, end - length);
    out.set(der.subarray(start, start + length), end - length);
  }
  return at === der.length;
}

/**
 * Checks the library against the runtime's `node:crypto` on a new key
 * before anything relies on it (~1 ms): the runtime verifies the library's
 * signature (and its S is low), the library verifies the runtime's and its
 * high-S twin, refuses a signature over other data and one by another key,
 * verifies one made with a nonce of the library's, and signs a known text
 * with a known key as the vectors do (RFC 6979) — so
 * a library that differs in any of these is refused.
 */
function _selfTest(
  importPublic: (point: Uint8Array) => _Key,
  verify: (key: _Key, digest: Uint8Array, der: Uint8Array) => boolean,
  sign: (secret: Uint8Array, data: Uint8Array) => Uint8Array,
  nonces: (count: number) => EcdsaNonce[],
): void {
  const fail = (what: string): never => {
    throw new Secp256k1Error(`libsecp256k1 fails the self-test: ${what}`);
  };
  const pair = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
  const other = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
  const jwk = pair.privateKey.export({ format: "jwk" });
  const secret = Uint8Array.fromBase64(jwk.d!, { alphabet: "base64url" });
  const point = (p: typeof pair.publicKey): Uint8Array => {
    const { x, y } = p.export({ format: "jwk" });
    const out = new Uint8Array(65);
    out[0] = 4;
    out.set(Uint8Array.fromBase64(x!, { alphabet: "base64url" }), 1);
    out.set(Uint8Array.fromBase64(y!, { alphabet: "base64url" }), 33);
    return out;
  };
  const key = importPublic(point(pair.publicKey));
  const otherKey = importPublic(point(other.publicKey));
  const data = crypto.getRandomValues(new Uint8Array(48));
  const digest = sha256(data);

  const compact = sign(secret, data);
  const ours = encodeEcdsaSignature({
    r: BigInt("0x" + compact.subarray(0, 32).toHex()),
    s: BigInt("0x" + compact.subarray(32).toHex()),
  });
  if (decodeEcdsaSignature(ours).s > N >> 1n) fail("its S is high");
  if (!nodeVerify("sha256", data, pair.publicKey, ours)) {
    fail("the runtime does not verify its signature");
  }
  const theirs = new Uint8Array(nodeSign("sha256", data, pair.privateKey));
  const { r, s } = decodeEcdsaSignature(theirs);
  const low = encodeEcdsaSignature({ r, s: s > N >> 1n ? N - s : s });
  const high = encodeEcdsaSignature({ r, s: s > N >> 1n ? s : N - s });
  if (!verify(key, digest, low)) {
    fail("it does not verify the runtime's signature");
  }
  if (!verify(key, digest, high)) {
    fail("it does not verify a high-S signature");
  }
  const otherDigest = sha256(crypto.getRandomValues(new Uint8Array(48)));
  if (verify(key, otherDigest, low)) {
    fail("it verifies a signature over other data");
  }
  if (verify(otherKey, digest, low)) {
    fail("it verifies a signature by another key");
  }
  const withNonce = EccPrivateKey.fromDictionary({
    algorithm: "ECC",
    data: secret.toHex(),
  }).signWithNonce(data, nonces(1)[0]);
  if (!nodeVerify("sha256", data, pair.publicKey, withNonce)) {
    fail("the runtime does not verify a signature with its nonce");
  }
  const known = sign(_KNOWN.secret, _KNOWN.data);
  if (!timingSafeEqual(known, _KNOWN.signature)) {
    fail("its signature of the known text is not RFC 6979's");
  }
}
