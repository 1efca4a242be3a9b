import assert from "node:assert/strict";
import {
  encodeJsonLine,
  FramingError,
  JsonLinesDecoder,
} from "../../../dimp/transport/mod.ts";
import { utf8 } from "./_helpers.ts";

function decodeAll(decoder: JsonLinesDecoder): string[] {
  const out: string[] = [];
  for (let l = decoder.next(); l !== null; l = decoder.next()) {
    out.push(new TextDecoder().decode(l));
  }
  return out;
}

Deno.test("JsonLinesDecoder: lines cut at \\n, \\r and leading whitespace removed, any split", () => {
  const stream = utf8('{"a":1}\r\n  {"b":2}\n\n{"c":"é"}\n');
  for (const step of [1, 2, 5, stream.length]) {
    const decoder = new JsonLinesDecoder();
    const lines: string[] = [];
    for (let at = 0; at < stream.length; at += step) {
      decoder.push(stream.subarray(at, at + step));
      lines.push(...decodeAll(decoder));
    }
    assert.deepEqual(
      lines,
      ['{"a":1}', '{"b":2}', "", '{"c":"é"}'],
      `step ${step}`,
    );
  }
});

Deno.test("JsonLinesDecoder: a line over the cap is refused while it is still arriving", () => {
  const decoder = new JsonLinesDecoder({ maxLineLength: 100 });
  decoder.push(new Uint8Array(60).fill(0x61));
  assert.equal(decoder.next(), null);
  decoder.push(new Uint8Array(60).fill(0x61));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("encodeJsonLine: payload and newline", () => {
  assert.deepEqual(encodeJsonLine(utf8("{}")), utf8("{}\n"));
});
