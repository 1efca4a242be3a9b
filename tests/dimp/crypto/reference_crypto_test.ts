import assert from "node:assert/strict";
import {
  base64Decode,
  parsePrivateKey,
  parsePublicKey,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { referenceGenerated } from "../_vectors.ts";

const reference = referenceGenerated();

for (const entry of reference.crypto.filter((c) => c.algorithm !== undefined)) {
  const account = reference.accounts.find((a) => a.label === entry.label);
  Deno.test(`reference crypto ${entry.label}: ${entry.algorithm} signature verifies`, async () => {
    assert.ok(account);
    const key = parsePublicKey(account.id_public_key);
    assert.equal(key.algorithm, entry.algorithm);
    const data = utf8Encode(entry.data_utf8!);
    const signature = base64Decode(entry.signature_base64!);
    assert.equal(await key.verify(data, signature), entry.verified);
    assert.equal(
      await key.verify(utf8Encode(entry.data_utf8 + "."), signature),
      false,
    );
  });
  if (entry.msg_key_encrypt_base64 !== undefined) {
    Deno.test(`reference crypto ${entry.label}: RSA ciphertext to the visa key decrypts`, async () => {
      assert.ok(account);
      const key = parsePrivateKey(account.msg_private_keys[0]);
      const plaintext = await key.decrypt!(
        base64Decode(entry.msg_key_encrypt_base64!),
      );
      assert.equal(plaintext !== undefined, entry.msg_key_decrypts);
      assert.equal(utf8Decode(plaintext!), entry.data_utf8);
    });
  }
}
