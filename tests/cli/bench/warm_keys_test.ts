import assert from "node:assert/strict";
import { EntityType, generateAccount } from "../../../dimp/identity/mod.ts";
import type { LocalUser } from "../../../dimp/message/mod.ts";
import { localUser } from "../../client/_accounts.ts";
import { BenchError } from "../../../cli/bench/run.ts";
import { warmMessageKeys } from "../../../cli/bench/_warm_keys.ts";

async function user(): Promise<LocalUser> {
  return localUser(await generateAccount({ type: EntityType.USER }));
}

Deno.test("bench warm keys: each user's RSA message keys open what they seal; a key that does not is a BenchError", async () => {
  const [alice, bob] = [await user(), await user()];
  await warmMessageKeys([alice, bob]);
  // a user without RSA message keys (an ECC-only one) has nothing to warm
  await warmMessageKeys([{ ...alice, decryptKeys: [alice.signKey] }]);
  // bob's private key under alice's public key: it does not open the seal
  const bobKey = bob.decryptKeys[0];
  const mixed: LocalUser = {
    ...alice,
    decryptKeys: [{
      algorithm: "RSA",
      publicKey: alice.decryptKeys[0].publicKey,
      sign: (data) => bobKey.sign(data),
      decrypt: (data) => bobKey.decrypt!(data),
      toDictionary: () => bobKey.toDictionary(),
      toJSON: () => bobKey.toDictionary(),
    }],
  };
  await assert.rejects(() => warmMessageKeys([mixed]), BenchError);
});
