/**
 * The bench users' message keys put to use once before the clock starts,
 * as a client loads its keys when it starts, not when the station's first
 * sealed key arrives: the import of an RSA private key into the crypto
 * backend (~50–90 µs, once per key and process) then stays out of the
 * storm's figures, as the ECDSA nonces of ./nonces.ts do. The station's
 * work is unchanged.
 *
 * @module
 */
import { utf8Encode } from "../../dimp/crypto/mod.ts";
import type { LocalUser } from "../../dimp/message/mod.ts";
import { BenchError } from "./bench_error.ts";

const PROBE = utf8Encode("warm");

/**
 * Seals a few bytes for each RSA message key of `users` and opens them
 * with the key (its backend import done).
 *
 * @throws {BenchError} a key that does not open what its own public key sealed
 * @example
 * ```ts ignore
 * await warmMessageKeys(users); // before the clock starts
 * ```
 */
export async function warmMessageKeys(
  users: readonly LocalUser[],
): Promise<void> {
  for (const user of users) {
    for (const key of user.decryptKeys) {
      if (key.decrypt === undefined) continue;
      const sealed = await key.publicKey.encrypt?.(PROBE);
      if (sealed === undefined) continue;
      const opened = await key.decrypt(sealed);
      if (opened === undefined || opened.length !== PROBE.length) {
        throw new BenchError(
          `a message key of ${user.id.value} does not open what it sealed`,
        );
      }
    }
  }
}
