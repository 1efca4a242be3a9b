import assert from "node:assert/strict";
import {
  encodeMtpPackage,
  encodeMtpPackageIn,
  MtpDecoder,
  MtpSerials,
  MtpType,
} from "../../../dimp/transport/mod.ts";
import { ByteSlab } from "../../../dimp/transport/byte_slab.ts";
import { MtpEndpoint } from "../../../dimp/transport/_mtp_endpoint.ts";

/** A slab that has handed out a chunk's worth: a busy connection's. */
function busySlab(): ByteSlab {
  const slab = new ByteSlab();
  slab.alloc(16 * 1024);
  return slab;
}

Deno.test("ByteSlab: a quiet connection's arrays stand alone until a chunk's worth, and again after a release", () => {
  const slab = new ByteSlab();
  const quiet = Array.from({ length: 17 }, () => slab.alloc(1000));
  assert.ok(quiet.every((piece) => piece.byteOffset === 0));
  assert.equal(new Set(quiet.map((piece) => piece.buffer)).size, 17);
  const a = slab.alloc(1000);
  const b = slab.alloc(1000);
  assert.equal(a.buffer, b.buffer); // 17,000 bytes so far: busy now
  slab.release();
  assert.equal(slab.alloc(100).byteOffset, 0);
  assert.notEqual(slab.alloc(100).buffer, slab.alloc(100).buffer);
});

Deno.test("ByteSlab: small pieces share a chunk without overlapping, large ones stand alone", () => {
  const slab = busySlab();
  const pieces = Array.from({ length: 40 }, (_, i) => slab.alloc(100 + i));
  pieces.forEach((piece, i) => piece.fill(i + 1));
  pieces.forEach((piece, i) => {
    assert.equal(piece.length, 100 + i);
    assert.ok(piece.every((byte) => byte === i + 1), `piece ${i} overwritten`);
  });
  assert.equal(pieces[0].buffer, pieces[1].buffer);
  const large = slab.alloc(64 * 1024);
  assert.equal(large.byteOffset, 0);
  assert.equal(large.buffer.byteLength, 64 * 1024);
  assert.ok(large.every((byte) => byte === 0));
});

Deno.test("ByteSlab: a full chunk or a release starts a new chunk; old pieces keep their bytes", () => {
  const slab = busySlab();
  const first = slab.alloc(1000).fill(7);
  let next = slab.alloc(1000);
  while (next.buffer === first.buffer) next = slab.alloc(1000);
  assert.ok(next.every((byte) => byte === 0));
  const before = slab.alloc(10);
  slab.release();
  const after = slab.alloc(10);
  assert.notEqual(after.buffer, before.buffer);
  assert.ok(first.every((byte) => byte === 7));
});

Deno.test("encodeMtpPackage: the same bytes from a slab as alone", () => {
  const slab = busySlab();
  const serials = new MtpSerials(1, 2);
  for (const body of ['{"a":1}', "ünïcödé ☃", new Uint8Array([1, 2, 3])]) {
    const sn = serials.next();
    const init = { type: MtpType.MESSAGE, sn, body } as const;
    assert.deepEqual(encodeMtpPackageIn(slab, init), encodeMtpPackage(init));
  }
});

Deno.test("MtpDecoder with a slab: every package keeps its own bytes while the input is reused", () => {
  const slab = busySlab();
  const decoder = new MtpDecoder({ slab });
  const serials = new MtpSerials(0, 0);
  const input = new Uint8Array(4096); // one read buffer, reused like a socket's
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const frame = encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: serials.next(),
      body: `{"n":${i},"pad":"${"x".repeat(i * 7)}"}`,
    });
    input.set(frame);
    decoder.push(input.subarray(0, frame.length));
    const pkg = decoder.next();
    assert.ok(pkg !== null);
    bodies.push(pkg.body);
    assert.equal(decoder.next(), null);
    input.fill(0);
  }
  bodies.forEach((body, i) =>
    assert.deepEqual(JSON.parse(new TextDecoder().decode(body)), {
      n: i,
      pad: "x".repeat(i * 7),
    })
  );
});

Deno.test("MtpEndpoint: after rest() its next frame is in new storage, the earlier ones unchanged", () => {
  const endpoint = new MtpEndpoint("station");
  endpoint.encodeMessage(`{"busy":"${"x".repeat(16 * 1024)}"}`);
  const a = endpoint.encodeMessage('{"a":1}').bytes;
  const copy = a.slice();
  const b = endpoint.encodeMessage('{"b":2}').bytes;
  assert.equal(a.buffer, b.buffer);
  endpoint.rest();
  const c = endpoint.encodeMessage('{"c":3}').bytes;
  assert.notEqual(c.buffer, b.buffer);
  assert.deepEqual(a, copy);
});

Deno.test("MTP endpoints encoding in turn: each message's acknowledgement key is its own frame's sn", () => {
  const a = new MtpEndpoint("station");
  const b = new MtpEndpoint("station");
  const sent = [a, b, a, b, b, a].map((endpoint, i) =>
    endpoint.encodeMessage(`{"n":${i}}`)
  );
  const keys = new Set<number | string>();
  for (const { bytes, ackKey } of sent) {
    const decoder = new MtpDecoder();
    decoder.push(bytes);
    const pkg = decoder.next();
    assert.ok(pkg !== null);
    assert.equal(pkg.header.type, MtpType.MESSAGE);
    const { snHi, snLo } = pkg.header;
    assert.equal(ackKey, (snHi & 0x1f_ffff) * 0x1_0000_0000 + snLo);
    keys.add(ackKey);
  }
  assert.equal(keys.size, sent.length, "every message has an sn of its own");
});
