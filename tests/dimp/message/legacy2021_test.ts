/**
 * `messages.json` `legacy2021`: messages of the 2021 stack (IV inside the
 * key JSON, int times and envelope type, one RSA key per user, meta
 * `version`) verify and decrypt as the current reference does.
 */
import assert from "node:assert/strict";
import {
  base64Decode,
  parsePrivateKey,
  parseSymmetricKey,
  utf8Decode,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import { Meta, parseId } from "../../../dimp/identity/mod.ts";
import {
  InstantMessage,
  MemoryCipherKeyCache,
  MessagePacker,
  ReliableMessage,
} from "../../../dimp/message/mod.ts";
import { MapDirectory, messagesFile, pythonJson } from "./_fixtures.ts";

const legacy = messagesFile().legacy2021;

function directory(): MapDirectory {
  const dir = new MapDirectory();
  for (const account of Object.values(legacy.accounts)) {
    dir.add(account.id, account.meta);
  }
  dir.add(legacy.group.id, legacy.group.meta);
  dir.setMembers(legacy.group.id, legacy.group.members);
  return dir;
}

function packerFor(id: string): MessagePacker {
  const account = Object.values(legacy.accounts).find((a) => a.id === id)!;
  const key = parsePrivateKey(account.private_key);
  return new MessagePacker({
    user: {
      id: parseId(id),
      signKey: key,
      decryptKeys: [key],
      meta: Meta.parse(account.meta),
    },
    directory: directory(),
  });
}

for (const v of legacy.messages) {
  const check = legacy.checks_by_current_reference.find((c) =>
    c.label === v.label
  )!;
  for (
    const [reader, expected] of Object.entries(
      check.decrypted_by_current_reference,
    )
  ) {
    Deno.test(`legacy2021 ${v.label}: read by ${reader}`, async () => {
      const reliable = ReliableMessage.parse(v.wire);
      assert.deepEqual(reliable.dictionary, v.reliable);
      assert.equal(reliable.type, 1);
      assert.equal(reliable.iv, undefined);
      const packer = packerFor(reader);
      await packer.verify(reliable);
      assert.equal(check.signature_pkcs1_15_over_decoded_data, true);
      const instant = await packer.decrypt(reliable);
      assert.deepEqual(instant.content.dictionary, expected.content);
      // the RSA layer gives the 2021 key JSON with its `iv`
      const account = Object.values(legacy.accounts).find((a) =>
        a.id === reader
      )!;
      const sealed = reliable.encryptedKey(parseId(reader))!;
      const json = utf8Decode(
        (await parsePrivateKey(account.private_key).decrypt!(
          base64Decode(sealed),
        ))!,
      );
      assert.equal(json, expected.key_json);
      assert.deepEqual(JSON.parse(json), v.symmetric_key);
    });
  }
}

for (const v of legacy.messages) {
  Deno.test(`legacy2021 ${v.label}: packed by us byte-exact with the 2021 key (IV inside the key)`, async () => {
    const instant = InstantMessage.parse(structuredClone(v.instant));
    const cache = new MemoryCipherKeyCache();
    cache.set(
      instant.sender,
      instant.destination,
      parseSymmetricKey(v.symmetric_key),
    );
    const account = Object.values(legacy.accounts).find((a) =>
      a.id === instant.sender.value
    )!;
    const key = parsePrivateKey(account.private_key);
    const packer = new MessagePacker({
      user: { id: instant.sender, signKey: key, decryptKeys: [key] },
      directory: directory(),
      cipherKeys: cache,
      encodeContent: (content) => utf8Encode(pythonJson(content)),
    });
    const reliable = await packer.pack(instant);
    assert.equal(reliable.data, v.reliable.data);
    assert.equal(reliable.signature, v.reliable.signature);
    assert.equal(reliable.get("IV"), undefined);
    assert.equal(reliable.type, v.reliable.type);
    assert.equal(
      Object.keys(reliable.keys ?? { [v.reliable.receiver as string]: 1 })
        .sort().join(),
      Object.keys(
        (v.reliable.keys as Record<string, string>) ??
          { [v.reliable.receiver as string]: 1 },
      ).sort().join(),
    );
  });
}
