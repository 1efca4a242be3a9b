import assert from "node:assert/strict";
import { generatePrivateKey, utf8Encode } from "../../../dimp/crypto/mod.ts";
import {
  AccountOptionError,
  EntityType,
  generateAccount,
  MetaType,
  parseId,
} from "../../../dimp/identity/mod.ts";
import { independentVerify } from "../_independent.ts";

const KINDS: [string, number, 1 | 2 | 4, string | undefined, string][] = [
  ["user ETH", EntityType.USER, MetaType.ETH, undefined, "visa"],
  ["user BTC", EntityType.USER, MetaType.BTC, undefined, "visa"],
  ["station", EntityType.STATION, MetaType.MKM, "test_station", "visa"],
  ["bot", EntityType.BOT, MetaType.MKM, "test_bot", "visa"],
  ["ISP (own key)", EntityType.ISP, MetaType.MKM, "test_group", "bulletin"],
  ["ICP (own key)", EntityType.ICP, MetaType.MKM, "test_group", "bulletin"],
];

for (const [what, type, metaType, seed, docType] of KINDS) {
  Deno.test(`generateAccount: ${what} — ECC ID key, RSA message key, signed ${docType}`, async () => {
    const account = await generateAccount({
      type,
      metaType: type === EntityType.USER ? metaType : undefined,
      properties: { name: "Some Name" },
    });
    const { id, meta, document, identityKey, messageKeys } = account;
    assert.equal(parseId(id.value).type, type);
    assert.equal(id.name, seed);
    assert.equal(meta.type, metaType);
    await meta.checkId(id);
    assert.equal(identityKey?.algorithm, "ECC");
    assert.ok(identityKey.publicKey.equals(meta.key));
    assert.deepEqual(messageKeys.map((key) => key.algorithm), ["RSA"]);
    assert.ok(document.visaKey()?.equals(messageKeys[0].publicKey));
    assert.equal(document.type, docType);
    assert.equal(document.name, "Some Name");
    assert.ok(document.id.equals(id));
    // the signature verifies with an implementation other than ours
    assert.ok(
      await independentVerify(
        meta.key,
        utf8Encode(document.data!),
        document.signature!,
      ),
    );
    if (meta.seed !== undefined) {
      assert.ok(
        await independentVerify(
          meta.key,
          utf8Encode(meta.seed),
          meta.fingerprint!,
        ),
      );
    }
  });
}

Deno.test("generateAccount: a group is the founder's: meta and bulletin signed by the founder's key, no key of its own", async () => {
  const founder = await generateAccount({ type: EntityType.USER });
  const group = await generateAccount({
    type: EntityType.GROUP,
    founder: { id: founder.id, key: founder.identityKey! },
    properties: { name: "Group Chat" },
    now: 1_700_000_000,
  });
  assert.equal(group.id.type, EntityType.GROUP);
  assert.equal(group.id.name, "test_group");
  assert.ok(group.meta.key.equals(founder.identityKey!.publicKey));
  assert.equal(group.identityKey, undefined);
  assert.deepEqual(group.messageKeys, []);
  assert.equal(group.document.type, "bulletin");
  assert.equal(group.document.founder()?.value, founder.id.value);
  assert.equal(group.document.visaKey(), undefined);
  assert.equal(group.document.time, 1_700_000_000);
  assert.equal(group.document.createdTime, 1_700_000_000);
  await group.document.checkSignature(group.meta.key);
  // an ISP with a founder is made like a group
  const isp = await generateAccount({
    type: EntityType.ISP,
    seed: "gsp",
    founder: { id: founder.id, key: founder.identityKey! },
  });
  assert.equal(isp.id.type, EntityType.ISP);
  assert.equal(isp.identityKey, undefined);
});

Deno.test("generateAccount: options that make no account are refused with AccountOptionError", async () => {
  const founder = await generateAccount({ type: EntityType.USER });
  const key = await generatePrivateKey("ECC");
  const bad: [string, Parameters<typeof generateAccount>[0]][] = [
    ["group without founder", { type: EntityType.GROUP }],
    ["station with ETH meta", { type: EntityType.STATION, metaType: 4 }],
    ["user with MKM meta", { type: EntityType.USER, metaType: 1 }],
    ["ETH user with a seed", { type: EntityType.USER, seed: "moky" }],
    ["seed with a space", { type: EntityType.BOT, seed: "my bot" }],
    ["seed with '@'", { type: EntityType.BOT, seed: "a@b" }],
    ["seed too long", { type: EntityType.BOT, seed: "x".repeat(30) }],
    ["empty seed", { type: EntityType.BOT, seed: "" }],
    ["2021 network number", { type: 0x88 }],
    ["founder for a bot", {
      type: EntityType.BOT,
      founder: { id: founder.id, key },
    }],
    ["founder that is a group", {
      type: EntityType.GROUP,
      founder: { id: parseId("g@" + "aVjoUq7yBduuemuWScSidC1tUWG1NNPaL"), key },
    }],
  ];
  for (const [what, options] of bad) {
    await assert.rejects(generateAccount(options), AccountOptionError, what);
  }
  // the longest seed that fits
  const longest = await generateAccount({
    type: EntityType.BOT,
    seed: "x".repeat(29),
  });
  assert.ok(longest.id.value.length <= 64);
});
