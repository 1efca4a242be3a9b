/**
 * `messages.json` `messages[]` and `shortened` (spec messages.md §14): every
 * vector packed through our packer byte-exact (fixed key, fixed IV, the
 * reference's JSON style), its signature exact (RSA) or verified (ECDSA),
 * the reference's wire form verified and decrypted to the reference result.
 */
import assert from "node:assert/strict";
import {
  base64Decode,
  parsePrivateKey,
  parsePublicKey,
  parseSymmetricKey,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { fixAttachments } from "../../../dimp/content/mod.ts";
import { Meta, parseId } from "../../../dimp/identity/mod.ts";
import {
  DecryptionError,
  expandContentKeys,
  InstantMessage,
  MemoryCipherKeyCache,
  MessagePacker,
  ReliableMessage,
} from "../../../dimp/message/mod.ts";
import type { MessagesUser } from "../_vectors.ts";
import {
  type Json,
  messagesDirectory,
  messagesFile,
  messagesUser,
  type MessageVector,
  pythonJson,
} from "./_fixtures.ts";

const file = messagesFile();
const users: MessagesUser[] = [
  file.accounts.alice,
  file.accounts.bob,
  file.accounts.carol,
];

function account(id: string): MessagesUser {
  const user = users.find((u) => u.id === id);
  if (user === undefined) throw new Error(`no account ${id}`);
  return user;
}

function packerFor(id: string, cache = new MemoryCipherKeyCache()) {
  return new MessagePacker({
    user: messagesUser(account(id)),
    directory: messagesDirectory(),
    cipherKeys: cache,
    encodeContent: (content) => utf8Encode(pythonJson(content)),
  });
}

/**
 * The members of a dictionary that do not depend on randomness, attachments
 * normalised as dimples does on (de)serialisation (spec §3.8).
 */
function stable(dict: Readonly<Json>): Json {
  const { key: _key, keys: _keys, type, signature: _sig, ...rest } =
    structuredClone(dict);
  fixAttachments(rest);
  return { ...rest, type: Number(type) };
}

/** A vector reliable message as our parser gives it back (attachments normalised). */
function asParsed(dict: Json): Json {
  const copy = structuredClone(dict);
  fixAttachments(copy);
  return copy;
}

for (const v of file.messages) {
  Deno.test(`messages.json ${v.label}: packed by us byte-exact`, async () => {
    const instant = InstantMessage.parse(
      structuredClone(v.instant_before_encrypt),
    );
    const cache = new MemoryCipherKeyCache();
    if (!instant.isBroadcast) {
      cache.set(
        instant.sender,
        instant.destination,
        parseSymmetricKey(v.symmetric_key),
      );
    }
    const packer = packerFor(v.sender, cache);
    const secure = await packer.encrypt(instant);
    assert.equal(secure.data, v.secure.data);
    assert.deepEqual(stable(secure.dictionary), stable(v.secure));
    assert.equal(secure.type, Number(v.secure.type));
    // the message key opens with each receiver's private key
    const sealed: Record<string, string> = secure.keys ??
      (secure.key === undefined ? {} : { [v.receiver]: secure.key });
    assert.deepEqual(
      Object.keys(sealed).sort(),
      Object.keys(v.decrypted_key_json ?? {}).sort(),
    );
    for (const [member, text] of Object.entries(sealed)) {
      const key = parsePrivateKey(account(member).msg_private_key);
      const json = utf8Decode((await key.decrypt!(base64Decode(text)))!);
      assert.deepEqual(
        JSON.parse(json),
        JSON.parse(v.decrypted_key_json![member]),
      );
    }
    const reliable = await packer.sign(secure);
    const signer = account(v.sender);
    if (signer.id_key_algorithm === "RSA") {
      assert.equal(reliable.signature, v.reliable.signature);
    } else {
      const key = Meta.parse(signer.meta).key;
      assert.ok(await key.verify(secure.dataBytes, reliable.signatureBytes));
    }
    assert.deepEqual(stable(reliable.dictionary), stable(v.reliable));
  });

  Deno.test(`messages.json ${v.label}: the reference wire verifies and decrypts`, async () => {
    for (const [reader, check] of Object.entries(v.receiver_checks)) {
      if (check.precondition !== undefined) continue; // reused-key test below
      const packer = packerFor(reader);
      const reliable = ReliableMessage.parse(v.wire);
      assert.deepEqual(reliable.dictionary, asParsed(v.reliable));
      const instant = await packer.unpack(reliable);
      assert.deepEqual(instant.content.dictionary, check.decrypted_content);
      assert.equal(instant.sender.value, v.sender);
      // the RSA layer yields exactly the reference key JSON
      const sealed = reliable.encryptedKey(parseId(reader));
      if (sealed !== undefined) {
        const key = parsePrivateKey(account(reader).msg_private_key);
        assert.equal(
          utf8Decode((await key.decrypt!(base64Decode(sealed)))!),
          v.decrypted_key_json![reader],
        );
      }
    }
  });

  Deno.test(`messages.json ${v.label}: signature over the decoded data only`, async () => {
    const key = parsePublicKey(account(v.sender).id_public_key);
    const data = v.reliable.data as string;
    const signature = base64Decode(v.reliable.signature as string);
    const broadcast = parseId(v.receiver).isBroadcast;
    const decoded = broadcast ? utf8Encode(data) : base64Decode(data);
    const check = v.signature_check;
    const overDecoded = check.pkcs1_15_verify_over_decoded_data ??
      check.ecdsa_verify_over_decoded_data;
    const overText = check.pkcs1_15_verify_over_data_text ??
      check.ecdsa_verify_over_data_text;
    assert.equal(await key.verify(decoded, signature), overDecoded);
    assert.equal(await key.verify(utf8Encode(data), signature), overText);
    assert.equal(overDecoded, true);
    assert.equal(overText, broadcast);
  });
}

const reused = file.messages.find((m) =>
  m.reliable_without_key !== undefined
) as MessageVector;
const first = file.messages.find((m) =>
  m.label === "personal/text/rsa-signer"
)!;

Deno.test(`messages.json ${reused.label}: reliable_without_key decrypts from the key cached by the first message`, async () => {
  const bob = packerFor(reused.receiver);
  await bob.unpack(ReliableMessage.parse(first.wire));
  const instant = await bob.unpack(
    ReliableMessage.parse(structuredClone(reused.reliable_without_key!)),
  );
  assert.deepEqual(
    instant.content.dictionary,
    reused.receiver_checks[reused.receiver].decrypted_content,
  );
});

Deno.test(`messages.json ${reused.label}: negative_no_cache is a typed decryption error`, async () => {
  const message = () =>
    ReliableMessage.parse(structuredClone(reused.reliable_without_key!));
  // bob without the first message: nothing cached for alice -> bob
  await assert.rejects(
    packerFor(reused.receiver).unpack(message()),
    (e) => e instanceof DecryptionError && e.reason === "no-key",
  );
  // the vector's reader (carol) is not the receiver at all
  await assert.rejects(
    packerFor(reused.negative_no_cache!.reader).unpack(message()),
    (e) => e instanceof DecryptionError && e.reason === "not-for-me",
  );
});

Deno.test("messages.json shortened: the short-key message expands like dimples and decrypts", async () => {
  const s = file.shortened;
  const reliable = ReliableMessage.parse(s.reliable_short);
  assert.deepEqual(reliable.dictionary, s.expanded_by_dimples);
  const [reader, check] = Object.entries(s.receiver_check)[0];
  const instant = await packerFor(reader).unpack(reliable);
  assert.deepEqual(instant.content.dictionary, check.decrypted_content);
  // serialising the expanded form (not the short text)
  assert.deepEqual(JSON.parse(reliable.serialize()), s.expanded_by_dimples);
});

Deno.test("messages.json shortened: short symmetric key and short content", () => {
  const s = file.shortened;
  assert.deepEqual(
    parseSymmetricKey(JSON.parse(s.symmetric_key_short)).toDictionary(),
    s.key_expanded_by_dimples,
  );
  const content = JSON.parse(s.content_short);
  expandContentKeys(content);
  assert.deepEqual(content, s.content_expanded_by_dimples);
});

Deno.test("messages.json shortened: a message whose key JSON and content are in short form decrypts", async () => {
  const s = file.shortened;
  const [reader, check] = Object.entries(s.receiver_check)[0];
  const bob = account(reader);
  const visaKey = parsePublicKey(bob.msg_public_key);
  const aes = parseSymmetricKey(JSON.parse(s.symmetric_key_short));
  const params: Json = {};
  const data = await aes.encrypt(utf8Encode(s.content_short), params);
  const alice = messagesUser(file.accounts.alice);
  const dict: Json = {
    F: alice.id.value,
    R: reader,
    W: 1700000000.5,
    IV: params.IV,
    D: data.toBase64(),
    K: (await visaKey.encrypt!(utf8Encode(s.symmetric_key_short))).toBase64(),
  };
  dict.V = (await alice.signKey.sign(data)).toBase64();
  const instant = await packerFor(reader).unpack(
    ReliableMessage.parse(JSON.stringify(dict)),
  );
  assert.deepEqual(instant.content.dictionary, check.decrypted_content);
});
