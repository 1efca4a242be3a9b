/** A connection's limits from a client's options: the defaults, the given limits and nothing else. */
import assert from "node:assert/strict";
import { DEFAULT_LIMITS, resolveLimits } from "../../client/transport/mod.ts";

Deno.test("resolveLimits: the defaults, the limits given (undefined ones not), and no other member of the options", () => {
  assert.deepEqual(resolveLimits(), DEFAULT_LIMITS);
  assert.notEqual(resolveLimits(), DEFAULT_LIMITS, "a copy");
  const options = {
    idleTimeout: 5_000,
    ackRetries: 0,
    handshakeTimeout: undefined,
    framing: "mtp",
    host: "127.0.0.1",
    handler: { onPayload: () => {} },
  };
  const resolved = resolveLimits(options);
  assert.deepEqual(resolved, {
    ...DEFAULT_LIMITS,
    idleTimeout: 5_000,
    ackRetries: 0,
  });
  assert.deepEqual(
    Object.keys(resolved).sort(),
    Object.keys(DEFAULT_LIMITS).sort(),
  );
});
