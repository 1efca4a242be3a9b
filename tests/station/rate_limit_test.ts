import assert from "node:assert/strict";
import {
  ConnectionRateLimiter,
  isLoopback,
  TokenBucket,
} from "../../station/rate_limit.ts";

Deno.test("token bucket: starts full, refills at the rate, never above the burst", () => {
  const bucket = new TokenBucket(10, 20, 0);
  assert.equal(bucket.take(20, 0), true);
  assert.equal(bucket.take(1, 0), false, "empty");
  assert.equal(bucket.take(5, 500), true, "5 back after 0.5 s");
  assert.equal(bucket.take(1, 500), false);
  assert.equal(bucket.take(20, 60_000), true, "refilled to the burst");
  assert.equal(bucket.take(1, 60_000), false, "not above it");
  // a refused take takes nothing
  assert.equal(bucket.take(11, 61_000), false);
  assert.equal(bucket.take(10, 61_000), true);
  // a clock going back refills nothing, now or later
  assert.equal(bucket.take(1, 30_000), false);
  assert.equal(bucket.take(1, 61_050), false);
  assert.equal(bucket.take(1, 61_100), true);
});

Deno.test("connection rate limiter: messages and bytes; the bytes are what arrived since the last payload; 0 turns a limit off", () => {
  const limiter = new ConnectionRateLimiter({
    messagesPerSecond: 1,
    messageBurst: 3,
    bytesPerSecond: 100,
    byteBurst: 1000,
  }, 0);
  assert.equal(limiter.active, true);
  assert.equal(limiter.admit(2, 600, 0), undefined);
  assert.equal(limiter.admit(1, 1000, 0), undefined, "400 more bytes");
  assert.equal(limiter.admit(1, 1000, 0), "messages");
  assert.equal(limiter.admit(1, 1500, 1000), "bytes", "500 bytes, 100 back");
  const off = new ConnectionRateLimiter({
    messagesPerSecond: 0,
    messageBurst: 1,
    bytesPerSecond: 0,
    byteBurst: 1,
  }, 0);
  assert.equal(off.active, false);
  assert.equal(off.admit(1_000_000, 1e12, 0), undefined);
});

Deno.test("isLoopback: 127.0.0.0/8, ::1 and IPv4-mapped loopback; nothing else", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["10.0.0.1", "0.0.0.0", "::", "128.0.0.1", "fe80::1"]) {
    assert.equal(isLoopback(host), false, host);
  }
});
