/**
 * Issue 19: property-based tests (fast-check, seeded and bounded) of every
 * decoder in dimp/: on arbitrary input each throws nothing but its typed
 * error, and encode → decode is the identity on arbitrary valid values,
 * for any split of the bytes.
 *
 * A failure prints the seed and the shrunk counterexample; set
 * `DIM_PROPERTY_SEED` to run another seed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  base58Decode,
  base58Encode,
  base64Decode,
  base64Encode,
  CryptoError,
  decodeEcdsaSignature,
  decodeTed,
  encodeEcdsaSignature,
  encodeTed,
  hexDecode,
  hexEncode,
  parsePublicKey,
} from "../../dimp/crypto/mod.ts";
import { DerError, readItems, readTlv } from "../../dimp/crypto/_der.ts";
import {
  Document,
  IdentityError,
  Meta,
  parseId,
} from "../../dimp/identity/mod.ts";
import { MessageError, ReliableMessage } from "../../dimp/message/mod.ts";
import {
  encodeJsonLine,
  encodeMarsPackage,
  encodeMtpPackage,
  encodeWsFrame,
  FramingError,
  JsonLinesDecoder,
  MarsCmd,
  MarsDecoder,
  MtpDecoder,
  MtpType,
  sniffFraming,
  WsDecoder,
  WsOpcode,
} from "../../dimp/transport/mod.ts";

const SEED = Number(Deno.env.get("DIM_PROPERTY_SEED") ?? 19019);
const RUNS = 500;
const params = { seed: SEED, numRuns: RUNS };

type ErrorClass = abstract new (...args: never[]) => Error;

/** Runs `fn`; an error that is none of `allowed` fails the property. */
function onlyTyped(allowed: readonly ErrorClass[], fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return;
    throw new Error(`untyped error: ${(error as Error)?.stack ?? error}`);
  }
}

/** Splits bytes at the given cut points (sorted, deduplicated, in range). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [
    ...new Set(cuts.map((c) => c % (bytes.length + 1))),
  ].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes that often look like a frame: random, or a valid frame damaged. */
function hostileBytes(
  valid: fc.Arbitrary<Uint8Array>,
): fc.Arbitrary<Uint8Array> {
  const damaged = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([bytes, at, value]) => {
      const copy = bytes.slice();
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
  return fc.oneof(fc.uint8Array({ maxLength: 300 }), valid, damaged);
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });

/** Pushes the chunks and drains the decoder after each. */
function drain<T>(
  decoder: { push(chunk: Uint8Array): void; next(): T | null },
  chunks: readonly Uint8Array[],
): T[] {
  const out: T[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let item = decoder.next(); item !== null; item = decoder.next()) {
      out.push(item);
    }
  }
  return out;
}

// --- MTP ---

const mtpTypes = Object.values(MtpType);
const mtpPackage = fc.record({
  type: fc.constantFrom(...mtpTypes),
  sn: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 200 }),
});

Deno.test("property: MTP — arbitrary bytes in any chunks throw only FramingError", () => {
  fc.assert(
    fc.property(
      hostileBytes(mtpPackage.map(encodeMtpPackage)),
      cuts,
      (bytes, at) => {
        onlyTyped(
          [FramingError],
          () => drain(new MtpDecoder({ maxJunk: 64 }), split(bytes, at)),
        );
      },
    ),
    params,
  );
});

Deno.test("property: MTP — encode → decode is the identity for any split", () => {
  fc.assert(
    fc.property(
      fc.array(mtpPackage, { minLength: 1, maxLength: 5 }),
      cuts,
      (packages, at) => {
        const bytes = concat(packages.map(encodeMtpPackage));
        const got = drain(new MtpDecoder(), split(bytes, at));
        assert.deepEqual(
          got.map((p) => ({
            type: p.header.type,
            sn: p.header.sn,
            body: p.body,
          })),
          packages.map((p) => ({ ...p })),
        );
      },
    ),
    params,
  );
});

// --- Mars ---

const marsPackage = fc.record({
  cmd: fc.constantFrom(...Object.values(MarsCmd)),
  seq: fc.nat({ max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 200 }),
  options: fc.uint8Array({ maxLength: 12 }),
});

Deno.test("property: Mars — arbitrary bytes in any chunks throw only FramingError", () => {
  fc.assert(
    fc.property(
      hostileBytes(marsPackage.map(encodeMarsPackage)),
      cuts,
      (bytes, at) => {
        onlyTyped(
          [FramingError],
          () => drain(new MarsDecoder({ maxJunk: 64 }), split(bytes, at)),
        );
      },
    ),
    params,
  );
});

Deno.test("property: Mars — encode → decode is the identity for any split", () => {
  fc.assert(
    fc.property(
      fc.array(marsPackage, { minLength: 1, maxLength: 5 }),
      cuts,
      (packages, at) => {
        const bytes = concat(packages.map(encodeMarsPackage));
        const got = drain(new MarsDecoder(), split(bytes, at));
        assert.deepEqual(
          got.map((p) => ({
            cmd: p.header.cmd,
            seq: p.header.seq,
            body: p.body,
            options: p.header.options,
          })),
          packages.map((p) => ({ ...p })),
        );
      },
    ),
    params,
  );
});

// --- WebSocket ---

const wsMessage = fc.record({
  binary: fc.boolean(),
  payload: fc.uint8Array({ maxLength: 300 }),
  mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), {
    nil: undefined,
  }),
  fragments: fc.integer({ min: 1, max: 3 }),
});
type WsInit = typeof wsMessage extends fc.Arbitrary<infer T> ? T : never;

/** A message as frames: binary or (ASCII-safe) text, maybe fragmented. */
function wsFrames(m: WsInit): Uint8Array {
  const payload = m.binary ? m.payload : m.payload.map((b) => 0x20 + (b % 90));
  const parts = split(
    payload,
    [
      ...Array(m.fragments - 1).keys(),
    ].map((i) => Math.floor(payload.length * (i + 1) / m.fragments)),
  );
  return concat(parts.map((part, i) =>
    encodeWsFrame({
      opcode: i > 0
        ? WsOpcode.CONTINUATION
        : m.binary
        ? WsOpcode.BINARY
        : WsOpcode.TEXT,
      payload: part,
      fin: i === parts.length - 1,
      mask: m.mask,
    })
  ));
}

Deno.test("property: WebSocket — arbitrary bytes in any chunks throw only FramingError", () => {
  fc.assert(
    fc.property(
      hostileBytes(wsMessage.map(wsFrames)),
      cuts,
      (bytes, at) => {
        onlyTyped(
          [FramingError],
          () =>
            drain(new WsDecoder({ maxMessageLength: 4096 }), split(bytes, at)),
        );
      },
    ),
    params,
  );
});

Deno.test("property: WebSocket — encode → decode is the identity for any split", () => {
  fc.assert(
    fc.property(
      fc.array(wsMessage, { minLength: 1, maxLength: 4 }),
      cuts,
      (messages, at) => {
        const bytes = concat(messages.map(wsFrames));
        const got = drain(new WsDecoder(), split(bytes, at));
        assert.deepEqual(
          got,
          messages.map((m) => ({
            type: m.binary ? "binary" : "text",
            payload: m.binary
              ? m.payload
              : m.payload.map((b) => 0x20 + (b % 90)),
          })),
        );
      },
    ),
    params,
  );
});

// --- JSON lines ---

Deno.test("property: JSON lines — arbitrary bytes in any chunks throw only FramingError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, at) => {
      onlyTyped(
        [FramingError],
        () =>
          drain(new JsonLinesDecoder({ maxLineLength: 64 }), split(bytes, at)),
      );
    }),
    params,
  );
});

Deno.test("property: JSON lines — encode → decode is the identity for any split", () => {
  const line = fc.jsonValue().map((v) => JSON.stringify({ v }));
  fc.assert(
    fc.property(
      fc.array(line, { minLength: 1, maxLength: 5 }),
      cuts,
      (lines, at) => {
        const bytes = concat(lines.map(encodeJsonLine));
        const got = drain(new JsonLinesDecoder(), split(bytes, at));
        assert.deepEqual(got.map((b) => new TextDecoder().decode(b)), lines);
      },
    ),
    params,
  );
});

// --- sniffing ---

Deno.test("property: sniffing — arbitrary bytes never throw; any valid frame's prefix is never misread", () => {
  const frames = fc.oneof(
    mtpPackage.map((p) => ["mtp", encodeMtpPackage(p)] as const),
    marsPackage.map((p) => ["mars", encodeMarsPackage(p)] as const),
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      frames,
      fc.nat(),
      (junk, [framing, frame], cut) => {
        const verdict = sniffFraming(junk);
        assert.ok(
          verdict === null ||
            ["ws", "http", "mtp", "mars", "plain", "unknown"].includes(verdict),
        );
        // a prefix of a real frame: undecided or that framing
        const prefix = frame.subarray(0, 1 + cut % frame.length);
        const seen = sniffFraming(prefix);
        assert.ok(seen === null || seen === framing, `${seen} for ${framing}`);
        assert.equal(sniffFraming(frame), framing);
      },
    ),
    params,
  );
});

// --- encodings ---

Deno.test("property: base58 / base64 / hex / TED — arbitrary text throws only their typed errors; encode → decode is the identity", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 120, unit: "binary" }), (text) => {
      onlyTyped([CryptoError], () => base58Decode(text));
      onlyTyped([CryptoError], () => base64Decode(text));
      onlyTyped([CryptoError], () => hexDecode(text));
      onlyTyped([CryptoError], () => decodeTed(text));
    }),
    params,
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.deepEqual(base58Decode(base58Encode(bytes)), bytes);
      assert.deepEqual(base64Decode(base64Encode(bytes)), bytes);
      assert.deepEqual(hexDecode(hexEncode(bytes)), bytes);
      assert.deepEqual(decodeTed(encodeTed(bytes)), bytes);
    }),
    params,
  );
});

// --- DER ---

Deno.test("property: DER — arbitrary bytes throw only DerError / CryptoError; ECDSA signatures round-trip", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      onlyTyped([DerError], () => {
        const tlv = readTlv(bytes);
        readItems(tlv.value);
      });
      onlyTyped([CryptoError], () => decodeEcdsaSignature(bytes));
      onlyTyped([CryptoError], () =>
        parsePublicKey({
          algorithm: "RSA",
          data: `-----BEGIN PUBLIC KEY-----\n${
            base64Encode(bytes)
          }\n-----END PUBLIC KEY-----`,
        }));
      onlyTyped(
        [CryptoError],
        () => parsePublicKey({ algorithm: "ECC", data: hexEncode(bytes) }),
      );
    }),
    params,
  );
  // r and s in [1, n − 1] (n: the secp256k1 group order)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const scalar = fc.bigInt({ min: 1n, max: n - 1n });
  fc.assert(
    fc.property(scalar, scalar, (r, s) => {
      const got = decodeEcdsaSignature(encodeEcdsaSignature({ r, s }));
      assert.deepEqual({ r: got.r, s: got.s }, { r, s });
    }),
    params,
  );
});

// --- meta, document, message, ID ---

/** JSON-like values, often shaped like the records parsed. */
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    type: fc.oneof(
      fc.jsonValue({ maxDepth: 0 }),
      fc.constantFrom(1, 2, 4, "visa"),
    ),
    version: fc.jsonValue({ maxDepth: 1 }),
    key: fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.record({
        algorithm: fc.constantFrom("ECC", "RSA", "AES", "x"),
        data: fc.string(),
      }),
    ),
    seed: fc.jsonValue({ maxDepth: 0 }),
    fingerprint: fc.jsonValue({ maxDepth: 0 }),
    did: fc.oneof(
      fc.string(),
      fc.constant("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"),
    ),
    ID: fc.jsonValue({ maxDepth: 0 }),
    data: fc.oneof(
      fc.string(),
      fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    ),
    signature: fc.oneof(fc.string(), fc.base64String()),
    sender: fc.oneof(
      fc.string(),
      fc.constant("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"),
    ),
    receiver: fc.oneof(fc.string(), fc.constant("anyone@anywhere")),
    time: fc.jsonValue({ maxDepth: 0 }),
    keys: fc.jsonValue({ maxDepth: 2 }),
    meta: fc.jsonValue({ maxDepth: 2 }),
    visa: fc.jsonValue({ maxDepth: 2 }),
    traces: fc.jsonValue({ maxDepth: 2 }),
  }, { requiredKeys: [] }),
);

Deno.test("property: meta / document / message / ID parsing — arbitrary JSON throws only typed errors", () => {
  const parsed = [IdentityError, CryptoError, MessageError];
  fc.assert(
    fc.property(jsonish, (value) => {
      onlyTyped(parsed, () => Meta.parse(value));
      onlyTyped(parsed, () => Document.parse(value));
      onlyTyped(parsed, () => ReliableMessage.parse(JSON.stringify(value)));
      onlyTyped(parsed, () => {
        const msg = ReliableMessage.parse(value as Record<string, unknown>);
        void msg.traces;
        void msg.group;
        void msg.time;
      });
      if (typeof value === "string") onlyTyped(parsed, () => parseId(value));
    }),
    params,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      onlyTyped(parsed, () => parseId(text));
      onlyTyped(parsed, () => ReliableMessage.parse(text));
    }),
    params,
  );
});
