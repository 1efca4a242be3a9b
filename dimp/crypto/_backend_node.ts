/**
 * The Deno implementation of the crypto backend: `node:crypto` (native) for
 * RSA, ECDSA verification, AES and SHA digests; noble for secp256k1 signing
 * and point arithmetic (not in `node:crypto` on every platform), RIPEMD-160
 * and Keccak-256.
 *
 * AES goes through `node:crypto` because it measured faster here than Web
 * Crypto (1 KiB AES-256-CBC encrypt: 16 µs vs 37 µs with a cached
 * `CryptoKey`; Deno 2.9.6), except AES-192, which Deno's `node:crypto` lacks;
 * its ciphers are kept from one message to the next for the most recently used
 * keys (`_kept_cbc.ts`).
 *
 * `node:crypto` and `Buffer` are handed in (imported by `_backend.ts` only
 * where they exist), so a browser bundle of `dimp/` never imports them.
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import type { Buffer as NodeBuffer } from "node:buffer";
import type { CryptoBackend, RsaKeyPairDer } from "./_backend_api.ts";
import { KeyCache, noblePart } from "./_backend_noble.ts";
import { KeptCbc } from "./_kept_cbc.ts";
import { utf8Encode } from "./encoding.ts";

/**
 * AES keys whose ciphers are kept (~4.7 KiB each per direction): the
 * sessions exchanging messages at a time, not every session.
 */
const KEPT_CIPHER_KEYS = 512;

/** secp256k1 SubjectPublicKeyInfo prefix for a 65-byte point. */
const EC_SPKI_PREFIX = Uint8Array.fromHex(
  "3056301006072a8648ce3d020106052b8104000a034200",
);

function _bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Deno's `node:crypto` lacks AES-192; such (rare) keys go through Web Crypto. */
async function _aes192(
  mode: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    "AES-CBC",
    false,
    [mode],
  );
  return new Uint8Array(
    await crypto.subtle[mode](
      { name: "AES-CBC", iv: new Uint8Array(iv) },
      k,
      new Uint8Array(data),
    ),
  );
}

/** An RSA private key as `node:crypto` takes it: its PKCS#1 DER. */
interface RsaPrivateDer {
  readonly key: NodeBuffer;
  readonly format: "der";
  readonly type: "pkcs1";
}

/**
 * An RSA public key for `node:crypto`: its `KeyObject`, which verifies, and
 * its SubjectPublicKeyInfo DER, which encrypts — handed the `KeyObject`,
 * Deno's `publicEncrypt` exports it to PEM and parses that on every call
 * (an RSA-1024 encryption here: ~44 µs from the DER against ~51 µs; a
 * verification from the DER ~52 µs against ~48 µs; Deno 2.9.6).
 */
interface RsaPublic {
  readonly object: NodeCrypto.KeyObject;
  readonly der: {
    readonly key: NodeBuffer;
    readonly format: "der";
    readonly type: "spki";
  };
}

/**
 * An RSA private key (checked once by `createPrivateKey`) kept as its DER:
 * Deno's `node:crypto` turns a `KeyObject` back into PEM and parses that on
 * every `privateDecrypt` / `sign`; handed DER it parses only the DER (an
 * RSA-1024 decryption here: ~350 µs against ~420 µs, Deno 2.9.6).
 */
function _rsaPrivateDer(
  nc: typeof NodeCrypto,
  der: NodeBuffer,
): RsaPrivateDer {
  const key = { key: der, format: "der", type: "pkcs1" } as const;
  nc.createPrivateKey(key);
  return key;
}

/**
 * The `node:crypto` + noble backend over the given `node:crypto` module.
 *
 * @example
 * ```ts
 * import { createNodeBackend } from "./_backend_node.ts";
 * import { Buffer } from "node:buffer";
 * const backend = createNodeBackend(await import("node:crypto"), Buffer);
 * backend.sha256(new Uint8Array()).length; // 32
 * ```
 */
export function createNodeBackend(
  nc: typeof NodeCrypto,
  buffer: typeof NodeBuffer,
): CryptoBackend {
  const keys = new KeyCache<NodeCrypto.KeyObject>();
  const publicKeys = new KeyCache<RsaPublic>();
  const privateKeys = new KeyCache<RsaPrivateDer>();
  const cbc = new KeptCbc(nc, KEPT_CIPHER_KEYS);
  const digest = (algorithm: string, data: Uint8Array): Uint8Array =>
    _bytes(nc.createHash(algorithm).update(data).digest());
  return {
    ...noblePart,
    randomBytes: (length) => _bytes(nc.randomBytes(length)),
    sha256: (data) => digest("sha256", data),
    sha1: (data) => digest("sha1", data),
    md5: (data) => digest("md5", data),

    rsaImportPublic: (spki) =>
      Promise.resolve(publicKeys.handle(
        "rsa-spki:" + spki.toBase64(),
        () => {
          const der = {
            key: buffer.from(spki),
            format: "der",
            type: "spki",
          } as const;
          return { object: nc.createPublicKey(der), der };
        },
      )),
    rsaImportPrivate: (pkcs1) =>
      Promise.resolve(privateKeys.handle(
        "rsa-pkcs1:" + pkcs1.toBase64(),
        () => _rsaPrivateDer(nc, buffer.from(pkcs1)),
      )),
    rsaSign: (key, data) =>
      Promise.resolve(
        _bytes(nc.sign("sha256", data, privateKeys.key(key))),
      ),
    rsaVerify: (key, data, signature) => {
      try {
        return Promise.resolve(
          nc.verify("sha256", data, publicKeys.key(key).object, signature),
        );
      } catch {
        return Promise.resolve(false);
      }
    },
    rsaEncrypt: (key, plaintext) =>
      Promise.resolve(_bytes(nc.publicEncrypt(
        {
          ...publicKeys.key(key).der,
          padding: nc.constants.RSA_PKCS1_PADDING,
        },
        plaintext,
      ))),
    rsaDecrypt: (key, ciphertext) => {
      try {
        return Promise.resolve(_bytes(nc.privateDecrypt(
          {
            ...privateKeys.key(key),
            padding: nc.constants.RSA_PKCS1_PADDING,
          },
          ciphertext,
        )));
      } catch {
        return Promise.resolve(undefined);
      }
    },
    rsaGenerate: (modulusBits) =>
      new Promise<RsaKeyPairDer>((resolve, reject) => {
        nc.generateKeyPair("rsa", {
          modulusLength: modulusBits,
          publicExponent: 65537,
          publicKeyEncoding: { type: "spki", format: "der" },
          privateKeyEncoding: { type: "pkcs1", format: "der" },
        }, (error, spki, pkcs1) => {
          if (error) reject(error);
          else resolve({ pkcs1: _bytes(pkcs1), spki: _bytes(spki) });
        });
      }),

    ecImportPublic: (point) =>
      Promise.resolve(keys.handle(
        "ec-point:" + point.toBase64(),
        () =>
          nc.createPublicKey({
            key: buffer.concat([EC_SPKI_PREFIX, point]),
            format: "der",
            type: "spki",
          }),
      )),
    ecVerify: (key, data, lowSDer) => {
      try {
        return Promise.resolve(nc.verify(
          "sha256",
          data,
          { key: keys.key(key), dsaEncoding: "der" },
          lowSDer,
        ));
      } catch {
        return Promise.resolve(false);
      }
    },

    aesCbcEncrypt: (key, iv, plaintext) => {
      if (key.length === 24) {
        const bytes = typeof plaintext === "string"
          ? utf8Encode(plaintext)
          : plaintext;
        return _aes192("encrypt", key, iv, bytes);
      }
      return Promise.resolve(cbc.encrypt(key, iv, plaintext));
    },
    aesCbcDecrypt: async (key, iv, ciphertext) => {
      try {
        if (key.length === 24) {
          return await _aes192("decrypt", key, iv, ciphertext);
        }
        return cbc.decrypt(key, iv, ciphertext);
      } catch {
        return undefined;
      }
    },
  };
}
