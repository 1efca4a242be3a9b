import assert from "node:assert/strict";
import {
  putTlvHeader,
  readTlv,
  TAG,
  tlvSize,
  writeTlv,
} from "../../../dimp/crypto/_der.ts";

/** The DER of one item as written before `writeTlv` wrote into one array. */
function _reference(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80
    ? [n]
    : n < 0x100
    ? [0x81, n]
    : n < 0x10000
    ? [0x82, n >> 8, n & 0xff]
    : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([tag, ...length, ...content]);
}

Deno.test("writeTlv: minimal lengths at every boundary, the parts in order", () => {
  for (
    const n of [0, 1, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x101, 0xffff, 0x10000]
  ) {
    const content = Uint8Array.from(
      { length: n },
      (_, i) => (i * 7 + 3) & 0xff,
    );
    const cuts = [0, n >> 2, n >> 1, n];
    const parts = [
      content.subarray(0, cuts[1]),
      content.subarray(cuts[1], cuts[2]),
      new Uint8Array(0),
      content.subarray(cuts[2]),
    ];
    const written = writeTlv(TAG.OCTET_STRING, ...parts);
    assert.deepStrictEqual(
      written,
      _reference(TAG.OCTET_STRING, content),
      `n = ${n}`,
    );
    const tlv = readTlv(written);
    assert.deepStrictEqual([tlv.tag, tlv.end], [
      TAG.OCTET_STRING,
      written.length,
    ]);
    assert.deepStrictEqual(tlv.value, content);
  }
});

Deno.test("writeTlv: no parts is an empty item; nested items as before", () => {
  assert.deepStrictEqual(writeTlv(TAG.NULL), new Uint8Array([TAG.NULL, 0]));
  const inner = writeTlv(TAG.INTEGER, new Uint8Array([1]));
  assert.deepStrictEqual(
    writeTlv(TAG.SEQUENCE, inner, inner),
    new Uint8Array([0x30, 6, 2, 1, 1, 2, 1, 1]),
  );
});

Deno.test("tlvSize and putTlvHeader: the header writeTlv writes, at an offset", () => {
  for (const n of [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000]) {
    const item = writeTlv(TAG.SEQUENCE, new Uint8Array(n));
    assert.equal(tlvSize(n), item.length, `n = ${n}`);
    const out = new Uint8Array(3 + item.length).fill(0xee);
    const start = putTlvHeader(out, 3, TAG.SEQUENCE, n);
    assert.equal(start, 3 + item.length - n);
    assert.deepStrictEqual(out.subarray(3, start), item.subarray(0, start - 3));
    assert.deepStrictEqual(out.subarray(0, 3), new Uint8Array(3).fill(0xee));
  }
});
