import assert from "node:assert/strict";
import { base64Decode, hexDecode } from "../../../dimp/crypto/mod.ts";
import {
  AddressFormatError,
  btcAddress,
  eip55,
  ethAddress,
  Meta,
  parseAddress,
  parseId,
} from "../../../dimp/identity/mod.ts";
import { identityVectors } from "../_vectors.ts";

for (
  const v of identityVectors<{ lower: string }, { checksummed: string }>(
    "eip55",
  )
) {
  Deno.test(`identity vector ${v.id}`, () => {
    assert.equal(eip55(v.input.lower), v.expect.checksummed);
    assert.equal(
      eip55(v.input.lower.slice(2).toUpperCase()),
      v.expect.checksummed,
    );
  });
}

const HULK_FINGERPRINT = base64Decode(
  "jIPGWpWSbR/DQH6ol3t9DSFkYroVHQDvtbJErmFztMUP2DgRrRSNWuoKY5Y26qL38wfXJQXjYiWqNWKQmQe/gK8M8NkU7lRwm+2nh9wSBYV6Q4WXsCboKbnM0+HVn9Vdfp21hMMGrxTX1pBPRbi0567ZjNQC8ffdW2WvQSoec2I=",
);

Deno.test("BTC address of the hulk fingerprint: worked example bytes", () => {
  const address = btcAddress(HULK_FINGERPRINT, 0x08);
  assert.equal(address.value, "4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
  assert.deepEqual(
    address.bytes,
    hexDecode("08cfc8bde708626a3e0e2663d11115f59874175071a2b45674"),
  );
  assert.equal(
    btcAddress(HULK_FINGERPRINT, 0x00).value,
    "1KwfMVfGoMDBTkFniJYH8bgrxm7tah5ADE",
  );
});

Deno.test("an address keeps its text only: its bytes are decoded from it when asked", () => {
  const btc = btcAddress(HULK_FINGERPRINT, 0x08);
  const eth = parseAddress("0xC40156Dd85bA6D604Ff97496FD9df74f0de22793");
  for (const address of [btc, eth, parseAddress(btc.value)]) {
    assert.ok(!Object.getOwnPropertyNames(address).includes("bytes"));
  }
  assert.deepEqual(
    parseAddress(btc.value).bytes,
    hexDecode("08cfc8bde708626a3e0e2663d11115f59874175071a2b45674"),
  );
  assert.deepEqual(
    eth.bytes,
    hexDecode("c40156dd85ba6d604ff97496fd9df74f0de22793"),
  );
  assert.equal(parseAddress("anywhere").bytes.length, 0);
});

// networks 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x88, 0xC8: each from a vector
const NETWORKS: [string, number, string][] = [];
for (
  const v of identityVectors<
    { meta: Record<string, unknown>; network: number },
    {
      id: string;
      id_for_network_0x04_bot?: string;
      id_for_old_network_0x10?: string;
    }
  >("meta_to_id")
) {
  NETWORKS.push([v.id, v.input.network, v.expect.id]);
  if (v.expect.id_for_network_0x04_bot) {
    NETWORKS.push([v.id, 0x04, v.expect.id_for_network_0x04_bot]);
  }
  if (v.expect.id_for_old_network_0x10) {
    NETWORKS.push([v.id, 0x10, v.expect.id_for_old_network_0x10]);
  }
}
for (
  const v of identityVectors<
    { meta: Record<string, unknown>; network: number },
    { address_for_network: string }
  >("meta_to_id_negative")
) {
  NETWORKS.push([v.id, v.input.network, v.expect.address_for_network]);
}

for (const network of [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x88, 0xc8]) {
  Deno.test(`BTC address generation for network 0x${network.toString(16).padStart(2, "0")}`, () => {
    const cases = NETWORKS.filter(([, n, id]) =>
      n === network && !id.startsWith("0x")
    );
    assert.ok(cases.length > 0);
    for (const [vector, n, expected] of cases) {
      const meta = Meta.parse(
        identityVectors<{ meta: Record<string, unknown> }, unknown>(
          "meta_to_id",
        )
          .concat(identityVectors("meta_to_id_negative"))
          .find((v) => v.id === vector)!.input.meta,
      );
      const address = meta.generateAddress(n);
      assert.equal(address.value, parseId(expected).address.value, vector);
      assert.equal(address.network, network);
      assert.equal(parseAddress(address.value).network, network);
    }
  });
}

Deno.test("ETH address of the test key; a lower-case ID does not match its meta", async () => {
  const point = hexDecode(
    "047c91259636a5a16538e0603636f06c532dd6f2bb42f8dd33fa0cdb39546cf449612f3eaf15db9443b7e0668ef22187de9059633eb23112643a38771c630db911",
  );
  const address = ethAddress(point);
  assert.equal(address.value, "0xC40156Dd85bA6D604Ff97496FD9df74f0de22793");
  assert.equal(ethAddress(point.subarray(1)).value, address.value);
  assert.throws(() => ethAddress(point.subarray(0, 33)), AddressFormatError);
  const meta = Meta.parse({
    type: 4,
    key: {
      algorithm: "ECC",
      data:
        "047c91259636a5a16538e0603636f06c532dd6f2bb42f8dd33fa0cdb39546cf449612f3eaf15db9443b7e0668ef22187de9059633eb23112643a38771c630db911",
    },
  });
  assert.ok(await meta.matchId(parseId(address.value)));
  const lower = parseId(address.value.toLowerCase());
  assert.equal(lower.address.kind, "eth");
  assert.equal(await meta.matchId(lower), false);
});

Deno.test("ETH addresses: 0x + 40 hex digits, any case; others rejected", () => {
  assert.equal(
    parseAddress("0xc40156dd85ba6d604ff97496fd9df74f0de22793").kind,
    "eth",
  );
  assert.throws(
    () => parseAddress("0xC40156Dd85bA6D604Ff97496FD9df74f0de2279g"),
    AddressFormatError,
  );
  assert.throws(
    () => parseAddress("1xC40156Dd85bA6D604Ff97496FD9df74f0de22793"),
    AddressFormatError,
  );
});

Deno.test("BTC addresses: base58 of exactly 25 bytes", () => {
  // 26..35 characters but not 25 bytes
  assert.throws(
    () => parseAddress("1111111111111111111111111111"),
    AddressFormatError,
  );
  assert.throws(() => btcAddress(HULK_FINGERPRINT, 256), AddressFormatError);
});
