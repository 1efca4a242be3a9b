import assert from "node:assert/strict";
import { hexEncode } from "../../../dimp/crypto/mod.ts";
import {
  AddressChecksumError,
  AddressFormatError,
  ANY_STATION,
  ANYONE,
  ANYWHERE,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  FOUNDER,
  ID,
  IdFormatError,
  parseAddress,
  parseId,
  searchNumber,
  searchNumberText,
  tryParseId,
} from "../../../dimp/identity/mod.ts";
import { identityVectors } from "../_vectors.ts";

interface IdExpect {
  name: string | null;
  address: string;
  terminal: string | null;
  network: number;
  type_plain: number;
  type_compat: number;
  is_broadcast_plain: boolean;
  is_user_compat: boolean;
  is_group_compat: boolean;
  is_broadcast_compat: boolean;
  address_bytes_hex?: string;
  search_number?: number;
  search_number_text?: string;
}

for (const v of identityVectors<{ id: string }, IdExpect>("id_parse")) {
  Deno.test(`identity vector ${v.id}`, () => {
    const e = v.expect;
    const id = parseId(v.input.id);
    assert.equal(id.value, v.input.id);
    assert.equal(id.toString(), v.input.id);
    assert.equal(id.name ?? null, e.name);
    assert.equal(id.address.value, e.address);
    assert.equal(id.terminal ?? null, e.terminal);
    assert.equal(id.network, e.network);
    assert.equal(id.type, e.type_compat);
    assert.equal(id.isUser, e.is_user_compat);
    assert.equal(id.isGroup, e.is_group_compat);
    assert.equal(id.isBroadcast, e.is_broadcast_compat);
    if (e.address_bytes_hex !== undefined) {
      assert.equal(hexEncode(id.address.bytes), e.address_bytes_hex);
    }
    assert.equal(searchNumber(id.address), e.search_number);
    if (e.search_number_text !== undefined) {
      assert.equal(searchNumberText(e.search_number!), e.search_number_text);
    }
    if (e.type_plain !== e.type_compat) {
      // the hazard the mapping avoids: the raw byte would read as broadcast
      assert.equal((e.type_plain & 0x80) !== 0, e.is_broadcast_plain);
      assert.equal(id.network, e.type_plain);
    }
  });
}

for (
  const v of identityVectors<{ id: string }, { valid: false }>(
    "id_parse_negative",
  )
) {
  Deno.test(`identity vector ${v.id}`, () => {
    assert.throws(() => parseId(v.input.id), IdFormatError);
    assert.equal(tryParseId(v.input.id), undefined);
  });
}

const HULK = "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";

Deno.test("ID rejects: bad check code, wrong lengths, empty, >64, two '@', empty parts", () => {
  assert.throws(
    () => parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEk"),
    AddressChecksumError,
  );
  assert.throws(() => parseId("abc"), IdFormatError);
  assert.throws(() => parseId(""), IdFormatError);
  assert.throws(
    () => parseId(`${"a".repeat(30)}@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj`),
    IdFormatError,
  );
  assert.throws(
    () => parseId(`a@b@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj`),
    IdFormatError,
  );
  assert.throws(
    () => parseId("@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj"),
    IdFormatError,
  );
  assert.throws(() => parseId(`${HULK}/`), IdFormatError);
  assert.throws(
    () => parseId("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzV0j"),
    AddressFormatError,
  ); // '0' is not base58
  assert.throws(() => parseId("hulk@somewhere"), AddressFormatError);
  assert.throws(() => parseId(42 as unknown as string), IdFormatError);
});

Deno.test("ID: 64 characters is the limit, names keep any character but '@' and '/'", () => {
  const name = "n".repeat(64 - 1 - 34);
  assert.equal(
    parseId(`${name}@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj`).name,
    name,
  );
  assert.equal(
    parseId("张 三.x@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj").name,
    "张 三.x",
  );
});

Deno.test("ID: the terminal stops at a second '/'", () => {
  const id = parseId(`${HULK}/phone/extra`);
  assert.equal(id.terminal, "phone");
  assert.equal(id.withoutTerminal().value, HULK);
});

Deno.test("ID equality is by exact string (case and terminal included)", () => {
  const a = parseId(HULK);
  assert.ok(a.equals(HULK));
  assert.ok(a.equals(parseId(HULK)));
  assert.ok(!a.equals(parseId(`${HULK}/phone`)));
  assert.ok(!a.equals("Hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj"));
  assert.equal(JSON.stringify({ id: a }), `{"id":"${HULK}"}`);
});

Deno.test("broadcast constants; anywhere/everywhere in any case", () => {
  assert.equal(ANYONE.value, "anyone@anywhere");
  assert.equal(EVERYONE.value, "everyone@everywhere");
  assert.equal(FOUNDER.value, "moky@anywhere");
  assert.equal(ANY_STATION.value, "station@anywhere");
  assert.equal(EVERY_STATION.value, "stations@everywhere");
  assert.equal(parseId("Anyone@Anywhere"), ANYONE);
  assert.equal(parseId("EVERYONE@EVERYWHERE"), EVERYONE);
  const bot = parseId("archivist@AnyWhere");
  assert.equal(bot.type, EntityType.ANY);
  assert.ok(bot.isBroadcast && bot.isUser);
  const group = parseId("gsp@EVERYWHERE");
  assert.equal(group.type, EntityType.EVERY);
  assert.ok(group.isBroadcast && group.isGroup);
  assert.equal(searchNumber(ANYONE.address), undefined);
});

Deno.test("0x88 and 0xC8 IDs are stations and bots, not broadcasts; unnamed IDs are users", () => {
  const station = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
  assert.equal(station.network, 0x88);
  assert.equal(station.type, EntityType.STATION);
  assert.ok(!station.isBroadcast);
  const bot = parseId("archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9");
  assert.equal(bot.type, EntityType.BOT);
  assert.ok(!bot.isBroadcast);
  const bareGroupAddress = parseId("fScSFRfpMDAKTgKqT36a7PxW81ztkEcZk");
  assert.equal(bareGroupAddress.network, 1);
  assert.equal(bareGroupAddress.type, EntityType.USER);
});

Deno.test("unknown addresses only when asked for; they are never cached as valid", () => {
  const bad = "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEk";
  const lenient = parseId(bad, { allowUnknown: true });
  assert.equal(lenient.address.kind, "unknown");
  assert.equal(lenient.network, 0);
  assert.ok(lenient.isUser);
  assert.equal(lenient.value, bad);
  assert.throws(() => parseId(bad), AddressChecksumError);
  assert.equal(
    parseId("bob@shortaddr", { allowUnknown: true }).address.kind,
    "unknown",
  );
  assert.throws(
    () => parseAddress("abc", { allowUnknown: true }),
    AddressFormatError,
  );
});

Deno.test("ID.create builds name@address/terminal leaving out empty parts", () => {
  assert.equal(ID.create(ANYWHERE, "archivist").value, "archivist@anywhere");
  const address = parseAddress("4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
  assert.equal(ID.create(address).value, "4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
  assert.equal(ID.create(address, "hulk", "pc").value, `${HULK}/pc`);
  assert.equal(ID.create(address, "", "").value, address.value);
});
