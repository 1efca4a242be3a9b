/**
 * One table of bad inputs across the crypto and identity core: each must end
 * in its own typed error, never a crash or a silent success.
 */
import assert from "node:assert/strict";
import {
  base58Decode,
  base64Decode,
  decodeTed,
  EncodingError,
  hexDecode,
  KeyFormatError,
  parsePrivateKey,
  parsePublicKey,
  parseSymmetricKey,
  SignatureFormatError,
  SignatureMismatchError,
  UnsupportedAlgorithmError,
  utf8Decode,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import {
  AddressChecksumError,
  AddressFormatError,
  Document,
  DocumentFormatError,
  DocumentSignatureError,
  IdFormatError,
  Meta,
  MetaFormatError,
  MetaMismatchError,
  MetaSignatureError,
  parseId,
} from "../../dimp/identity/mod.ts";
import { identityVectors } from "./_vectors.ts";

type ErrorClass = new (...args: never[]) => Error;

const metas = identityVectors<{ meta: Record<string, unknown> }, unknown>(
  "meta_to_id",
);
const HULK_META = metas.find((v) => v.id === "meta/hulk")!.input.meta;
const ECC_META = metas.find((v) => v.id === "meta/ecc-mkm-station")!.input.meta;
const VISA = identityVectors<
  { document: Record<string, unknown>; meta: Record<string, unknown> },
  unknown
>("document_verify").find((v) => v.id === "doc/station-visa")!.input;
const RSA_KEY = HULK_META.key as Record<string, unknown>;
const MOKY = utf8Encode("moky");
const RSA_SIGNATURE = base64Decode(HULK_META.fingerprint as string);

const CASES: [string, () => unknown, ErrorClass][] = [
  ["bad base64 padding", () => base64Decode("bW9reQ="), EncodingError],
  ["unpadded base64", () => base64Decode("bW9reQ"), EncodingError],
  ["bad base58 character", () => base58Decode("3oF5M0"), EncodingError],
  ["odd hex", () => hexDecode("abc"), EncodingError],
  [
    "invalid UTF-8",
    () => utf8Decode(new Uint8Array([0xc0, 0x80])),
    EncodingError,
  ],
  ["TED that is a number", () => decodeTed(1), EncodingError],
  ["key that is not an object", () => parsePublicKey("RSA"), KeyFormatError],
  [
    "key without data",
    () => parsePublicKey({ algorithm: "RSA" }),
    KeyFormatError,
  ],
  [
    "unknown algorithm",
    () => parsePublicKey({ algorithm: "Ed25519", data: "x" }),
    UnsupportedAlgorithmError,
  ],
  [
    "missing algorithm",
    () => parsePrivateKey({ data: "x" }),
    UnsupportedAlgorithmError,
  ],
  [
    "DES symmetric key",
    () => parseSymmetricKey({ algorithm: "DES", data: "x" }),
    UnsupportedAlgorithmError,
  ],
  [
    "bad PEM (unterminated)",
    () =>
      parsePublicKey({
        ...RSA_KEY,
        data: (RSA_KEY.data as string).replace(/-----END.*/, ""),
      }),
    KeyFormatError,
  ],
  [
    "bad PEM (garbage body)",
    () =>
      parsePublicKey({
        ...RSA_KEY,
        data: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
      }),
    KeyFormatError,
  ],
  [
    "bad PEM (bad base64)",
    () =>
      parsePublicKey({
        ...RSA_KEY,
        data: "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----",
      }),
    KeyFormatError,
  ],
  [
    "ECC point off the curve",
    () => parsePublicKey({ algorithm: "ECC", data: "04" + "11".repeat(64) }),
    KeyFormatError,
  ],
  [
    "ID with bad base58",
    () => parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVE0"),
    AddressFormatError,
  ],
  [
    "ID with wrong checksum",
    () => parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEk"),
    AddressChecksumError,
  ],
  ["ID too long", () => parseId("x".repeat(65)), IdFormatError],
  [
    "ID with two '@'",
    () => parseId("a@b@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj"),
    IdFormatError,
  ],
  [
    "meta without key",
    () => Meta.parse({ type: 1, seed: "hulk", fingerprint: "bW9reQ==" }),
    MetaFormatError,
  ],
  [
    "meta of unknown type",
    () => Meta.parse({ ...HULK_META, version: 7 }),
    MetaFormatError,
  ],
  [
    "meta with bad base64 fingerprint",
    () => Meta.parse({ ...HULK_META, fingerprint: "bW9reQ" }),
    MetaFormatError,
  ],
  [
    "document without signature",
    () => Document.parse({ ...VISA.document, signature: undefined }),
    DocumentFormatError,
  ],
  [
    "document with data that is not JSON",
    () => Document.parse({ ...VISA.document, data: "x" }),
    DocumentFormatError,
  ],
];

for (const [what, run, error] of CASES) {
  Deno.test(`bad input: ${what} → ${error.name}`, () => {
    assert.throws(run, error);
  });
}

const ASYNC_CASES: [string, () => Promise<unknown>, ErrorClass][] = [
  [
    "truncated RSA signature",
    () =>
      parsePublicKey(RSA_KEY).verifyOrThrow(
        utf8Encode("hulk"),
        RSA_SIGNATURE.subarray(0, 100),
      ),
    SignatureFormatError,
  ],
  ["tampered RSA signature", () => {
    const signature = RSA_SIGNATURE.slice();
    signature[0] ^= 1;
    return parsePublicKey(RSA_KEY).verifyOrThrow(utf8Encode("hulk"), signature);
  }, SignatureMismatchError],
  ["truncated ECDSA signature", () => {
    const signature = base64Decode(ECC_META.fingerprint as string);
    return parsePublicKey(ECC_META.key).verifyOrThrow(
      MOKY,
      signature.subarray(0, signature.length - 2),
    );
  }, SignatureFormatError],
  [
    "meta whose fingerprint does not verify",
    () => Meta.parse({ ...HULK_META, seed: "hulk2" }).checkValid(),
    MetaSignatureError,
  ],
  [
    "meta that does not match the ID",
    () =>
      Meta.parse(HULK_META).checkId(
        parseId("moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk"),
      ),
    MetaMismatchError,
  ],
  ["tampered document", () => {
    const doc = Document.parse({
      ...VISA.document,
      data: (VISA.document.data as string).replace("9394", "9395"),
    });
    return doc.checkSignature(Meta.parse(VISA.meta).key);
  }, DocumentSignatureError],
  ["truncated document signature", () => {
    const signature = base64Decode(VISA.document.signature as string).subarray(
      0,
      100,
    );
    const doc = Document.parse({
      ...VISA.document,
      signature: btoa(String.fromCharCode(...signature)),
    });
    return doc.checkSignature(Meta.parse(VISA.meta).key);
  }, DocumentSignatureError],
];

for (const [what, run, error] of ASYNC_CASES) {
  Deno.test(`bad input: ${what} → ${error.name}`, async () => {
    await assert.rejects(run, error);
  });
}
