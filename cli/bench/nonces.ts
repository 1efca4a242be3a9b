/**
 * Bench users whose ID keys hold one-time ECDSA nonces made before the clock
 * starts (the costly half of a signature: a point multiplication): their
 * handshakes, and in text mode the messages and receipts packed ahead, then
 * sign with a few big-integer products each. The bench shares the cores
 * with the station it measures; what the station gets is an ordinary low-S
 * ECDSA signature.
 *
 * @module
 */
import {
  EccPrivateKey,
  type EcdsaNonce,
  makeEcdsaNonces,
  type PrivateKey,
} from "../../dimp/crypto/mod.ts";
import type { LocalUser } from "../../dimp/message/mod.ts";

/** Signs with its stock of nonces, each once, then the usual way. */
class _NonceStockKey implements PrivateKey {
  readonly algorithm = "ECC" as const;
  readonly #key: EccPrivateKey;
  readonly #nonces: EcdsaNonce[];

  constructor(key: EccPrivateKey, nonces: EcdsaNonce[]) {
    this.#key = key;
    this.#nonces = nonces;
  }

  get publicKey(): PrivateKey["publicKey"] {
    return this.#key.publicKey;
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    const nonce = this.#nonces.pop();
    return nonce === undefined
      ? this.#key.sign(data)
      : Promise.resolve(this.#key.signWithNonce(data, nonce));
  }

  toDictionary(): Record<string, unknown> {
    return this.#key.toDictionary();
  }

  toJSON(): Record<string, unknown> {
    return this.toDictionary();
  }
}

/**
 * `users` whose ECC ID keys hold `perUser` one-time nonces each, made now
 * in one batch; users with another kind of ID key are returned as they are.
 *
 * @example
 * ```ts ignore
 * const ready = withNonces(users, 2); // a handshake signs twice
 * ```
 */
export function withNonces(
  users: readonly LocalUser[],
  perUser: number,
): LocalUser[] {
  const ecc = users.filter((user) => user.signKey instanceof EccPrivateKey);
  const nonces = makeEcdsaNonces(ecc.length * perUser);
  let at = 0;
  return users.map((user) => {
    if (!(user.signKey instanceof EccPrivateKey)) return user;
    const own = nonces.slice(at, at += perUser);
    return { ...user, signKey: new _NonceStockKey(user.signKey, own) };
  });
}
