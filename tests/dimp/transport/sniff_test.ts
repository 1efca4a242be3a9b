import assert from "node:assert/strict";
import {
  encodeMarsPackage,
  encodeMtpPackage,
  MtpType,
  sniffFraming,
} from "../../../dimp/transport/mod.ts";
import { unhex, utf8 } from "./_helpers.ts";

const MTP_PING = encodeMtpPackage({
  type: MtpType.COMMAND,
  sn: new Uint8Array(8).fill(1),
  body: utf8("PING"),
});
const MARS_NOOP = encodeMarsPackage({
  cmd: 6,
  seq: 1,
  body: new Uint8Array(0),
});
const UPGRADE = utf8(
  "GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
);

Deno.test("sniffFraming: each framing from a complete first chunk", () => {
  assert.equal(sniffFraming(UPGRADE), "ws");
  assert.equal(
    sniffFraming(utf8("GET / HTTP/1.1\r\nAccept: application/json\r\n\r\n")),
    "http",
  );
  assert.equal(sniffFraming(utf8("HEAD /x HTTP/1.0\r\n\r\n")), "http");
  assert.equal(sniffFraming(MTP_PING), "mtp");
  assert.equal(sniffFraming(MARS_NOOP), "mars");
  assert.equal(sniffFraming(utf8('{"sender":"a"}\n')), "plain");
});

Deno.test("sniffFraming: every prefix shorter than the deciding part waits for more (null)", () => {
  // the whole upgrade head; the 16-byte MTP header; the 20-byte Mars head
  for (
    const [whole, deciding, framing] of [[UPGRADE, UPGRADE.length, "ws"], [
      MTP_PING,
      16,
      "mtp",
    ], [MARS_NOOP, 20, "mars"]] as const
  ) {
    for (let n = 1; n < deciding; n++) {
      assert.equal(
        sniffFraming(whole.subarray(0, n)),
        null,
        `${n} of ${whole.length}`,
      );
    }
    assert.equal(sniffFraming(whole.subarray(0, deciding)), framing);
  }
});

Deno.test("sniffFraming: a header after junk is found (the reference seeks it)", () => {
  assert.equal(
    sniffFraming(new Uint8Array([...utf8("hello\r\n"), ...MTP_PING])),
    "mtp",
  );
  assert.equal(
    sniffFraming(new Uint8Array([...utf8("junk!"), ...MARS_NOOP])),
    "mars",
  );
});

Deno.test("sniffFraming: an MTP header announcing 2 GB is MTP (the decoder refuses it)", () => {
  assert.equal(sniffFraming(unhex("44494d42010203040506070880000000")), "mtp");
});

Deno.test("sniffFraming: garbage is undecided until 64 KiB, then unknown", () => {
  assert.equal(sniffFraming(new Uint8Array(1000).fill(0x78)), null);
  assert.equal(sniffFraming(new Uint8Array(65536).fill(0x78)), "unknown");
  assert.equal(
    sniffFraming(new Uint8Array(100).fill(0x78), { maxSniffLength: 100 }),
    "unknown",
  );
});

Deno.test("sniffFraming: an HTTP head that never ends is handed to HTTP past the cap (for 431)", () => {
  const endless = utf8("GET / HTTP/1.1\r\nX: " + "a".repeat(20000));
  assert.equal(sniffFraming(endless.subarray(0, 1000)), null);
  assert.equal(sniffFraming(endless), "http");
});
