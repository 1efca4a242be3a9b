/**
 * IDs (spec identity.md §5): `name@address[/terminal]`, compared by their
 * exact string; the entity type maps 2021 network numbers (§4.3).
 *
 * @module
 */
import {
  type Address,
  type AddressParseOptions,
  ANYWHERE,
  EVERYWHERE,
  parseAddress,
} from "./address.ts";
import {
  EntityType,
  entityTypeOfNetwork,
  isBroadcastType,
  isGroupType,
  isUserType,
} from "./entity_type.ts";
import { IdFormatError } from "./errors.ts";
import { BoundedMap } from "../bounded_map.ts";

/**
 * Shortest and longest ID strings accepted (dimples / JS compat).
 *
 * @example
 * ```ts
 * import { parseId } from "./id.ts";
 * import { IdFormatError } from "./errors.ts";
 * try { parseId("a@b"); } catch (e) { e instanceof IdFormatError; } // true: too short
 * ```
 */
export const ID_MIN_LENGTH = 4;
/**
 * See {@link ID_MIN_LENGTH}.
 */
export const ID_MAX_LENGTH = 64;

/**
 * An entity ID. Two IDs are equal iff their strings are equal
 * (case-sensitive, terminal included).
 *
 * @example
 * ```ts
 * const id = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
 * id.type; // 2 (STATION; the address byte is the 2021 network 0x88)
 * ```
 */
export class ID {
  /** The ID string exactly as parsed (or as built by {@link ID.create}). */
  readonly value: string;
  /** The name (seed); `undefined` for bare addresses. */
  readonly name: string | undefined;
  /** The address. */
  readonly address: Address;
  /** The terminal (device / login point), if any. */
  readonly terminal: string | undefined;

  private constructor(
    value: string,
    name: string | undefined,
    address: Address,
    terminal: string | undefined,
  ) {
    this.value = value;
    this.name = name;
    this.address = address;
    this.terminal = terminal;
  }

  /**
   * Builds an ID from its parts as `name@address/terminal`, leaving out
   * empty parts.
   */
  static create(address: Address, name?: string, terminal?: string): ID {
    const n = name === "" ? undefined : name;
    const t = terminal === "" ? undefined : terminal;
    let value = n === undefined ? address.value : `${n}@${address.value}`;
    if (t !== undefined) value += `/${t}`;
    return new ID(value, n, address, t);
  }

  /**
   * Parses an ID without the cache; use {@link parseId}.
   *
   * @throws {IdFormatError} not an ID
   */
  static parseUncached(text: string, options: AddressParseOptions = {}): ID {
    const constant = CONSTANTS.get(text.toLowerCase());
    if (constant !== undefined) return constant;
    let body = text;
    let terminal: string | undefined;
    const slash = text.indexOf("/");
    if (slash >= 0) {
      body = text.slice(0, slash);
      terminal = text.slice(slash + 1).split("/", 1)[0];
      if (terminal === "") throw new IdFormatError(`empty terminal: ${text}`);
    }
    const parts = body.split("@");
    if (parts.length > 2) throw new IdFormatError(`more than one '@': ${text}`);
    const name = parts.length === 2 ? parts[0] : undefined;
    if (name === "") throw new IdFormatError(`empty name: ${text}`);
    const address = parseAddress(parts[parts.length - 1], options);
    // the exact input string is the identity
    return new ID(text, name, address, terminal);
  }

  /** The address type byte (network), unmapped. */
  get network(): number {
    return this.address.network;
  }

  /**
   * The entity type: 0 (user) for unnamed IDs, else the address byte with
   * 2021 network numbers mapped (0x08 → 0, 0x10 → 1, 0x88 → 2, 0xC8 → 4,
   * 0x76 → 3, 0x30 → 0x31).
   */
  get type(): number {
    return this.name === undefined
      ? EntityType.USER
      : entityTypeOfNetwork(this.address.network);
  }

  /** Whether the type is a user kind (user, station, bot, anyone). */
  get isUser(): boolean {
    return isUserType(this.type);
  }

  /** Whether the type is a group kind (group, ISP, ICP, everyone). */
  get isGroup(): boolean {
    return isGroupType(this.type);
  }

  /** Whether the address is `anywhere` / `everywhere` (or the type says broadcast). */
  get isBroadcast(): boolean {
    return this.address.isBroadcast || isBroadcastType(this.type);
  }

  /** The same ID without its terminal. */
  withoutTerminal(): ID {
    return this.terminal === undefined
      ? this
      : ID.create(this.address, this.name);
  }

  /** Same string. */
  equals(other: ID | string): boolean {
    return this.value === (typeof other === "string" ? other : other.value);
  }

  /** The ID string. */
  toString(): string {
    return this.value;
  }

  /** The ID string. */
  toJSON(): string {
    return this.value;
  }
}

/**
 * `anyone@anywhere`: whoever receives it (0x80).
 *
 * @example
 * ```ts
 * parseId("Anyone@Anywhere") === ANYONE; // true
 * ```
 */
export const ANYONE: ID = ID.create(ANYWHERE, "anyone");
/**
 * `everyone@everywhere`: all users (0x81).
 *
 * @example
 * ```ts
 * EVERYONE.isGroup && EVERYONE.isBroadcast; // true
 * ```
 */
export const EVERYONE: ID = ID.create(EVERYWHERE, "everyone");
/**
 * `moky@anywhere`: the founder constant (0x80).
 *
 * @example
 * ```ts
 * FOUNDER.value; // "moky@anywhere"
 * ```
 */
export const FOUNDER: ID = ID.create(ANYWHERE, "moky");
/**
 * `station@anywhere`: any station, before its real ID is known (0x80).
 *
 * @example
 * ```ts
 * const handshakeReceiver = ANY_STATION;
 * ```
 */
export const ANY_STATION: ID = ID.create(ANYWHERE, "station");
/**
 * `stations@everywhere`: all stations (0x81).
 *
 * @example
 * ```ts
 * EVERY_STATION.value; // "stations@everywhere"
 * ```
 */
export const EVERY_STATION: ID = ID.create(EVERYWHERE, "stations");

const CONSTANTS = new Map<string, ID>(
  [ANYONE, EVERYONE, FOUNDER, ANY_STATION, EVERY_STATION].map((id) => [
    id.value,
    id,
  ]),
);

/** How many parsed IDs stay cached (IDs are parsed on every message). */
const ID_CACHE_SIZE = 16384;
const cache = new BoundedMap<string, ID>(ID_CACHE_SIZE);

/**
 * Parses an ID: 4–64 characters, at most one `@`, terminal after the first
 * `/`; the constants (`anyone@anywhere`, ...) in any case map to themselves.
 * Parsed IDs are cached.
 *
 * @throws {IdFormatError} not an ID (also {@link AddressFormatError} and
 *   {@link AddressChecksumError}, which extend it)
 * @example
 * ```ts
 * parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj/phone").terminal; // "phone"
 * ```
 */
export function parseId(text: string, options: AddressParseOptions = {}): ID {
  if (typeof text !== "string") {
    throw new IdFormatError(`an ID must be a string, got ${typeof text}`);
  }
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  if (text.length < ID_MIN_LENGTH || text.length > ID_MAX_LENGTH) {
    throw new IdFormatError(
      `ID of ${text.length} characters (needs ${ID_MIN_LENGTH}..${ID_MAX_LENGTH})`,
    );
  }
  const id = ID.parseUncached(text, options);
  if (id.address.kind !== "unknown") {
    cache.set(text, id);
  }
  return id;
}

/**
 * Like {@link parseId}, but `undefined` instead of an error (also for
 * non-strings).
 */
export function tryParseId(
  value: unknown,
  options: AddressParseOptions = {},
): ID | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return parseId(value, options);
  } catch {
    return undefined;
  }
}
