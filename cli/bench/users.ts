/**
 * The bench's users: user accounts kept in the bench's own store (never in
 * a station's), named `bench-0000`, `bench-0001`, …, made once and reused
 * by every later run, so that a run pays no key generation. Each has an ECC
 * ID key (ETH meta) and an RSA visa key, like `dim client register`.
 *
 * @module
 */
import {
  EntityType,
  generateAccount,
  type ID,
  MetaType,
} from "../../dimp/identity/mod.ts";
import type { LocalUser } from "../../dimp/message/mod.ts";
import { accountRecord, type Accounts } from "../../store/mod.ts";
import { loadLocalUser } from "../../client/mod.ts";

/** The visa name of bench user `index`: `bench-0007`. */
export function benchUserName(index: number): string {
  return `bench-${String(index).padStart(4, "0")}`;
}

/** The most bench users a store holds (senders and offline receivers). */
export const MAX_BENCH_USERS = 20_000;

/** Accounts generated at a time (RSA key generation runs off the main thread). */
const GENERATE_AT_ONCE = 8;

/** The bench users of a store. */
export interface BenchUsers {
  /** The users in index order (their private keys loaded). */
  readonly users: readonly LocalUser[];
  /** How many of them this call generated. */
  readonly generated: number;
}

/**
 * The local accounts of `accounts` named `bench-NNNN`, by index.
 *
 * @example
 * ```ts ignore
 * findBenchUsers(accounts).get(0)?.value; // "0x…" of bench-0000
 * ```
 */
export function findBenchUsers(accounts: Accounts): Map<number, ID> {
  const found = new Map<number, ID>();
  for (const id of accounts.ids({ localOnly: true })) {
    if (id.type !== EntityType.USER) continue;
    const m = /^bench-(\d{4,})$/.exec(accounts.visa(id)?.name ?? "");
    if (m !== null && !found.has(Number(m[1]))) found.set(Number(m[1]), id);
  }
  return found;
}

/**
 * Bench users `0 … count-1`: those in the store, the missing ones generated
 * and saved there first.
 *
 * @throws {RangeError} `count` is not 1 … {@link MAX_BENCH_USERS}
 * @throws {LocalUserError} a stored bench user lost its private keys
 * @example
 * ```ts ignore
 * const { users, generated } = await ensureBenchUsers(accounts, 100);
 * ```
 */
export async function ensureBenchUsers(
  accounts: Accounts,
  count: number,
  onGenerated?: (done: number, missing: number) => void,
): Promise<BenchUsers> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_BENCH_USERS) {
    throw new RangeError(
      `bench users: 1 … ${MAX_BENCH_USERS}, not ${count}`,
    );
  }
  const known = findBenchUsers(accounts);
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!known.has(i)) missing.push(i);
  for (let at = 0; at < missing.length; at += GENERATE_AT_ONCE) {
    const batch = missing.slice(at, at + GENERATE_AT_ONCE);
    const made = await Promise.all(batch.map((index) =>
      generateAccount({
        type: EntityType.USER,
        metaType: MetaType.ETH,
        properties: { name: benchUserName(index) },
      })
    ));
    for (const [k, account] of made.entries()) {
      await accounts.saveAccount(accountRecord(account));
      known.set(batch[k], account.id);
    }
    onGenerated?.(Math.min(at + batch.length, missing.length), missing.length);
  }
  const users: LocalUser[] = [];
  for (let i = 0; i < count; i++) {
    users.push(loadLocalUser(accounts, known.get(i)!));
  }
  return { users, generated: missing.length };
}
