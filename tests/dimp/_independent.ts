/**
 * Signature checks by implementations other than ours: @noble/secp256k1's
 * own verify for ECDSA, Web Crypto RSASSA-PKCS1-v1_5 for RSA, and — when
 * `python3` with the `cryptography` package is on the machine — OpenSSL via
 * Python for both (plus RSA decryption of our ciphertexts).
 *
 * @module
 */
import * as secp from "@noble/secp256k1";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  base64Encode,
  decodeEcdsaSignature,
  EccPublicKey,
  hexDecode,
  type PrivateKey,
  type PublicKey,
} from "../../dimp/crypto/mod.ts";

function compact(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const { r, s } = decodeEcdsaSignature(der);
  return hexDecode(
    r.toString(16).padStart(64, "0") + s.toString(16).padStart(64, "0"),
  ) as Uint8Array<ArrayBuffer>;
}

/**
 * Verifies with noble (ECDSA, low S required: we must emit low S) or Web
 * Crypto (RSA) — neither is the `node:crypto` path our keys use.
 */
export function independentVerify(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (key instanceof EccPublicKey) {
    const valid = secp.verify(compact(signature), sha256(data), key.point, {
      prehash: false,
      lowS: true,
    });
    return Promise.resolve(valid);
  }
  return webCryptoRsaVerify(key.data, data, signature);
}

/** RSASSA-PKCS1-v1_5 / SHA-256 verification by Web Crypto, from SPKI DER. */
export async function webCryptoRsaVerify(
  spki: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const imported = await crypto.subtle.importKey(
    "spki",
    new Uint8Array(spki),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    imported,
    new Uint8Array(signature),
    new Uint8Array(data),
  );
}

const PYTHON_CHECK = `
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.exceptions import InvalidSignature
out = []
for item in json.load(sys.stdin):
    b = lambda k: base64.b64decode(item[k])
    if item["op"] == "verify-rsa":
        key = serialization.load_der_public_key(b("key"))
        try:
            key.verify(b("sig"), b("data"), padding.PKCS1v15(), hashes.SHA256()); out.append(True)
        except InvalidSignature:
            out.append(False)
    elif item["op"] == "verify-ecc":
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), b("key"))
        try:
            key.verify(b("sig"), b("data"), ec.ECDSA(hashes.SHA256())); out.append(True)
        except InvalidSignature:
            out.append(False)
    elif item["op"] == "decrypt-rsa":
        key = serialization.load_pem_private_key(item["key"].encode(), None)
        out.append(base64.b64encode(key.decrypt(b("data"), padding.PKCS1v15())).decode())
print(json.dumps(out))
`;

function pythonAvailable(): boolean {
  try {
    const { success } = new Deno.Command("python3", {
      args: ["-c", "import cryptography.hazmat.primitives.asymmetric.ec"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success;
  } catch {
    return false;
  }
}

/** Whether `python3` with `cryptography` runs here (else those tests are ignored). */
export const HAS_PYTHON_CRYPTOGRAPHY: boolean = pythonAvailable();

/** One job for the Python checker. */
export type PythonJob =
  | { op: "verify"; key: PublicKey; data: Uint8Array; signature: Uint8Array }
  | { op: "decrypt-rsa"; key: PrivateKey; data: Uint8Array };

/**
 * Runs the jobs in one `python3` process (OpenSSL through `cryptography`):
 * `true`/`false` for verifications, base64 plaintext for decryptions.
 */
export async function pythonCheck(
  jobs: PythonJob[],
): Promise<(boolean | string)[]> {
  const input = jobs.map((job) =>
    job.op === "verify"
      ? {
        op: job.key instanceof EccPublicKey ? "verify-ecc" : "verify-rsa",
        key: base64Encode(
          job.key instanceof EccPublicKey ? job.key.point : job.key.data,
        ),
        data: base64Encode(job.data),
        sig: base64Encode(job.signature),
      }
      : {
        op: "decrypt-rsa",
        key: job.key.toDictionary().data,
        data: base64Encode(job.data),
      }
  );
  const child = new Deno.Command("python3", {
    args: ["-c", PYTHON_CHECK],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}
