import assert from "node:assert/strict";
import {
  base64Encode,
  generatePrivateKey,
  hexEncode,
  KeyFormatError,
  parsePrivateKey,
  ripemd160,
  sha256,
  UnsupportedAlgorithmError,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import {
  ANYONE,
  EntityType,
  Meta,
  MetaFormatError,
  MetaMismatchError,
  MetaSignatureError,
  MetaType,
  parseId,
  parseMetaType,
} from "../../../dimp/identity/mod.ts";
import { identityVectors, type KeyJson } from "../_vectors.ts";

interface MetaToIdInput {
  meta: Record<string, unknown>;
  network: number;
  private_key?: KeyJson;
  founder_private_key?: KeyJson;
}
interface MetaToIdExpect {
  id: string;
  meta_valid: boolean;
  fingerprint_reproducible_with_private_key?: boolean;
  ripemd160_sha256_fingerprint_hex?: string;
  check_code_hex?: string;
  address_bytes_hex?: string;
}

for (const v of identityVectors<MetaToIdInput, MetaToIdExpect>("meta_to_id")) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const meta = Meta.parse(v.input.meta);
    assert.equal(await meta.isValid(), v.expect.meta_valid);
    const id = parseId(v.expect.id);
    const address = meta.generateAddress(v.input.network);
    assert.equal(address.value, id.address.value);
    assert.equal(meta.generateId(v.input.network).value, v.expect.id);
    assert.ok(await meta.matchId(id));
    await meta.checkId(id);
    if (v.expect.address_bytes_hex !== undefined) {
      assert.equal(hexEncode(address.bytes), v.expect.address_bytes_hex);
      assert.equal(
        hexEncode(ripemd160(sha256(meta.fingerprint!))),
        v.expect.ripemd160_sha256_fingerprint_hex,
      );
      assert.equal(
        hexEncode(address.bytes.subarray(21)),
        v.expect.check_code_hex,
      );
    }
    const privateKey = v.input.private_key ?? v.input.founder_private_key;
    if (privateKey !== undefined) {
      const key = parsePrivateKey(privateKey);
      assert.ok(await meta.matchPublicKey(key.publicKey));
      if (v.expect.fingerprint_reproducible_with_private_key) {
        const fingerprint = await key.sign(utf8Encode(meta.seed!));
        assert.equal(base64Encode(fingerprint), v.input.meta.fingerprint);
      }
    }
    const wire = meta.toDictionary();
    assert.equal(wire.type, meta.type);
    assert.equal(wire.version, meta.type);
    assert.deepEqual(wire.key, v.input.meta.key);
    assert.equal(wire.fingerprint, v.input.meta.fingerprint);
    assert.deepEqual(meta.dictionary, v.input.meta);
  });
}

const NEGATIVES = identityVectors<
  { meta: Record<string, unknown>; id: string; network: number },
  { address_for_network: string; matches_id: false }
>("meta_to_id_negative");

NEGATIVES.forEach((v, i) => {
  Deno.test(`identity vector ${v.id}`, async () => {
    const meta = Meta.parse(v.input.meta);
    const generated = meta.generateAddress(v.input.network);
    assert.equal(generated.value, v.expect.address_for_network);
    const id = parseId(v.input.id);
    assert.notEqual(generated.value, id.address.value);
    assert.equal(id.address.value === generated.value, v.expect.matches_id);
    // the meta does match the ID it generates for that network ...
    assert.ok(await meta.matchId(meta.generateId(v.input.network)));
    // ... and never another entity's address under its own seed
    const other = parseId(NEGATIVES[(i + 1) % NEGATIVES.length].input.id);
    const impostor = parseId(`${meta.seed}@${other.address.value}`);
    await assert.rejects(meta.checkId(impostor), MetaMismatchError);
    assert.equal(await meta.matchId(impostor), false);
  });
});

for (
  const v of identityVectors<
    { meta: Record<string, unknown> },
    { meta_valid: false }
  >(
    "meta_negative",
  )
) {
  Deno.test(`identity vector ${v.id}`, async () => {
    let meta: Meta;
    try {
      meta = Meta.parse(v.input.meta);
    } catch (e) {
      assert.ok(e instanceof MetaFormatError, String(e));
      return;
    }
    assert.equal(await meta.isValid(), false);
    await assert.rejects(meta.checkValid(), MetaSignatureError);
  });
}

const ECC_HEX =
  "047c91259636a5a16538e0603636f06c532dd6f2bb42f8dd33fa0cdb39546cf449612f3eaf15db9443b7e0668ef22187de9059633eb23112643a38771c630db911";
const ETH_META = { type: 4, key: { algorithm: "ECC", data: ECC_HEX } };

Deno.test("meta type read as int, numeric string, name, or version", () => {
  for (
    const [value, type] of [
      [1, 1],
      ["1", 1],
      ["MKM", 1],
      ["mkm", 1],
      [2, 2],
      ["BTC", 2],
      ["btc", 2],
      ["4", 4],
      ["ETH", 4],
      ["eth", 4],
      ["ExBTC", 3],
      ["ExETH", 5],
    ] as const
  ) {
    assert.equal(parseMetaType(value), type, String(value));
  }
  for (const bad of [0, 6, "6", "1.5", 1.5, "x", null, undefined, {}]) {
    assert.equal(parseMetaType(bad), undefined, String(bad));
  }
  assert.equal(Meta.parse({ version: 4, key: ETH_META.key }).type, 4);
  assert.equal(
    Meta.parse({ type: "ETH", version: 2, key: ETH_META.key }).type,
    4,
  );
  assert.equal(
    Meta.parse({ type: "eth", key: ETH_META.key }).toDictionary().type,
    4,
  );
});

Deno.test("emitted meta has int type and version, key and unknown members kept", () => {
  const meta = Meta.parse({
    type: "4",
    algorithm: "ETH",
    key: { ...ETH_META.key, curve: "secp256k1" },
  });
  assert.deepEqual(meta.toDictionary(), {
    type: 4,
    version: 4,
    algorithm: "ETH",
    key: { algorithm: "ECC", data: ECC_HEX, curve: "secp256k1" },
  });
  assert.equal(JSON.stringify(meta), JSON.stringify(meta.toDictionary()));
});

Deno.test("invalid metas: typed errors", () => {
  const key = ETH_META.key;
  const rsaKey =
    identityVectors<MetaToIdInput, unknown>("meta_to_id")[0].input.meta.key;
  const formatErrors: unknown[] = [
    "meta",
    { key },
    { type: 9, key },
    { type: 1 },
    { type: 1, key, seed: "moky" },
    { type: 1, key, fingerprint: "bW9reQ==" },
    { type: 1, key, seed: "", fingerprint: "bW9reQ==" },
    { type: 1, key, seed: "moky", fingerprint: "bW9reQ" },
    { type: 2, key, fingerprint: "bW9reQ==" },
    { type: 4, key: rsaKey },
  ];
  for (const meta of formatErrors) {
    assert.throws(
      () => Meta.parse(meta),
      MetaFormatError,
      JSON.stringify(meta),
    );
  }
  assert.throws(
    () => Meta.parse({ type: 4, key: { algorithm: "Ed25519", data: "x" } }),
    UnsupportedAlgorithmError,
  );
  assert.throws(
    () => Meta.parse({ type: 4, key: { algorithm: "ECC", data: "04abcd" } }),
    KeyFormatError,
  );
});

Deno.test("matching: name must equal seed; broadcast and unknown addresses never match", async () => {
  const hulk = Meta.parse(
    identityVectors<MetaToIdInput, unknown>("meta_to_id")[0].input.meta,
  );
  await hulk.checkId(parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj"));
  await hulk.checkId(parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj/phone"));
  await assert.rejects(
    hulk.checkId(parseId("hulk2@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj")),
    MetaMismatchError,
  );
  await assert.rejects(
    hulk.checkId(parseId("4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj")),
    MetaMismatchError,
  );
  await assert.rejects(hulk.checkId(ANYONE), MetaMismatchError);
  const unknown = parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEk", {
    allowUnknown: true,
  });
  await assert.rejects(hulk.checkId(unknown), MetaMismatchError);
  const eth = Meta.parse(ETH_META);
  await assert.rejects(
    eth.checkId(parseId("moky@0xC40156Dd85bA6D604Ff97496FD9df74f0de22793")),
    MetaMismatchError,
  );
});

for (
  const [label, type, algorithm, seed, network] of [
    [
      "MKM + RSA station",
      MetaType.MKM,
      "RSA",
      "test_station",
      EntityType.STATION,
    ],
    ["MKM + ECC bot", MetaType.MKM, "ECC", "test_bot", EntityType.BOT],
    ["MKM + ECC group", MetaType.MKM, "ECC", "Group-1234567", EntityType.GROUP],
    ["BTC + ECC user", MetaType.BTC, "ECC", undefined, EntityType.USER],
    ["BTC + RSA user", MetaType.BTC, "RSA", undefined, EntityType.USER],
    ["ETH + ECC user", MetaType.ETH, "ECC", undefined, EntityType.USER],
  ] as const
) {
  Deno.test(`generated meta round trip: ${label}`, async () => {
    const key = await generatePrivateKey(algorithm);
    const meta = await Meta.generate(type, key, seed);
    const id = meta.generateId(network);
    assert.equal(id.name, seed);
    assert.equal(id.type, network);
    const wire = JSON.parse(JSON.stringify(meta));
    assert.equal(wire.type, type);
    assert.equal(wire.version, type);
    const received = Meta.parse(wire);
    assert.ok(await received.isValid());
    assert.ok(await received.matchId(parseId(id.value)));
    assert.ok(await received.matchPublicKey(key.publicKey));
    assert.equal(
      await received.matchPublicKey(
        (await generatePrivateKey(algorithm)).publicKey,
      ),
      false,
    );
  });
}

Deno.test("RSA fingerprints are reproducible: re-signing gives the same meta and ID", async () => {
  const key = await generatePrivateKey("RSA");
  const a = await Meta.generate(MetaType.MKM, key, "station");
  const b = await Meta.generate(MetaType.MKM, key, "station");
  assert.deepEqual(a.toDictionary(), b.toDictionary());
  assert.equal(a.generateId(2).value, b.generateId(2).value);
});

Deno.test("Meta.generate refuses a wrong seed use and ETH with RSA", async () => {
  const rsa = await generatePrivateKey("RSA");
  await assert.rejects(Meta.generate(MetaType.MKM, rsa), MetaFormatError);
  await assert.rejects(Meta.generate(MetaType.BTC, rsa, "x"), MetaFormatError);
  await assert.rejects(Meta.generate(MetaType.ETH, rsa), MetaFormatError);
});

Deno.test("generateAddress: remembered per network byte, the same as derived anew", async () => {
  const key = await generatePrivateKey("ECC");
  const meta = await Meta.generate(MetaType.MKM, key, "test_bot");
  const fresh = () => Meta.parse(JSON.parse(JSON.stringify(meta)));
  for (
    const network of [
      EntityType.BOT,
      EntityType.STATION,
      EntityType.BOT,
      EntityType.USER,
    ]
  ) {
    const remembered = meta.generateAddress(network);
    assert.equal(remembered.value, fresh().generateAddress(network).value);
    assert.equal(remembered.network, network);
  }
  // checkId uses it: an ID of another network byte still does not match
  const bot = meta.generateId(EntityType.BOT);
  await meta.checkId(bot);
  const station = fresh().generateId(EntityType.STATION);
  assert.notEqual(station.address.value, bot.address.value);
  await meta.checkId(station);
  const other = await Meta.generate(
    MetaType.MKM,
    await generatePrivateKey("ECC"),
    "test_bot",
  );
  await assert.rejects(
    () => meta.checkId(other.generateId(EntityType.BOT)),
    MetaMismatchError,
  );
});
