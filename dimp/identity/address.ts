/**
 * Addresses (spec identity.md §6): BTC-style (base58 of type byte,
 * RIPEMD-160(SHA-256(x)) and a 4-byte check code), ETH-style (`0x` + EIP-55
 * hex), the broadcast words `anywhere` / `everywhere`, and — only when asked
 * for — "unknown" addresses that dimples still routes.
 *
 * @module
 */
import {
  base58Decode,
  base58Encode,
  hexDecode,
  hexEncode,
  keccak256,
  ripemd160,
  sha256,
  utf8Encode,
} from "../crypto/mod.ts";
import { EntityType } from "./entity_type.ts";
import { AddressChecksumError, AddressFormatError } from "./errors.ts";

/**
 * Which family an address belongs to.
 *
 * @example
 * ```ts
 * parseAddress("anywhere").kind; // "broadcast"
 * ```
 */
export type AddressKind = "btc" | "eth" | "broadcast" | "unknown";

/**
 * A parsed address. Two addresses are equal when their strings are equal
 * (case-sensitive).
 *
 * @example
 * ```ts
 * const address = parseAddress("4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
 * address.network; // 8
 * ```
 */
export class Address {
  /** The family. */
  readonly kind: AddressKind;
  /** The address text exactly as parsed or generated. */
  readonly value: string;
  /**
   * The type byte: BTC byte 0, 0 for ETH and unknown addresses, 0x80 / 0x81
   * for `anywhere` / `everywhere`.
   */
  readonly network: number;

  /**
   * Builds an address from its parts; use the parse and generate functions
   * (which check the bytes against the text; only the text is kept).
   */
  constructor(kind: AddressKind, value: string, network: number) {
    this.kind = kind;
    this.value = value;
    this.network = network;
  }

  /**
   * The decoded bytes: 25 for BTC, 20 for ETH; empty otherwise. Decoded
   * from the text at each call: every ID and meta holds an address, and a
   * small byte array of its own costs ~0.5 KiB in Deno (the search number
   * is their only reader).
   */
  get bytes(): Uint8Array {
    switch (this.kind) {
      case "btc":
        return base58Decode(this.value);
      case "eth":
        return hexDecode(this.value.slice(2));
      default:
        return new Uint8Array(0);
    }
  }

  /** Whether this is `anywhere` or `everywhere`. */
  get isBroadcast(): boolean {
    return this.kind === "broadcast";
  }

  /** Same string. */
  equals(other: Address | string): boolean {
    return this.value === (typeof other === "string" ? other : other.value);
  }

  /** The address text. */
  toString(): string {
    return this.value;
  }

  /** The address text. */
  toJSON(): string {
    return this.value;
  }
}

/**
 * `anywhere` — the address of single-receiver broadcasts (type 0x80).
 *
 * @example
 * ```ts
 * ANYWHERE.network; // 0x80
 * ```
 */
export const ANYWHERE: Address = new Address(
  "broadcast",
  "anywhere",
  EntityType.ANY,
);

/**
 * `everywhere` — the address of broadcast groups (type 0x81).
 *
 * @example
 * ```ts
 * EVERYWHERE.network; // 0x81
 * ```
 */
export const EVERYWHERE: Address = new Address(
  "broadcast",
  "everywhere",
  EntityType.EVERY,
);

function checkCode(head: Uint8Array): Uint8Array {
  return sha256(sha256(head)).subarray(0, 4);
}

/**
 * The BTC-style address of `data` (a meta fingerprint or key bytes) for a
 * network byte: `base58(net ‖ ripemd160(sha256(data)) ‖ check code)`.
 */
export function btcAddress(data: Uint8Array, network: number): Address {
  if (!Number.isInteger(network) || network < 0 || network > 255) {
    throw new AddressFormatError(`network byte out of range: ${network}`);
  }
  const bytes = new Uint8Array(25);
  bytes[0] = network;
  bytes.set(ripemd160(sha256(data)), 1);
  bytes.set(checkCode(bytes.subarray(0, 21)), 21);
  return new Address("btc", base58Encode(bytes), network);
}

/**
 * EIP-55 mixed-case checksum spelling of a 20-byte hex address (with or
 * without `0x`, any case); returns it with `0x`.
 *
 * @example
 * ```ts
 * eip55("0xc40156dd85ba6d604ff97496fd9df74f0de22793"); // "0xC40156Dd85bA6D604Ff97496FD9df74f0de22793"
 * ```
 */
export function eip55(address: string): string {
  const lower = address.replace(/^0x/i, "").toLowerCase();
  const hash = hexEncode(keccak256(utf8Encode(lower)));
  let out = "0x";
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i];
    out += c >= "a" && parseInt(hash[i], 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * The ETH-style address of a secp256k1 public point (65 bytes `04‖X‖Y` or
 * 64 bytes `X‖Y`): `0x` + EIP-55 of the last 20 bytes of keccak256(X‖Y).
 *
 * @throws {AddressFormatError} a point of another length (compressed points
 *   are not supported by any reference)
 */
export function ethAddress(point: Uint8Array): Address {
  const xy = point.length === 65 && point[0] === 4
    ? point.subarray(1)
    : point.length === 64
    ? point
    : undefined;
  if (xy === undefined) {
    throw new AddressFormatError(
      `ETH address needs an uncompressed point, got ${point.length} bytes`,
    );
  }
  const bytes = keccak256(xy).slice(12);
  return new Address("eth", eip55(hexEncode(bytes)), EntityType.USER);
}

function parseBtc(text: string): Address {
  let bytes: Uint8Array;
  try {
    bytes = base58Decode(text);
  } catch (e) {
    throw new AddressFormatError(`address is not base58: ${text}`, {
      cause: e,
    });
  }
  if (bytes.length !== 25) {
    throw new AddressFormatError(
      `BTC address of ${bytes.length} bytes, needs 25: ${text}`,
    );
  }
  const code = checkCode(bytes.subarray(0, 21));
  for (let i = 0; i < 4; i++) {
    if (bytes[21 + i] !== code[i]) throw new AddressChecksumError(text);
  }
  return new Address("btc", text, bytes[0]);
}

function parseEth(text: string): Address {
  if (!/^0x[0-9A-Fa-f]{40}$/.test(text)) {
    throw new AddressFormatError(`not 0x + 40 hex digits: ${text}`);
  }
  return new Address("eth", text, EntityType.USER);
}

function parseStrict(text: string): Address {
  const lower = text.toLowerCase();
  if (lower === "anywhere") return ANYWHERE;
  if (lower === "everywhere") return EVERYWHERE;
  if (text.length >= 26 && text.length <= 35) return parseBtc(text);
  if (text.length === 42) return parseEth(text);
  throw new AddressFormatError(
    `address of ${text.length} characters: ${JSON.stringify(text)}`,
  );
}

/**
 * Options for {@link parseAddress} and {@link parseId}.
 *
 * @example
 * ```ts
 * import { parseId } from "./id.ts";
 * parseId("bob@not-an-address", { allowUnknown: true }).address.kind; // "unknown"
 * ```
 */
export interface AddressParseOptions {
  /**
   * Turn any 4–64-character string that fails to parse into an "unknown"
   * address of network 0 (what dimples does, so that it can still be
   * routed). Such addresses never match a meta. Default `false`.
   */
  readonly allowUnknown?: boolean;
}

/**
 * Parses an address by its length: `anywhere` / `everywhere` (any case),
 * 26–35 characters BTC-style, 42 characters ETH-style.
 *
 * @throws {AddressChecksumError} a BTC address with a wrong check code
 * @throws {AddressFormatError} anything else that is not an address
 * @example
 * ```ts
 * parseAddress("0xC40156Dd85bA6D604Ff97496FD9df74f0de22793").kind; // "eth"
 * ```
 */
export function parseAddress(
  text: string,
  options: AddressParseOptions = {},
): Address {
  try {
    return parseStrict(text);
  } catch (e) {
    if (
      options.allowUnknown && text.length >= 4 && text.length <= 64 &&
      !/[@/]/.test(text)
    ) {
      return new Address("unknown", text, EntityType.USER);
    }
    throw e;
  }
}

/**
 * The search number of an address (dimples `anonymous.py`): the big-endian
 * uint32 of its last 4 bytes; `undefined` for broadcast and unknown
 * addresses.
 *
 * @example
 * ```ts
 * searchNumber(parseAddress("4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj")); // 2729727604
 * ```
 */
export function searchNumber(address: Address): number | undefined {
  const b = address.bytes;
  if (b.length < 4) return undefined;
  const n = b.length;
  return ((b[n - 4] << 24) | (b[n - 3] << 16) | (b[n - 2] << 8) | b[n - 1]) >>>
    0;
}

/**
 * The search number as text: zero-padded to 10 digits, `ddd-ddd-dddd`.
 *
 * @example
 * ```ts
 * searchNumberText(2729727604); // "272-972-7604"
 * ```
 */
export function searchNumberText(number: number): string {
  const digits = String(number).padStart(10, "0");
  return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
}
