import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ackFor,
  ackKeyOf,
  decodeLines,
  heartbeatOf,
  isAck,
  splitPayload,
} from "../../../dimp/transport/mod.ts";
import { utf8 } from "./_helpers.ts";

const text = (lines: Uint8Array[]) =>
  lines.map((l) => new TextDecoder().decode(l));

Deno.test("heartbeatOf: exact bodies only", () => {
  assert.equal(heartbeatOf(utf8("PING")), "PING");
  assert.equal(heartbeatOf(utf8("PONG")), "PONG");
  assert.equal(heartbeatOf(utf8("NOOP")), "NOOP");
  assert.equal(heartbeatOf(utf8("OK")), "OK");
  assert.equal(heartbeatOf(utf8("AGAIN")), "AGAIN");
  assert.equal(heartbeatOf(utf8("PING ")), null);
  assert.equal(heartbeatOf(utf8("ping")), null);
  assert.equal(heartbeatOf(utf8("{}")), null);
});

Deno.test("splitPayload: a payload starting with { is split at \\n, \\r\\n and \\r", () => {
  assert.deepEqual(
    text(splitPayload(utf8('{"a":1}\n{"b":2}\r\n{"c":3}\r{"d":4}'))),
    [
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
      '{"d":4}',
    ],
  );
  assert.deepEqual(text(splitPayload(utf8('{"a":1}\n\n\n{"b":2}\n'))), [
    '{"a":1}',
    '{"b":2}',
  ]);
});

Deno.test("splitPayload: a one-line JSON payload without a line end is the line itself (no view made)", () => {
  const payload = utf8('{"a":1}');
  const [line] = splitPayload(payload);
  assert.equal(line, payload);
  const ended = utf8('{"a":1}\n');
  assert.deepEqual(text(splitPayload(ended)), ['{"a":1}']);
  assert.notEqual(splitPayload(ended)[0], ended);
});

Deno.test("splitPayload: other payloads are one line; empty is none", () => {
  assert.deepEqual(text(splitPayload(utf8("HELLO\nWORLD"))), ["HELLO\nWORLD"]);
  assert.deepEqual(splitPayload(new Uint8Array(0)), []);
});

Deno.test("splitPayload: any mix of \\n, \\r\\n, \\r and bytes splits as the line rule says", () => {
  // the rule spelled out another way: split the bytes' Latin-1 text at each
  // \r\n, \r or \n, drop the empty pieces
  const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  const byte = fc.oneof(
    fc.constantFrom(0x0a, 0x0d, 0x7b),
    fc.integer({ min: 0, max: 255 }),
  );
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 64 }), (rest) => {
      const payload = new Uint8Array([0x7b, ...rest]);
      const expected = latin1(payload).split(/\r\n|\r|\n/).filter((l) =>
        l !== ""
      );
      const lines = splitPayload(payload);
      assert.deepEqual(lines.map(latin1), expected);
      for (const line of lines) assert.equal(line.buffer, payload.buffer);
    }),
    { seed: 13013, numRuns: 2000 },
  );
});

Deno.test("decodeLines: lines that are not UTF-8 are counted and dropped", () => {
  const { lines, invalid } = decodeLines([
    utf8('{"ok":"é"}'),
    new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]),
    utf8("{}"),
  ]);
  assert.deepEqual(lines, ['{"ok":"é"}', "{}"]);
  assert.equal(invalid, 1);
});

Deno.test("decodeLines: a line's own U+FFFD and BOM decode as the strict decoder does", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const lines = [
    utf8('{"text":"\uFFFD"}'),
    new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"bom":1}')]),
    new Uint8Array([0x7b, 0xef, 0xbf, 0xbd, 0xff, 0x7d]),
  ];
  const decoded = decodeLines(lines);
  assert.deepEqual(
    decoded.lines,
    lines.slice(0, 2).map((l) => strict.decode(l)),
  );
  assert.equal(decoded.lines[0], '{"text":"\uFFFD"}');
  assert.equal(decoded.lines[1], '{"bom":1}');
  assert.equal(decoded.invalid, 1);
});

Deno.test("ackKeyOf: the signature value, else the time value, else null", () => {
  assert.equal(
    ackKeyOf(utf8('{"sender":"a","time":1700000000.5,"signature":"c2ln"}')),
    "c2ln",
  );
  assert.equal(
    ackKeyOf(utf8('{"sender":"a","time": 1700000000.5 }')),
    "1700000000.5",
  );
  assert.equal(ackKeyOf(utf8('{"sender":"a"}')), null);
  // the naive search matches inside another key; both peers do the same
  assert.equal(ackKeyOf(utf8('{"sent_time":5,"time":6}')), "5");
});

Deno.test("ackFor: what a demo-js client sends for a received message", () => {
  const message = utf8(
    '{"sender":"a","time":1700000000.5,"data":"x","signature":"c2lnbmF0dXJl"}',
  );
  const ack = ackFor(message)!;
  assert.equal(
    new TextDecoder().decode(ack),
    'ACK:{"time":1700000000.5,"signature":"c2lnbmF0dXJl"}',
  );
  assert.ok(isAck(ack));
  assert.equal(ackKeyOf(ack), ackKeyOf(message));
  assert.equal(ackFor(utf8('{"time":1}')), null);
  assert.equal(ackFor(utf8("PING")), null);
});
