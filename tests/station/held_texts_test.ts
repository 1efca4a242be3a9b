import assert from "node:assert/strict";
import { HeldTexts, textAt } from "../../station/_held_texts.ts";

const read = (place: { bytes: Uint8Array; at: number; length: number }) =>
  textAt(place.bytes, place.at, place.length);

Deno.test("held texts: texts in parts are put one after another in a shared chunk and read back whole", () => {
  const texts = new HeldTexts();
  const places = [];
  const made = [];
  // more than one chunk's worth: 64 KiB of 1 KB texts
  for (let i = 0; i < 100; i++) {
    const head = `{"sender":"a${i}","data":"${"x".repeat(1000)}"`;
    const tail = `,"traces":[${i}]}`;
    places.push(texts.put([head, tail], () => assert.fail("not whole")));
    made.push(head + tail);
  }
  assert.deepEqual(places.map(read), made);
  assert.equal(places[0].bytes, places[1].bytes, "one chunk for both");
  assert.notEqual(places[0].bytes, places[99].bytes, "a new chunk when full");
  assert.equal(places[1].at, places[0].length);
});

Deno.test("held texts: a text not in ASCII, with a base64 part, or too large is put as the whole text, in bytes of its own", () => {
  const texts = new HeldTexts();
  const before = texts.put('{"a":1}', () => assert.fail("not whole"));
  const wide = texts.put(['{"note":"Grüße"', "}"], () => '{"note":"Grüße"}');
  assert.equal(read(wide), '{"note":"Grüße"}');
  assert.equal(wide.at, 0);
  assert.notEqual(wide.bytes, before.bytes);
  const after = texts.put('{"b":2}', () => assert.fail("not whole"));
  assert.deepEqual([read(before), read(after)], ['{"a":1}', '{"b":2}']);
  const based = texts.put(
    ['{"data":"', { base64: new Uint8Array([100]) }, '"}'],
    () => '{"data":"ZA=="}',
  );
  assert.equal(read(based), '{"data":"ZA=="}');
  const large = `{"data":"${"y".repeat(20_000)}"}`;
  const alone = texts.put([large], () => large);
  assert.equal(read(alone), large);
  assert.equal(alone.bytes.length, large.length);
});
