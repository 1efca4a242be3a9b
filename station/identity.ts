/**
 * The station's own identity (station.md §2.1): its ID, meta, visa and
 * private keys, loaded from the store — or, on a first run with nothing
 * configured, made and stored there.
 *
 * Which ID: `[station] id` when given; else the one station account whose
 * private keys the store holds (`dim register generate station` made it, or
 * an earlier first run did — the store remembers it); else a new one (ECC
 * ID key, RSA visa key, visa with name / host / port). Several stored
 * station accounts and no `[station] id` is an error.
 *
 * The station refuses to run without its signing key (the meta key's pair)
 * and at least one decryption key. At start its newest visa is re-signed
 * (fresh time) with the advertised host and port.
 *
 * @module
 */
import type { PrivateKey } from "../dimp/crypto/mod.ts";
import {
  Document,
  DocumentType,
  EntityType,
  generateAccount,
  type ID,
  type Meta,
  parseId,
} from "../dimp/identity/mod.ts";
import { accountRecord, type Accounts } from "../store/mod.ts";
import { StationIdentityError } from "./errors.ts";

/** The station's keys and public records. */
export interface StationIdentity {
  /** The station ID (naked). */
  readonly id: ID;
  /** Its meta. */
  readonly meta: Meta;
  /** Its newest visa (re-signed at start). */
  readonly visa: Document;
  /** The ID key: signs every message and document. */
  readonly signKey: PrivateKey;
  /** The keys that open messages for the station: visa keys, then an RSA ID key. */
  readonly decryptKeys: readonly PrivateKey[];
  /** Whether this run made the identity. */
  readonly created: boolean;
}

/** How to find or make the identity. */
export interface FindIdentityOptions {
  /** `[station] id`; without it the store's only station account, or a new one. */
  readonly id?: ID;
  /** The visa name of a new identity (default `dim station`). */
  readonly name?: string;
}

/** What the visa advertises. */
export interface VisaRefresh {
  /** The public host; `undefined` keeps the visa's (a new visa gets `127.0.0.1`). */
  readonly host?: string;
  /** The public port; `undefined` keeps the visa's. */
  readonly port?: number;
  /** Seconds (default now). */
  readonly now?: number;
}

/**
 * The seed (ID name) of an identity the station makes itself.
 *
 * @example
 * ```ts ignore
 * identity.id.name === NEW_STATION_SEED; // for a station made on its first run
 * ```
 */
export const NEW_STATION_SEED = "dim-station";

/**
 * Finds the station identity in the store, or makes and stores one (see the
 * module notes), and checks its keys.
 *
 * @throws {StationIdentityError} unknown ID, missing keys, or several
 *   station accounts and no `[station] id`
 * @example
 * ```ts ignore
 * const identity = await findStationIdentity(accounts, { id: config.station.id });
 * ```
 */
export async function findStationIdentity(
  accounts: Accounts,
  options: FindIdentityOptions = {},
): Promise<StationIdentity> {
  let id = chooseStationId(accounts, options.id);
  let created = false;
  if (id === undefined) {
    id = await createIdentity(accounts, options.name ?? "dim station");
    created = true;
  }
  return { ...loadStationIdentity(accounts, id), created };
}

/**
 * Which station identity a start would use, without making one: `id` when
 * given, else the store's only station account with private keys;
 * `undefined` when the store holds none (a start makes one).
 *
 * @throws {StationIdentityError} several station accounts and no `id`
 * @example
 * ```ts ignore
 * const id = chooseStationId(accounts, config.station.id); // undefined: a first run
 * ```
 */
export function chooseStationId(
  accounts: Accounts,
  id: ID | undefined,
): ID | undefined {
  if (id !== undefined) return id.withoutTerminal();
  const local = accounts.store.privateKeys.ids()
    .map((text) => parseId(text))
    .filter((candidate) => candidate.type === EntityType.STATION);
  if (local.length > 1) {
    throw new StationIdentityError(
      `the store holds ${local.length} station accounts (${
        local.map((s) => s.value).join(", ")
      }): choose one with [station] id`,
    );
  }
  return local[0];
}

async function createIdentity(accounts: Accounts, name: string): Promise<ID> {
  const account = await generateAccount({
    type: EntityType.STATION,
    seed: NEW_STATION_SEED,
    properties: { name },
  });
  await accounts.saveAccount(accountRecord(account));
  return account.id;
}

/**
 * Loads a station identity from the store and checks its keys: a station
 * ID, its meta, the signing key that pairs with the meta key, at least one
 * decryption key; the newest visa (an unsigned new one when none is
 * stored).
 *
 * @throws {StationIdentityError} what is missing, and how to get it
 * @example
 * ```ts ignore
 * const identity = loadStationIdentity(accounts, parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC"));
 * ```
 */
export function loadStationIdentity(
  accounts: Accounts,
  id: ID,
): Omit<StationIdentity, "created"> {
  if (id.type !== EntityType.STATION) {
    throw new StationIdentityError(`${id.value} is not a station ID`);
  }
  const meta = accounts.meta(id);
  if (meta === undefined) {
    throw new StationIdentityError(
      `${id.value} is not in the store: make it with "dim register generate station" or import it`,
    );
  }
  const signKey = accounts.identityKey(id);
  if (signKey === undefined || !signKey.publicKey.equals(meta.key)) {
    throw new StationIdentityError(
      `the store has no signing key of ${id.value} (the private key of its meta key): import the account with its private keys (dim register export --private, then dim register import)`,
    );
  }
  const decryptKeys = accounts.decryptionKeys(id);
  if (decryptKeys.length === 0) {
    throw new StationIdentityError(
      `the store has no decryption key of ${id.value} (an RSA message key): import the account with its private keys (dim register export --private, then dim register import)`,
    );
  }
  const stored = accounts.visa(id);
  const visa = stored === undefined
    ? Document.create(id, DocumentType.VISA)
    : Document.parse(stored.toDictionary());
  return { id, meta, visa, signKey, decryptKeys };
}

/**
 * Re-signs the identity's visa with the advertised host and port (and a
 * visa key the station can open), stores it and returns the identity with
 * it. A visa the store refuses (a clock that went back) leaves the stored
 * one in use.
 *
 * @example
 * ```ts ignore
 * identity = await refreshVisa(accounts, identity, { port: listener.port });
 * ```
 */
export async function refreshVisa(
  accounts: Accounts,
  identity: StationIdentity,
  refresh: VisaRefresh = {},
): Promise<StationIdentity> {
  // a stored visa is copied; a new one (none stored) is ours to edit
  const visa = identity.visa.isSigned
    ? Document.parse(identity.visa.toDictionary())
    : identity.visa;
  const host = refresh.host ?? visa.getProperty("host") ?? "127.0.0.1";
  visa.setProperty("host", host);
  const port = refresh.port ?? visa.getProperty("port");
  if (port !== undefined) visa.setProperty("port", port);
  const openable = identity.decryptKeys.filter((key) =>
    key.publicKey.encrypt !== undefined
  );
  const current = visa.visaKey();
  if (
    openable.length > 0 &&
    (current === undefined ||
      !openable.some((key) => key.publicKey.equals(current)))
  ) {
    visa.setVisaKey(openable[0].publicKey);
  }
  await visa.sign(identity.signKey, refresh.now);
  try {
    await accounts.saveDocument(visa.toDictionary(), { id: identity.id });
  } catch {
    const stored = accounts.visa(identity.id);
    return stored === undefined ? identity : { ...identity, visa: stored };
  }
  return { ...identity, visa };
}
