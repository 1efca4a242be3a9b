import assert from "node:assert/strict";
import {
  decodeEcdsaSignature,
  EccPrivateKey,
  isLowS,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { EntityType, generateAccount } from "../../../dimp/identity/mod.ts";
import type { LocalUser } from "../../../dimp/message/mod.ts";
import { localUser } from "../../client/_accounts.ts";
import { withNonces } from "../../../cli/bench/nonces.ts";

async function user(): Promise<LocalUser> {
  return localUser(await generateAccount({ type: EntityType.USER }));
}

Deno.test("bench nonces: each user's first signatures use its own nonces (low S, each verifies, none repeats r); then RFC 6979 again", async () => {
  const users = [await user(), await user()];
  const ready = withNonces(users, 2);
  assert.equal(ready.length, 2);
  const data = utf8Encode("Hello world!");
  const rs = new Set<bigint>();
  for (const [i, u] of ready.entries()) {
    assert.equal(u.id, users[i].id);
    assert.deepEqual(u.signKey.toDictionary(), users[i].signKey.toDictionary());
    assert.ok(u.signKey.publicKey.equals(users[i].signKey.publicKey));
    const deterministic = await users[i].signKey.sign(data);
    for (let k = 0; k < 2; k++) {
      const signature = await u.signKey.sign(data);
      assert.notDeepEqual(signature, deterministic);
      const { r, s } = decodeEcdsaSignature(signature);
      assert.ok(isLowS(s));
      assert.ok(!rs.has(r), "a nonce used twice");
      rs.add(r);
      assert.ok(await users[i].signKey.publicKey.verify(data, signature));
    }
    // the stock is spent: the key signs as before
    assert.deepEqual(await u.signKey.sign(data), deterministic);
  }
  assert.ok(users[0].signKey instanceof EccPrivateKey);
});
