/**
 * `sourceAddresses`: how `dim bench --sessions` spreads its connections
 * over loopback source addresses.
 */
import assert from "node:assert/strict";
import { sourceAddresses } from "../../../cli/bench/mod.ts";

Deno.test("sourceAddresses: one loopback address per 500 sessions from 127.0.0.2, at most 250", () => {
  assert.deepEqual(sourceAddresses("127.0.0.1", 2), ["127.0.0.2"]);
  assert.deepEqual(sourceAddresses("127.0.0.1", 500), ["127.0.0.2"]);
  assert.deepEqual(sourceAddresses("127.0.0.1", 501), [
    "127.0.0.2",
    "127.0.0.3",
  ]);
  const many = sourceAddresses("127.0.0.9", 10_000);
  assert.equal(many.length, 20);
  assert.equal(many.at(-1), "127.0.0.21");
  assert.equal(sourceAddresses("127.0.0.1", 1_000_000).length, 250);
  assert.equal(sourceAddresses("127.0.0.1", 1_000_000).at(-1), "127.0.0.251");
});

Deno.test("sourceAddresses: none for a station off loopback (the system chooses)", () => {
  assert.deepEqual(sourceAddresses("10.0.0.5", 1000), []);
  assert.deepEqual(sourceAddresses("::1", 1000), []);
  assert.deepEqual(sourceAddresses("localhost", 1000), []);
});
