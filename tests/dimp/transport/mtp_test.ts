import assert from "node:assert/strict";
import {
  encodeMtpPackage,
  encodeMtpPackageInto,
  FramingError,
  MtpDecoder,
  type MtpPackage,
  type MtpPackageInit,
  mtpPackageMaxLength,
  MtpSerials,
  MtpType,
  parseMtpHeader,
  parseMtpPackage,
} from "../../../dimp/transport/mod.ts";
import { ByteQueue } from "../../../dimp/transport/_byte_queue.ts";
import { loadVectors } from "../../_vectors.ts";
import { hex, transportVectors, unhex, utf8 } from "./_helpers.ts";

const vectors = transportVectors().mtp_codec;

const TYPE_NAMES: Record<string, number> = {
  "Command": MtpType.COMMAND,
  "Command Response": MtpType.COMMAND_RESPONSE,
  "Message": MtpType.MESSAGE,
  "Message Response": MtpType.MESSAGE_RESPONSE,
  "Message Fragment": MtpType.MESSAGE_FRAGMENT,
};

for (const v of vectors.build) {
  Deno.test(`mtp_codec.build[${v.label}] encodes byte-exact`, () => {
    const bytes = encodeMtpPackage({
      type: v.data_type_nibble as MtpPackage["header"]["type"],
      sn: unhex(v.sn_hex as string),
      pages: v.pages as number,
      index: v.index as number,
      body: unhex(v.body_hex as string),
    });
    assert.equal(hex(bytes), v.hex);
  });

  Deno.test(`mtp_codec.build[${v.label}] decodes to its fields and re-encodes`, () => {
    const bytes = unhex(v.hex as string);
    const pkg = parseMtpPackage(bytes);
    assert.ok(typeof pkg === "object");
    assert.equal(pkg.header.headerLength, v.header_size);
    assert.equal(pkg.header.type, TYPE_NAMES[v.data_type as string]);
    assert.equal(hex(pkg.header.sn), v.sn_hex);
    assert.equal(pkg.header.pages, v.pages);
    assert.equal(pkg.header.index, v.index);
    assert.equal(pkg.header.bodyLength, v.body_length);
    assert.equal(hex(pkg.body), v.body_hex);
    assert.equal(
      hex(encodeMtpPackage({ ...pkg.header, body: pkg.body })),
      v.hex,
    );
    // and the stream decoder, fed one byte at a time, yields the same package
    const decoder = new MtpDecoder();
    const got: MtpPackage[] = [];
    for (const b of bytes) {
      decoder.push(new Uint8Array([b]));
      for (let p = decoder.next(); p !== null; p = decoder.next()) got.push(p);
    }
    assert.equal(got.length, 1);
    assert.equal(hex(got[0].body), v.body_hex);
  });
}

for (const v of vectors.parse) {
  Deno.test(`mtp_codec.parse[${v.label}]`, () => {
    const bytes = unhex(v.hex as string);
    const header = parseMtpHeader(bytes);
    const expected = v.header as Record<string, unknown> | null;
    if (expected === null) {
      assert.ok(
        typeof header === "string",
        `expected no header, got ${JSON.stringify(header)}`,
      );
      return;
    }
    assert.ok(typeof header === "object");
    assert.equal(header.headerLength, expected.size);
    assert.equal(header.type, TYPE_NAMES[expected.data_type as string]);
    assert.equal(hex(header.sn), expected.sn_hex);
    assert.equal(header.pages, expected.pages);
    assert.equal(header.index, expected.index);
    assert.equal(header.bodyLength, expected.body_length);
    const pkg = parseMtpPackage(bytes);
    if (v.package_body_hex === null) {
      assert.equal(pkg, "incomplete");
    } else {
      assert.ok(typeof pkg === "object");
      assert.equal(hex(pkg.body), v.package_body_hex);
    }
  });
}

/**
 * A seek input; the 70000-byte one is stored abbreviated (a run of one byte
 * followed by "..."), so it is expanded to its stated length.
 */
function seekInput(text: string, length: number): Uint8Array {
  if (!text.endsWith("...")) return unhex(text);
  const prefix = unhex(text.slice(0, -3));
  assert.ok(
    prefix.every((b) => b === prefix[0]),
    "abbreviated input is one repeated byte",
  );
  return new Uint8Array(length).fill(prefix[0]);
}

/** The message packet of the build vectors: the real packet inside seek inputs. */
const MESSAGE_HEX = vectors.build.find((v) => v.label === "message")!
  .hex as string;

for (const v of vectors.seek) {
  Deno.test(`mtp_codec.seek[${v.label}]`, () => {
    const input = seekInput(v.input_hex as string, v.input_len as number);
    const decoder = new MtpDecoder();
    decoder.push(input);
    if (v.label === "junk_70000_no_magic") {
      // the reference discards the whole buffer at 64 KiB; dim closes (§8: "same, or close")
      assert.throws(
        () => decoder.next(),
        (e) => e instanceof FramingError && e.reason === "junk",
      );
      return;
    }
    const pkg = decoder.next();
    // two_bad_DIM_then_packet: the reference loses the packet (seeker bug,
    // transport.md §3.5 "do not copy"); the spec requires finding it at 60.
    const found = v.label === "two_bad_DIM_then_packet"
      ? true
      : v.package_found;
    assert.equal(pkg !== null, found);
    if (pkg === null) {
      // junk without magic is dropped (all but a possible split "DIM" prefix)
      assert.ok(decoder.bufferedBytes <= 2);
      return;
    }
    const offset = v.label === "two_bad_DIM_then_packet"
      ? 60
      : v.offset as number;
    assert.equal(
      hex(input.subarray(offset, offset + MESSAGE_HEX.length / 2)),
      MESSAGE_HEX,
    );
    assert.equal(
      hex(encodeMtpPackage({ ...pkg.header, body: pkg.body })),
      MESSAGE_HEX,
    );
    assert.equal(
      decoder.bufferedBytes,
      input.length - offset - MESSAGE_HEX.length / 2,
    );
  });
}

interface GeneratedPacket {
  label: string;
  hex: string;
  sn_hex: string;
  data_type_byte: number;
  body_length: number;
  body_utf8: string;
}

const generated = (loadVectors("reference-generated") as {
  mtp: { packets: GeneratedPacket[] };
}).mtp.packets;
for (const p of generated) {
  Deno.test(`reference-generated mtp.packets[${p.label}] decodes and re-encodes byte-exact`, () => {
    const pkg = parseMtpPackage(unhex(p.hex));
    assert.ok(typeof pkg === "object");
    assert.equal(hex(pkg.header.sn), p.sn_hex);
    assert.equal(0x40 | pkg.header.type, p.data_type_byte);
    assert.equal(pkg.header.bodyLength, p.body_length);
    assert.equal(new TextDecoder().decode(pkg.body), p.body_utf8);
    assert.equal(
      hex(encodeMtpPackage({ ...pkg.header, body: pkg.body })),
      p.hex,
    );
  });
}

Deno.test("MtpDecoder: a header's sn as two numbers (snHi, snLo), its bytes on demand; a package re-encodes from them byte-exact", () => {
  for (const p of generated) {
    const decoder = new MtpDecoder();
    decoder.push(unhex(p.hex));
    const pkg = decoder.next();
    assert.ok(pkg !== null);
    const sn = unhex(p.sn_hex);
    const view = new DataView(sn.buffer);
    assert.equal(pkg.header.snHi, view.getUint32(0));
    assert.equal(pkg.header.snLo, view.getUint32(4));
    assert.equal(hex(pkg.header.sn), p.sn_hex);
    assert.equal(new TextDecoder().decode(pkg.body), p.body_utf8);
    const { snHi, snLo, type } = pkg.header;
    assert.equal(
      hex(encodeMtpPackage({ type, snHi, snLo, body: pkg.body })),
      p.hex,
    );
  }
});

Deno.test("encodeMtpPackage: snHi and snLo write the same bytes as the sn; none (or zeros) is the HL 2 form", () => {
  const sn = new Uint8Array([0x80, 1, 2, 3, 0xff, 5, 6, 7]);
  const body = utf8("{}");
  assert.equal(
    hex(encodeMtpPackage({
      type: MtpType.MESSAGE,
      snHi: 0x80010203,
      snLo: 0xff050607,
      body,
    })),
    hex(encodeMtpPackage({ type: MtpType.MESSAGE, sn, body })),
  );
  const bare = encodeMtpPackage({ type: MtpType.MESSAGE, body });
  assert.equal(bare[3] >> 4, 2);
  assert.equal(
    hex(bare),
    hex(encodeMtpPackage({ type: MtpType.MESSAGE, snHi: 0, snLo: 0, body })),
  );
  assert.equal(
    hex(bare),
    hex(
      encodeMtpPackage({ type: MtpType.MESSAGE, sn: new Uint8Array(8), body }),
    ),
  );
  // an sn whose only non-zero byte is its last is still written (HL 4)
  const last = encodeMtpPackage({
    type: MtpType.MESSAGE,
    sn: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]),
    body,
  });
  assert.equal(last[3] >> 4, 4);
  assert.equal(
    hex(last),
    hex(encodeMtpPackage({ type: MtpType.MESSAGE, snHi: 0, snLo: 1, body })),
  );
});

Deno.test("MtpDecoder: many packages in one push and across splits decode the same", () => {
  const serials = new MtpSerials();
  const packets = Array.from({ length: 50 }, (_, i) =>
    encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: serials.next(),
      body: new TextEncoder().encode(`{"n":${i},"pad":"${"x".repeat(i * 7)}"}`),
    }));
  const stream = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  packets.reduce((at, p) => (stream.set(p, at), at + p.length), 0);
  for (const step of [1, 3, 16, 17, 1000, stream.length]) {
    const decoder = new MtpDecoder();
    const bodies: string[] = [];
    for (let at = 0; at < stream.length; at += step) {
      decoder.push(stream.subarray(at, at + step));
      for (let p = decoder.next(); p !== null; p = decoder.next()) {
        bodies.push(hex(p.body));
      }
    }
    assert.deepEqual(
      bodies,
      packets.map((p) => hex(p.subarray(16))),
      `step ${step}`,
    );
    assert.equal(decoder.bufferedBytes, 0);
  }
});

Deno.test("MtpDecoder: a header announcing 2 GB is refused from the header (too-large)", () => {
  const decoder = new MtpDecoder({ maxBodyLength: 1 << 20 });
  decoder.push(unhex("44494d42" + "0102030405060708" + "80000000"));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("MtpDecoder: a body over the configured cap is refused before it arrives", () => {
  const decoder = new MtpDecoder({ maxBodyLength: 1000 });
  decoder.push(unhex("44494d42" + "0102030405060708" + "000003e9"));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("MtpDecoder: UDP header forms (HL 1/3/5) are junk on TCP and skipped", () => {
  const decoder = new MtpDecoder();
  decoder.push(unhex("44494d107879" + "44494d22000000027879"));
  const pkg = decoder.next();
  assert.ok(pkg !== null);
  assert.equal(pkg.header.headerLength, 8);
  assert.equal(hex(pkg.body), "7879");
});

Deno.test("MtpSerials: increments with carry into the high word", () => {
  const serials = new MtpSerials(0x00000001, 0xfffffffe);
  assert.equal(hex(serials.next()), "00000001ffffffff");
  assert.equal(hex(serials.next()), "0000000200000000");
});

Deno.test("encodeMtpPackage: a text body is its UTF-8, ASCII or not, whatever the length", () => {
  const sn = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 9]);
  const texts = [
    "",
    '{"a":1}',
    "x".repeat(70_000),
    '{"name":"名字"}',
    "ascii first, then é at the end: é",
    "😀 emoji (4 bytes) and a lone surrogate \ud800 (3 bytes as U+FFFD)",
    "\u007f\u0080\u07ff\u0800\uffff",
  ];
  for (const text of texts) {
    const expected = new TextEncoder().encode(text);
    const pkg = encodeMtpPackage({ type: MtpType.MESSAGE, sn, body: text });
    const parsed = parseMtpPackage(pkg);
    assert.ok(typeof parsed === "object");
    assert.equal(parsed.header.bodyLength, expected.length);
    assert.deepEqual(parsed.body, expected);
    // the same as the bytes given as a body
    assert.deepEqual(
      pkg,
      encodeMtpPackage({ type: MtpType.MESSAGE, sn, body: expected }),
    );
  }
});

Deno.test("MtpDecoder reads a chunk in place until next() returns null, then keeps a copy of a partial package: the reader may reuse its buffer", () => {
  const { first, second, buffer, cut } = _twoReads(
    1,
    '{"second":"package, split across two reads"}',
    10,
  );
  const decoder = new MtpDecoder();
  decoder.push(buffer.subarray(0, first.length + cut));
  const got: MtpPackage[] = [];
  for (let p = decoder.next(); p !== null; p = decoder.next()) got.push(p);
  assert.equal(got.length, 1);
  assert.equal(decoder.bufferedBytes, cut);
  // the next read overwrites the buffer from its start
  buffer.fill(0xee);
  buffer.set(second.subarray(cut), 0);
  decoder.push(buffer.subarray(0, second.length - cut));
  for (let p = decoder.next(); p !== null; p = decoder.next()) got.push(p);
  buffer.fill(0xdd); // packages handed out are copies
  assert.deepEqual(
    got.map((p) => new TextDecoder().decode(p.body)),
    ["first", '{"second":"package, split across two reads"}'],
  );
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("MtpDecoder with viewBodies: a body is a view of the pushed bytes (no copy), also for a package split across reads", () => {
  const { first, second, buffer, cut } = _twoReads(
    2,
    '{"second":"split across two reads"}',
    30,
  );
  const decoder = new MtpDecoder({ viewBodies: true });
  decoder.push(buffer.subarray(0, first.length + cut));
  const one = decoder.next();
  assert.ok(one !== null);
  assert.equal(one.body.buffer, buffer.buffer, "a view of the read buffer");
  assert.equal(new TextDecoder().decode(one.body), "first");
  assert.equal(decoder.next(), null);
  // the next read overwrites the buffer: the partial package was kept
  buffer.fill(0xee);
  buffer.set(second.subarray(cut), 0);
  decoder.push(buffer.subarray(0, second.length - cut));
  const two = decoder.next();
  assert.ok(two !== null);
  assert.notEqual(two.body.buffer, buffer.buffer);
  assert.equal(
    new TextDecoder().decode(two.body),
    '{"second":"split across two reads"}',
  );
  assert.equal(decoder.next(), null);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("MtpDecoder: a package cut after a 1 KiB read is kept with room for its rest, which joins it without a new array", () => {
  const sn = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3]);
  const body = `{"text":"${"x".repeat(1300)}"}`;
  const pkg = encodeMtpPackage({ type: MtpType.MESSAGE, sn, body });
  const buffer = new Uint8Array(1024); // the read buffer, reused
  buffer.set(pkg.subarray(0, 1024));
  const decoder = new MtpDecoder({ viewBodies: true });
  decoder.push(buffer);
  assert.equal(decoder.next(), null);
  buffer.fill(0xee);
  buffer.set(pkg.subarray(1024));
  decoder.push(buffer.subarray(0, pkg.length - 1024));
  const got = decoder.next();
  assert.ok(got !== null);
  assert.equal(new TextDecoder().decode(got.body), body);
  // the body is a view of the kept copy, made once at the package's size
  // (grown, it would be the next power of two: 2,048 bytes)
  assert.equal(got.body.buffer.byteLength, pkg.length);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("encodeMtpPackageInto writes encodeMtpPackage's bytes into a buffer, within mtpPackageMaxLength; -1 when the buffer is too short", () => {
  const sn = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 9]);
  const inits: MtpPackageInit[] = [
    {
      type: MtpType.MESSAGE,
      snHi: 0x01020304,
      snLo: 0x05060708,
      body: '{"a":"ascii"}',
    },
    { type: MtpType.MESSAGE, snLo: 7, body: '{"t":"héllo € 😀"}' },
    { type: MtpType.MESSAGE, body: "zero sn: the short header" },
    { type: MtpType.MESSAGE_FRAGMENT, sn, pages: 3, index: 1, body: "part" },
    { type: MtpType.MESSAGE_RESPONSE, sn, body: utf8("OK") },
  ];
  for (const init of inits) assertWrittenInto(init, encodeMtpPackage(init));
});

/**
 * `init` written by encodeMtpPackageInto is `expected`, within
 * mtpPackageMaxLength; exactly its length is enough, one byte less is not.
 */
function assertWrittenInto(init: MtpPackageInit, expected: Uint8Array): void {
  assert.ok(expected.length <= mtpPackageMaxLength(init));
  const into = new Uint8Array(mtpPackageMaxLength(init) + 5).fill(0xee);
  assert.equal(encodeMtpPackageInto(into, init), expected.length);
  assert.deepEqual(into.subarray(0, expected.length), expected);
  assert.equal(
    encodeMtpPackageInto(new Uint8Array(expected.length), init),
    expected.length,
  );
  assert.equal(
    encodeMtpPackageInto(new Uint8Array(expected.length - 1), init),
    -1,
  );
}

Deno.test("encodeMtpPackage and encodeMtpPackageInto write a text in parts as the joined text's bytes", () => {
  const sn = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 9]);
  for (
    const parts of [
      ['{"a":"', "ascii", '"}'],
      ['{"t":"', "héllo € 😀", '"}'],
      ["", '{"one":"part"}', ""],
      ['{"long":"', "x".repeat(2000), '","after":"é"}'],
      [],
    ]
  ) {
    const joined = parts.join("");
    const expected = encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn,
      body: joined,
    });
    const init: MtpPackageInit = { type: MtpType.MESSAGE, sn, body: parts };
    assert.deepEqual(encodeMtpPackage(init), expected);
    assertWrittenInto(init, expected);
  }
});

Deno.test("ByteQueue: the room kept for an announced package is at most twice the bytes received", () => {
  const queue = new ByteQueue();
  const lent = new Uint8Array(24).fill(7);
  queue.lend(lent);
  queue.own(1 << 20); // a header announcing 1 MiB, and nothing more
  lent.fill(0);
  assert.deepEqual(queue.view(), new Uint8Array(24).fill(7));
  assert.ok(queue.view().buffer.byteLength <= 256);
  // a large rest: room for the package, not for more than twice the rest
  const big = new Uint8Array(1000).fill(1);
  queue.clear();
  queue.lend(big);
  queue.own(5000);
  assert.equal(queue.view().buffer.byteLength, 2000);
  queue.clear();
  queue.lend(big);
  queue.own(1500);
  assert.equal(queue.view().buffer.byteLength, 1500);
});

/**
 * One read buffer holding a whole package ("first") and the first `cut`
 * bytes of a second one (MESSAGE packages, sn ending in `snLast`).
 */
function _twoReads(snLast: number, secondBody: string, cut: number): {
  first: Uint8Array;
  second: Uint8Array;
  buffer: Uint8Array;
  cut: number;
} {
  const sn = new Uint8Array([0, 0, 0, 0, 0, 0, 0, snLast]);
  const first = encodeMtpPackage({ type: MtpType.MESSAGE, sn, body: "first" });
  const second = encodeMtpPackage({
    type: MtpType.MESSAGE,
    sn,
    body: secondBody,
  });
  const buffer = new Uint8Array(1024); // one read buffer, reused
  buffer.set(first, 0);
  buffer.set(second.subarray(0, cut), first.length);
  return { first, second, buffer, cut };
}
