import assert from "node:assert/strict";
import {
  isKeyPair,
  parsePrivateKey,
  parsePublicKey,
} from "../../../dimp/crypto/mod.ts";
import {
  Document,
  Meta,
  MetaType,
  parseId,
} from "../../../dimp/identity/mod.ts";
import { messagesAccounts, referenceGenerated } from "../_vectors.ts";

const reference = referenceGenerated();

for (const account of reference.accounts) {
  Deno.test(`reference account ${account.label} (${account.id})`, async () => {
    const meta = Meta.parse(account.meta);
    const id = parseId(account.id);
    assert.equal(await meta.isValid(), account.checks.meta_valid);
    assert.equal(await meta.matchId(id), account.checks.id_matches_meta);
    assert.equal(id.address.value, account.address);
    assert.equal(id.name ?? null, account.seed ?? null);
    // re-derive the address from the meta with the ID's network byte
    assert.equal(meta.generateId(account.network).value, account.id);
    assert.equal(
      meta.generateAddress(account.network).network,
      account.network,
    );
    // the ID key pairs with the meta key
    const idKey = parsePrivateKey(account.id_private_key);
    assert.ok(idKey.publicKey.equals(meta.key));
    assert.ok(parsePublicKey(account.id_public_key).equals(meta.key));
    assert.ok(await isKeyPair(idKey, meta.key));
    // the document verifies with the meta key and is of the expected type
    const doc = Document.parse(account.document);
    assert.equal(doc.type, account.document_type);
    assert.equal(await doc.verify(meta.key), account.checks.document_verified);
    assert.ok(doc.id.equals(id));
    // the visa key pairs with the message private key
    const visaKey = doc.visaKey();
    if (account.msg_private_keys.length > 0) {
      assert.ok(visaKey);
      assert.ok(
        await isKeyPair(parsePrivateKey(account.msg_private_keys[0]), visaKey),
      );
    }
    if (account.founder !== undefined) {
      assert.equal(doc.founder()?.value, account.founder);
    }
  });
}

for (const missing of reference.accounts_not_supported) {
  Deno.test(`reference unsupported: ${missing.entity} ${missing.meta_type} with ${missing.key_algorithm}`, async () => {
    assert.equal(missing.meta_type, "ETH");
    if (missing.key_algorithm === "RSA") {
      const key = parsePrivateKey(
        reference.accounts.find((a) => a.key_algorithm === "RSA")!
          .id_private_key,
      );
      await assert.rejects(Meta.generate(MetaType.ETH, key));
    } else {
      // an ETH meta has only the user address: other entity types cannot be told apart
      const eth = Meta.parse(
        reference.accounts.find((a) => a.meta_type === "ETH")!.meta,
      );
      assert.equal(
        eth.generateAddress(missing.entity === "group" ? 1 : 2).network,
        0,
      );
    }
  });
}

const accounts = messagesAccounts();
for (const user of [accounts.alice, accounts.bob, accounts.carol]) {
  Deno.test(`messages account ${user.name} (${user.id})`, async () => {
    const meta = Meta.parse(user.meta);
    await meta.checkId(parseId(user.id));
    const visa = Document.parse(user.visa);
    await visa.checkSignature(meta.key);
    assert.ok(await isKeyPair(parsePrivateKey(user.id_private_key), meta.key));
    assert.ok(
      await isKeyPair(parsePrivateKey(user.msg_private_key), visa.visaKey()!),
    );
    assert.ok(parsePublicKey(user.msg_public_key).equals(visa.visaKey()!));
  });
}

Deno.test(`messages account group (${accounts.group.id})`, async () => {
  const group = accounts.group;
  const meta = Meta.parse(group.meta);
  await meta.checkId(parseId(group.id));
  const bulletin = Document.parse(group.bulletin);
  assert.equal(bulletin.type, "bulletin");
  await bulletin.checkSignature(meta.key);
  assert.ok(
    await isKeyPair(parsePrivateKey(group.founder_private_key), meta.key),
  );
  assert.equal(bulletin.founder()?.value, accounts.alice.id);
  assert.ok(group.members.every((m) => parseId(m).isUser));
});
