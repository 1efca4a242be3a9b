import assert from "node:assert/strict";
import {
  AccountsDirectory,
  loadLocalUser,
  LocalUserError,
} from "../../client/mod.ts";
import { Document } from "../../dimp/identity/mod.ts";
import {
  newAccount,
  storeAccount,
  storePublic,
  tempAccounts,
} from "./_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");

Deno.test("directory: the local user comes from the store with its keys, meta and visa", async () => {
  await using temp = tempAccounts();
  await storeAccount(temp.accounts, alice);
  const user = loadLocalUser(temp.accounts, alice.id);
  assert.equal(user.id.value, alice.id.value);
  assert.ok(user.signKey.publicKey.equals(alice.meta.key));
  assert.equal(user.decryptKeys.length, 1);
  assert.equal(user.visa?.name, "alice");
  assert.equal(user.meta?.key.algorithm, alice.meta.key.algorithm);
});

Deno.test("directory: a user without meta or private keys here is refused (LocalUserError)", async () => {
  await using temp = tempAccounts();
  assert.throws(
    () => loadLocalUser(temp.accounts, bob.id),
    (e: unknown) => e instanceof LocalUserError && /no meta/.test(e.message),
  );
  await storePublic(temp.accounts, bob);
  assert.throws(
    () => loadLocalUser(temp.accounts, bob.id),
    (e: unknown) =>
      e instanceof LocalUserError && /ID private key/.test(e.message),
  );
});

Deno.test("directory: saves what arrives once; refuses another ID's meta and a forged visa", async () => {
  await using temp = tempAccounts();
  const directory = new AccountsDirectory(temp.accounts);
  assert.equal(directory.canEncryptFor(bob.id), false);
  assert.equal(
    await directory.saveMeta(bob.id, alice.meta.toDictionary()),
    false,
  );
  assert.equal(await directory.meta(bob.id), undefined);
  // the packer hands over parsed objects: checked as their JSON is
  assert.equal(
    await directory.saveAttachments(bob.id, { meta: alice.meta }),
    false,
  );
  assert.equal(
    await directory.saveAttachments(bob.id, { visa: bob.document }),
    false,
  );
  assert.equal(await directory.visa(bob.id), undefined);
  assert.equal(
    await directory.saveAttachments(bob.id, {
      meta: bob.meta,
      visa: bob.document,
    }),
    true,
  );
  assert.equal(directory.canEncryptFor(bob.id), true);
  assert.equal((await directory.visa(bob.id))?.name, "bob");
  // the same again: nothing new (objects or JSON)
  assert.equal(
    await directory.saveAttachments(bob.id, {
      meta: (await directory.meta(bob.id))!,
      visa: Document.parse(bob.document.toDictionary()),
    }),
    false,
  );
  assert.equal(
    await directory.saveDocuments(bob.id, bob.meta.toDictionary(), [
      bob.document.toDictionary(),
    ]),
    false,
  );
  // a visa whose data was changed after signing
  const forged = Document.parse(bob.document.toDictionary());
  const dict = forged.toDictionary();
  dict.data = String(dict.data).replace('"bob"', '"mallory"');
  assert.match(String(dict.data), /mallory/);
  assert.equal(await directory.saveDocuments(bob.id, undefined, [dict]), false);
  assert.equal((await directory.visa(bob.id))?.name, "bob");
  assert.deepEqual(await directory.members(bob.id), []);
});
