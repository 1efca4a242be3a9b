/**
 * The browser implementation of the crypto backend: Web Crypto for RSA
 * signatures, RSA key generation, AES-128/256-CBC and random bytes; pure JS
 * where Web Crypto has no (synchronous) answer — noble for the digests and
 * secp256k1, `micro-rsa-dsa-dh` for RSAES-PKCS1-v1_5 (not in Web Crypto) and
 * `@noble/ciphers` for AES-192 (Chromium's Web Crypto rejects 192-bit keys).
 *
 * `micro-rsa-dsa-dh` over `node-forge` for the RSA encryption: it is by the
 * author of the noble libraries already used here (same audits, same
 * `@noble/hashes`, ES modules with types, a few kB), while node-forge is a
 * large CommonJS toolkit whose whole TLS/PKI surface would be carried for one
 * padding scheme.
 *
 * @module
 */
import * as secp from "@noble/secp256k1";
import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { cbc } from "@noble/ciphers/aes.js";
import { PKCS1_KEM } from "micro-rsa-dsa-dh/rsa.js";
import type { CryptoBackend, RsaKeyPairDer } from "./_backend_api.ts";
import { KeyCache, noblePart } from "./_backend_noble.ts";
import { concatBytes, readItems, readOnly, TAG, writeTlv } from "./_der.ts";
import { utf8Encode } from "./encoding.ts";

/** Most bytes `crypto.getRandomValues` fills in one call. */
const RANDOM_CHUNK = 65536;

/** `AlgorithmIdentifier` of rsaEncryption with its NULL parameters. */
const RSA_ALGORITHM = Uint8Array.fromHex(
  "300d06092a864886f70d0101010500",
);

const RSA_SIGN = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** An RSA public key: its numbers and, once imported, its Web Crypto key. */
interface _RsaPublic {
  readonly n: bigint;
  readonly e: bigint;
  readonly verifyKey: Promise<CryptoKey>;
}

/** An RSA private key: its numbers and its Web Crypto signing key. */
interface _RsaPrivate {
  readonly n: bigint;
  readonly d: bigint;
  readonly signKey: Promise<CryptoKey>;
}

/** A secp256k1 public key: its 65-byte point. */
interface _EcPublic {
  readonly point: Uint8Array;
}

function _buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function _bigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt("0x" + bytes.toHex());
}

function _randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += RANDOM_CHUNK) {
    crypto.getRandomValues(out.subarray(i, Math.min(length, i + RANDOM_CHUNK)));
  }
  return out;
}

/** `n` and `e` of an RSA `SubjectPublicKeyInfo`. */
function _rsaPublicNumbers(spki: Uint8Array): { n: bigint; e: bigint } {
  const [, bits] = readItems(readOnly(spki, TAG.SEQUENCE));
  const [n, e] = readItems(readOnly(bits.value.subarray(1), TAG.SEQUENCE));
  return { n: _bigint(n.value), e: _bigint(e.value) };
}

/** A PKCS#1 `RSAPrivateKey` wrapped as PKCS#8 (what Web Crypto imports). */
function _pkcs8(pkcs1: Uint8Array): Uint8Array {
  return writeTlv(
    TAG.SEQUENCE,
    writeTlv(TAG.INTEGER, new Uint8Array([0])),
    RSA_ALGORITHM,
    writeTlv(TAG.OCTET_STRING, pkcs1),
  );
}

/** The 64-byte `r‖s` of a DER ECDSA signature. */
function _compact(der: Uint8Array): Uint8Array {
  const items = readItems(readOnly(der, TAG.SEQUENCE));
  if (items.length !== 2) throw new RangeError("not an ECDSA signature");
  const part = (value: Uint8Array): Uint8Array => {
    const trimmed = value.subarray(value.findIndex((b) => b !== 0));
    if (trimmed.length > 32) throw new RangeError("ECDSA integer too long");
    const out = new Uint8Array(32);
    out.set(trimmed, 32 - trimmed.length);
    return out;
  };
  return concatBytes(part(items[0].value), part(items[1].value));
}

async function _aes(
  mode: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  if (key.length === 24) {
    const cipher = cbc(key, iv);
    return mode === "encrypt" ? cipher.encrypt(data) : cipher.decrypt(data);
  }
  const k = await crypto.subtle.importKey(
    "raw",
    _buffer(key),
    "AES-CBC",
    false,
    [mode],
  );
  return new Uint8Array(
    await crypto.subtle[mode](
      { name: "AES-CBC", iv: _buffer(iv) },
      k,
      _buffer(data),
    ),
  );
}

const _keys = new KeyCache<_RsaPublic | _RsaPrivate | _EcPublic>();

/**
 * The Web Crypto + pure-JS backend: runs in a browser and in Deno.
 *
 * @example
 * ```ts
 * import { webBackend } from "./_backend_web.ts";
 * webBackend.sha256(new Uint8Array()).length; // 32
 * ```
 */
export const webBackend: CryptoBackend = {
  ...noblePart,
  randomBytes: _randomBytes,
  sha256: (data) => sha256(data),
  sha1: (data) => sha1(data),
  md5: (data) => md5(data),

  rsaImportPublic: (spki) =>
    Promise.resolve(_keys.handle("rsa-spki:" + spki.toBase64(), () => {
      const verifyKey = crypto.subtle.importKey(
        "spki",
        _buffer(spki),
        RSA_SIGN,
        false,
        ["verify"],
      );
      verifyKey.catch(() => {});
      return { ..._rsaPublicNumbers(spki), verifyKey };
    })),
  rsaImportPrivate: (pkcs1) =>
    Promise.resolve(_keys.handle("rsa-pkcs1:" + pkcs1.toBase64(), () => {
      const items = readItems(readOnly(pkcs1, TAG.SEQUENCE));
      const signKey = crypto.subtle.importKey(
        "pkcs8",
        _buffer(_pkcs8(pkcs1)),
        RSA_SIGN,
        false,
        ["sign"],
      );
      signKey.catch(() => {});
      return {
        n: _bigint(items[1].value),
        d: _bigint(items[3].value),
        signKey,
      };
    })),
  rsaSign: async (key, data) => {
    const { signKey } = _keys.key(key) as _RsaPrivate;
    return new Uint8Array(
      await crypto.subtle.sign(RSA_SIGN, await signKey, _buffer(data)),
    );
  },
  rsaVerify: async (key, data, signature) => {
    try {
      const { verifyKey } = _keys.key(key) as _RsaPublic;
      return await crypto.subtle.verify(
        RSA_SIGN,
        await verifyKey,
        _buffer(signature),
        _buffer(data),
      );
    } catch {
      return false;
    }
  },
  rsaEncrypt: (key, plaintext) => {
    const { n, e } = _keys.key(key) as _RsaPublic;
    return Promise.resolve(PKCS1_KEM.encrypt({ n, e }, plaintext));
  },
  rsaDecrypt: (key, ciphertext) => {
    const { n, d } = _keys.key(key) as _RsaPrivate;
    try {
      return Promise.resolve(PKCS1_KEM.decrypt({ n, d }, ciphertext));
    } catch {
      return Promise.resolve(undefined);
    }
  },
  rsaGenerate: async (modulusBits): Promise<RsaKeyPairDer> => {
    const pair = await crypto.subtle.generateKey(
      {
        ...RSA_SIGN,
        modulusLength: modulusBits,
        publicExponent: new Uint8Array([1, 0, 1]),
      },
      true,
      ["sign", "verify"],
    );
    const spki = new Uint8Array(
      await crypto.subtle.exportKey("spki", pair.publicKey),
    );
    const pkcs8 = new Uint8Array(
      await crypto.subtle.exportKey("pkcs8", pair.privateKey),
    );
    const [, , octets] = readItems(readOnly(pkcs8, TAG.SEQUENCE));
    return { pkcs1: new Uint8Array(octets.value), spki };
  },

  ecImportPublic: (point) =>
    Promise.resolve(
      _keys.handle("ec-point:" + point.toBase64(), () => ({ point })),
    ),
  ecVerify: (key, data, lowSDer) => {
    try {
      const { point } = _keys.key(key) as _EcPublic;
      return Promise.resolve(
        secp.verify(_compact(lowSDer), sha256(data), point, {
          prehash: false,
          lowS: false,
        }),
      );
    } catch {
      return Promise.resolve(false);
    }
  },

  aesCbcEncrypt: (key, iv, plaintext) =>
    _aes(
      "encrypt",
      key,
      iv,
      typeof plaintext === "string" ? utf8Encode(plaintext) : plaintext,
    ),
  aesCbcDecrypt: async (key, iv, ciphertext) => {
    try {
      return await _aes("decrypt", key, iv, ciphertext);
    } catch {
      return undefined;
    }
  },
};
