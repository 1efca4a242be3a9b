/**
 * Checks an exported account without our identity or crypto code: the ID
 * is taken apart by hand, the address re-derived from the meta with the
 * hash functions of @noble/hashes, the key read from its PEM by hand, and
 * every signature verified by @noble/secp256k1 (ECDSA) or Web Crypto
 * (RSASSA-PKCS1-v1_5) — neither is the `node:crypto` path `dim` signs and
 * verifies with.
 *
 * @module
 */
import * as secp from "@noble/secp256k1";
import { sha256 } from "@noble/hashes/sha2.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { base58, base64 } from "@scure/base";
import { webCryptoRsaVerify } from "../dimp/_independent.ts";

type Json = Record<string, unknown>;

/** What the independent check learned about the account. */
export interface IndependentResult {
  /** The address type byte (0 for ETH addresses). */
  readonly network: number;
  /** The meta type. */
  readonly metaType: number;
  /** The key algorithm of the meta. */
  readonly algorithm: "RSA" | "ECC";
  /** The properties of each document, as signed. */
  readonly documents: Json[];
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The DER body of a PEM text. */
function pemBody(pem: string): Uint8Array {
  const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return base64.decode(body);
}

/** An uncompressed secp256k1 point from an SPKI PEM or a hex string. */
function eccPoint(data: string): Uint8Array {
  if (/^[0-9a-fA-F]+$/.test(data)) {
    const bytes = Uint8Array.from(
      data.match(/../g)!.map((h) => parseInt(h, 16)),
    );
    return bytes.length === 64 ? Uint8Array.of(4, ...bytes) : bytes;
  }
  const der = pemBody(data);
  return der.subarray(der.length - 65); // SPKI ends with the BIT STRING point
}

/** r ‖ s (64 bytes) from a DER ECDSA signature. */
function compactFromDer(der: Uint8Array): Uint8Array {
  if (der[0] !== 0x30) throw new Error("not a DER sequence");
  let at = 2;
  const out = new Uint8Array(64);
  for (const offset of [0, 32]) {
    if (der[at] !== 0x02) throw new Error("not a DER integer");
    const length = der[at + 1];
    let value = der.subarray(at + 2, at + 2 + length);
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    out.set(value, offset + 32 - value.length);
    at += 2 + length;
  }
  return out;
}

function verify(
  key: Json,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (key.algorithm === "ECC") {
    const valid = secp.verify(
      compactFromDer(signature),
      sha256(data),
      eccPoint(key.data as string),
      { prehash: false, lowS: false },
    );
    return Promise.resolve(valid);
  }
  return webCryptoRsaVerify(pemBody(key.data as string), data, signature);
}

function btcAddress(data: Uint8Array, network: number): string {
  const head = Uint8Array.of(network, ...ripemd160(sha256(data)));
  const check = sha256(sha256(head)).subarray(0, 4);
  return base58.encode(Uint8Array.of(...head, ...check));
}

function ethAddress(point: Uint8Array): string {
  const hex = [...keccak_256(point.subarray(1)).subarray(12)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const hash = [...keccak_256(utf8(hex))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return "0x" +
    [...hex].map((c, i) => parseInt(hash[i], 16) >= 8 ? c.toUpperCase() : c)
      .join("");
}

/**
 * Checks that the meta generates the ID and that every document names the
 * ID and verifies with the meta key; throws with the reason otherwise.
 */
export async function verifyIndependently(
  record: Json,
): Promise<IndependentResult> {
  const id = record.id as string;
  const meta = record.meta as Json;
  const key = meta.key as Json;
  const [name, address] = id.includes("@") ? id.split("@") : [undefined, id];
  const metaType = Number(meta.type ?? meta.version);
  let network = 0;
  let expected: string;
  if (metaType === 1) {
    const fingerprint = base64.decode(meta.fingerprint as string);
    if (!await verify(key, utf8(meta.seed as string), fingerprint)) {
      throw new Error(`${id}: the meta fingerprint does not verify`);
    }
    if (name !== meta.seed) throw new Error(`${id}: name is not the seed`);
    network = base58.decode(address)[0];
    expected = btcAddress(fingerprint, network);
  } else if (metaType === 2) {
    network = base58.decode(address)[0];
    const keyBytes = key.algorithm === "ECC"
      ? eccPoint(key.data as string)
      : pemBody(key.data as string);
    expected = btcAddress(keyBytes, network);
  } else if (metaType === 4) {
    expected = ethAddress(eccPoint(key.data as string));
  } else {
    throw new Error(`${id}: meta type ${metaType}`);
  }
  if (expected !== address) {
    throw new Error(`${id}: the meta generates ${expected}`);
  }
  if (metaType !== 1 && name !== undefined) {
    throw new Error(`${id}: a meta without seed makes no named ID`);
  }
  const documents: Json[] = [];
  for (const doc of record.documents as Json[]) {
    if (doc.did !== id || doc.ID !== id) {
      throw new Error(`${id}: a document of ${doc.did} / ${doc.ID}`);
    }
    const signature = base64.decode(doc.signature as string);
    if (!await verify(key, utf8(doc.data as string), signature)) {
      throw new Error(`${id}: a ${doc.type} does not verify`);
    }
    documents.push(JSON.parse(doc.data as string));
  }
  return {
    network,
    metaType,
    algorithm: key.algorithm as "RSA" | "ECC",
    documents,
  };
}
