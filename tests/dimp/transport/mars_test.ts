import assert from "node:assert/strict";
import {
  encodeMarsPackage,
  FramingError,
  type MarsCommand,
  MarsDecoder,
  marsPushBody,
  marsSnOf,
  parseMarsHeader,
  splitMarsSn,
} from "../../../dimp/transport/mod.ts";
import { hex, transportVectors, unhex } from "./_helpers.ts";

const vectors = transportVectors().mars_codec;

for (const v of vectors.build) {
  Deno.test(`mars_codec.build[${v.label}] encodes byte-exact`, () => {
    const bytes = encodeMarsPackage({
      cmd: v.cmd as MarsCommand,
      seq: v.seq as number,
      body: unhex(v.body_hex as string),
    });
    assert.equal(hex(bytes), v.hex);
  });

  Deno.test(`mars_codec.build[${v.label}] decodes to its fields and re-encodes`, () => {
    const decoder = new MarsDecoder();
    for (const b of unhex(v.hex as string)) decoder.push(new Uint8Array([b]));
    const pkg = decoder.next();
    assert.ok(pkg !== null);
    assert.equal(pkg.header.headLength, v.head_length);
    assert.equal(pkg.header.cmd, v.cmd);
    assert.equal(pkg.header.seq, v.seq);
    assert.equal(pkg.header.bodyLength, v.body_length);
    assert.equal(hex(pkg.body), v.body_hex);
    assert.equal(
      hex(encodeMarsPackage({ ...pkg.header, body: pkg.body })),
      v.hex,
    );
    if (v.mars_sn_b64 !== undefined) {
      const { sn, payload } = splitMarsSn(pkg.body);
      assert.equal(sn, v.mars_sn_b64);
      assert.equal(
        hex(unhex(v.mars_sn_decoded_hex as string)),
        hex(Uint8Array.from(atob(sn!), (c) => c.charCodeAt(0))),
      );
      assert.equal(marsSnOf(parseInt(v.mars_sn_decoded_hex as string, 16)), sn);
      assert.equal(new TextDecoder().decode(payload), v.payload_after_sn_utf8);
      assert.equal(hex(marsPushBody(sn!, payload)), v.body_hex);
    }
  });
}

for (const v of vectors.parse) {
  Deno.test(`mars_codec.parse[${v.label}]`, () => {
    const bytes = unhex(v.hex as string);
    const header = parseMarsHeader(bytes);
    const expected = v.head as Record<string, unknown> | null;
    if (!v.parsed) {
      assert.ok(typeof header === "string");
      // an incomplete head and a rejected one differ: only the rejected raised in the reference
      assert.equal(header, v.exception === null ? "incomplete" : "invalid");
      return;
    }
    assert.ok(typeof header === "object" && expected !== null);
    assert.equal(header.headLength, expected.length);
    assert.equal(header.cmd, expected.cmd);
    assert.equal(header.seq, expected.seq);
    assert.equal(header.bodyLength, expected.body_length);
    assert.equal(
      header.options.length === 0 ? null : hex(header.options),
      expected.options_hex,
    );
    const decoder = new MarsDecoder();
    decoder.push(bytes);
    const pkg = decoder.next();
    assert.ok(pkg !== null);
    assert.equal(
      hex(encodeMarsPackage({ ...pkg.header, body: pkg.body })),
      v.hex,
    );
  });
}

// The seek vectors carry labels and results only; the inputs are the
// send_msg build packet after the named number of junk bytes.
const SEND_MSG = unhex(
  vectors.build.find((v) => v.label === "send_msg")!.hex as string,
);
const SEEK_INPUTS: Record<string, Uint8Array> = {
  packet: SEND_MSG,
  junk5_then_packet: new Uint8Array([
    ...new TextEncoder().encode("junk!"),
    ...SEND_MSG,
  ]),
  junk_40: new Uint8Array(40).fill(0x78),
};

for (const v of vectors.seek) {
  Deno.test(`mars_codec.seek[${v.label}]`, () => {
    const input = SEEK_INPUTS[v.label as string];
    const decoder = new MarsDecoder();
    decoder.push(input);
    const pkg = decoder.next();
    assert.equal(pkg !== null, v.package_found);
    if (pkg === null) return;
    const offset = v.offset as number;
    assert.equal(input.length - offset, SEND_MSG.length);
    assert.equal(
      hex(encodeMarsPackage({ ...pkg.header, body: pkg.body })),
      hex(SEND_MSG),
    );
  });
}

Deno.test("MarsDecoder: a body length over the cap is refused from the head", () => {
  const decoder = new MarsDecoder({ maxBodyLength: 1 << 20 });
  decoder.push(unhex("00000014000000c800000003000000017fffffff"));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("MarsDecoder: sticky and split packages across any read size", () => {
  const packets = Array.from(
    { length: 20 },
    (_, i) =>
      encodeMarsPackage({
        cmd: 3,
        seq: i,
        body: new TextEncoder().encode(`{"i":${i}}`),
      }),
  );
  const stream = new Uint8Array(packets.flatMap((p) => [...p]));
  for (const step of [1, 7, 20, 21, stream.length]) {
    const decoder = new MarsDecoder();
    const seqs: number[] = [];
    for (let at = 0; at < stream.length; at += step) {
      decoder.push(stream.subarray(at, at + step));
      for (let p = decoder.next(); p !== null; p = decoder.next()) {
        seqs.push(p.header.seq);
      }
    }
    assert.deepEqual(seqs, packets.map((_, i) => i), `step ${step}`);
  }
});

Deno.test("MarsDecoder: endless junk is a junk error, not unbounded buffering", () => {
  const decoder = new MarsDecoder({ maxJunk: 1000 });
  decoder.push(new Uint8Array(2000).fill(0x41));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "junk",
  );
});
