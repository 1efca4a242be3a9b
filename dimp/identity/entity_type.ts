/**
 * Entity types: the byte stored in an address (spec identity.md §4), and the
 * mapping of the 2021 network numbers to today's types.
 *
 * @module
 */

/**
 * Current entity types (mkm ≥ 0.12).
 *
 * @example
 * ```ts
 * import { parseId } from "./id.ts";
 * parseId("gsp-s109@rSWMVqbwTz4radJFrpfcYzQo9XibhZC7w").type === EntityType.STATION; // true
 * ```
 */
export const EntityType = {
  /** A person. */
  USER: 0x00,
  /** A user group. */
  GROUP: 0x01,
  /** A server node. */
  STATION: 0x02,
  /** A service provider (group of stations). */
  ISP: 0x03,
  /** A business node (service bot). */
  BOT: 0x04,
  /** A content provider (group of bots). */
  ICP: 0x05,
  /** Declared in JS only. */
  SUPERVISOR: 0x06,
  /** Declared in JS only. */
  COMPANY: 0x07,
  /** Broadcast to one: `anyone@anywhere`. */
  ANY: 0x80,
  /** Broadcast to all: `everyone@everywhere`. */
  EVERY: 0x81,
} as const;

/**
 * 2021 network numbers (MKM ≤ 0.9) of named IDs and the entity types they
 * stand for today. 0x00 (BTC main) and 0x80 (THING, now ANY) map to
 * themselves.
 *
 * @example
 * ```ts
 * LEGACY_NETWORK_TYPES[0xc8]; // 4 (BOT)
 * ```
 */
export const LEGACY_NETWORK_TYPES: Readonly<Record<number, number>> = {
  0x08: EntityType.USER,
  0x10: EntityType.GROUP,
  0x30: 0x31,
  0x76: EntityType.ISP,
  0x88: EntityType.STATION,
  0xc8: EntityType.BOT,
};

/**
 * The entity type of a named ID whose address byte is `network`: 2021
 * network numbers mapped (0x88 station → 0x02, 0xC8 bot → 0x04, ...), other
 * bytes unchanged.
 *
 * @example
 * ```ts
 * entityTypeOfNetwork(0x88); // 2 (STATION)
 * ```
 */
export function entityTypeOfNetwork(network: number): number {
  return LEGACY_NETWORK_TYPES[network] ?? network;
}

/**
 * Whether the type is a user (bit 0 clear): USER, STATION, BOT, ANY.
 *
 * @example
 * ```ts
 * isUserType(EntityType.STATION); // true
 * ```
 */
export function isUserType(type: number): boolean {
  return (type & 0x01) === 0;
}

/**
 * Whether the type is a group (bit 0 set): GROUP, ISP, ICP, EVERY.
 *
 * @example
 * ```ts
 * isGroupType(EntityType.GROUP); // true
 * ```
 */
export function isGroupType(type: number): boolean {
  return (type & 0x01) === 1;
}

/**
 * Whether the type is a broadcast (bit 7 set): ANY, EVERY.
 *
 * @example
 * ```ts
 * isBroadcastType(EntityType.EVERY); // true
 * ```
 */
export function isBroadcastType(type: number): boolean {
  return (type & 0x80) !== 0;
}
