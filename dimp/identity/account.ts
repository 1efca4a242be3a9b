/**
 * Making new accounts the way the current reference tools do (spec
 * identity.md §7.6, station.md §7.3): which keys an entity type gets, its
 * meta, its ID and its first signed document.
 *
 * - user: new ECC ID key, meta ETH (4, default) or BTC (2), no seed.
 * - station, bot: new ECC ID key, meta MKM (1) with a seed.
 * - ISP, ICP: like a station (own ECC ID key), or — given a founder — like a
 *   group.
 * - group: the founder's ID key signs the meta (MKM, seed) and the bulletin,
 *   which names the founder; no key of its own.
 *
 * Every account that has an ID key of its own also gets a new RSA message
 * key whose public half is the document's `key` (visa key). New IDs always
 * use the current entity types (station 0x02, bot 0x04), never the 2021
 * network numbers.
 *
 * @module
 */
import { generatePrivateKey, type PrivateKey } from "../crypto/mod.ts";
import { Document } from "./document.ts";
import { EntityType, isGroupType } from "./entity_type.ts";
import { IdentityError } from "./errors.ts";
import type { ID } from "./id.ts";
import { Meta, MetaType } from "./meta.ts";

/**
 * The entity types an account can be made for.
 */
export const ACCOUNT_TYPES: readonly number[] = [
  EntityType.USER,
  EntityType.GROUP,
  EntityType.STATION,
  EntityType.ISP,
  EntityType.BOT,
  EntityType.ICP,
];

/**
 * The default seed (ID name) per entity type for metas with a seed
 * (station.md §7.2).
 *
 * @example
 * ```ts
 * import { EntityType } from "./entity_type.ts";
 * defaultSeed(EntityType.STATION); // "test_station"
 * ```
 */
export function defaultSeed(type: number): string {
  if (type === EntityType.STATION) return "test_station";
  if (type === EntityType.BOT) return "test_bot";
  if (isGroupType(type)) return "test_group";
  return "test_user";
}

/**
 * The default meta type per entity type: ETH for users, MKM otherwise.
 *
 * @example
 * ```ts
 * import { EntityType } from "./entity_type.ts";
 * defaultMetaType(EntityType.USER); // 4
 * ```
 */
export function defaultMetaType(type: number): 1 | 2 | 4 {
  return type === EntityType.USER ? MetaType.ETH : MetaType.MKM;
}

/**
 * An account that cannot be made as asked: an unknown entity type, a meta
 * type the entity type does not take, a bad seed, a group without founder.
 */
export class AccountOptionError extends IdentityError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "AccountOptionError";
  }
}

/** The founder of a group (or of an ISP / ICP made group-like). */
export interface AccountFounder {
  /** The founder's ID (a user). */
  readonly id: ID;
  /** The founder's ID key: signs the group meta and bulletin. */
  readonly key: PrivateKey;
}

/** What to make. */
export interface AccountOptions {
  /** The entity type (see {@link ACCOUNT_TYPES}). */
  readonly type: number;
  /** Meta type: users 4 (ETH, default) or 2 (BTC); every other type 1 (MKM). */
  readonly metaType?: 1 | 2 | 4;
  /** The ID name for MKM metas (default {@link defaultSeed}); no spaces, `@` or `/`. */
  readonly seed?: string;
  /** Required for groups; optional for ISP / ICP (group-like when given). */
  readonly founder?: AccountFounder;
  /** Document properties to set (`name`, `avatar`, `host`, `port`, ...). */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** The time in seconds for `created_time` and `time` (default: now). */
  readonly now?: number;
}

/** A new account: everything a store needs to keep. */
export interface GeneratedAccount {
  /** The new ID. */
  readonly id: ID;
  /** Its meta (valid, matches `id`). */
  readonly meta: Meta;
  /** Its first document (visa, or bulletin for group types), signed. */
  readonly document: Document;
  /** Its own ID key; `undefined` when a founder's key signs for it. */
  readonly identityKey: PrivateKey | undefined;
  /** Its message keys (one new RSA key), empty when it has no own key. */
  readonly messageKeys: readonly PrivateKey[];
}

/** The longest seed: the ID `seed@address` must fit in 64 characters. */
const MAX_SEED_LENGTH = 64 - 1 - 34;

/**
 * Checks a seed (ID name) for a new account.
 *
 * @throws {AccountOptionError} empty, too long, or with spaces, `@` or `/`
 * @example
 * ```ts
 * checkSeed("gsp-s001"); // ok
 * ```
 */
export function checkSeed(seed: string): void {
  if (seed === "") throw new AccountOptionError("the seed (ID name) is empty");
  if (/[\s@/]/.test(seed)) {
    throw new AccountOptionError(
      `the seed (ID name) must not contain spaces, '@' or '/': ${
        JSON.stringify(seed)
      }`,
    );
  }
  if (seed.length > MAX_SEED_LENGTH) {
    throw new AccountOptionError(
      `the seed (ID name) has ${seed.length} characters, at most ${MAX_SEED_LENGTH} fit in an ID`,
    );
  }
}

function metaTypeFor(options: AccountOptions): 1 | 2 | 4 {
  const { type } = options;
  const metaType = options.metaType ?? defaultMetaType(type);
  if (type === EntityType.USER) {
    if (metaType !== MetaType.ETH && metaType !== MetaType.BTC) {
      throw new AccountOptionError(
        `a user takes meta type 4 (ETH) or 2 (BTC), not ${metaType}`,
      );
    }
  } else if (metaType !== MetaType.MKM) {
    throw new AccountOptionError(
      `entity type ${type} takes meta type 1 (MKM) only, not ${metaType}`,
    );
  }
  return metaType;
}

/**
 * Makes a new account: keys, meta, ID and the first document, signed
 * (identity.md §9.4).
 *
 * @throws {AccountOptionError} the options do not make an account
 * @example
 * ```ts
 * import { EntityType } from "./entity_type.ts";
 * const station = await generateAccount({
 *   type: EntityType.STATION,
 *   seed: "gsp-s001",
 *   properties: { name: "Base Station", host: "127.0.0.1", port: 9394 },
 * });
 * station.id.value; // "gsp-s001@..."
 * ```
 */
export async function generateAccount(
  options: AccountOptions,
): Promise<GeneratedAccount> {
  const { type, founder } = options;
  if (!ACCOUNT_TYPES.includes(type)) {
    throw new AccountOptionError(
      `cannot make an account of entity type ${type}`,
    );
  }
  if (type === EntityType.GROUP && founder === undefined) {
    throw new AccountOptionError("a group needs a founder (a local user)");
  }
  if (founder !== undefined && !isGroupType(type)) {
    throw new AccountOptionError(
      `only group types take a founder, not entity type ${type}`,
    );
  }
  if (founder !== undefined && !founder.id.isUser) {
    throw new AccountOptionError(
      `the founder ${founder.id.value} is not a user`,
    );
  }
  const metaType = metaTypeFor(options);
  let seed: string | undefined;
  if (metaType === MetaType.MKM) {
    seed = options.seed ?? defaultSeed(type);
    checkSeed(seed);
  } else if (options.seed !== undefined) {
    throw new AccountOptionError(
      `meta type ${metaType} has no seed (its ID is a bare address)`,
    );
  }

  const identityKey = founder === undefined
    ? await generatePrivateKey("ECC")
    : undefined;
  const signKey = founder?.key ?? identityKey!;
  const messageKeys = identityKey === undefined
    ? []
    : [await generatePrivateKey("RSA")];

  const meta = await Meta.generate(metaType, signKey, seed);
  const id = meta.generateId(type);
  const document = Document.create(id, undefined, options.now);
  for (const [name, value] of Object.entries(options.properties ?? {})) {
    document.setProperty(name, value);
  }
  if (founder !== undefined) document.setProperty("founder", founder.id.value);
  if (messageKeys.length > 0) document.setVisaKey(messageKeys[0].publicKey);
  await document.sign(signKey, options.now);
  return { id, meta, document, identityKey, messageKeys };
}
