import assert from "node:assert/strict";
import {
  encodeUpgradeResponse,
  encodeWsFrame,
  FramingError,
  isWebSocketUpgrade,
  parseHttpRequestHead,
  sniffFraming,
  WsDecoder,
  type WsMessage,
  WsOpcode,
} from "../../../dimp/transport/mod.ts";
import { hex, transportVectors, unhex, utf8 } from "./_helpers.ts";

const vectors = transportVectors().ws_codec;

for (const v of vectors.handshake) {
  Deno.test(`ws_codec.handshake[${v.label}]`, () => {
    if (v.label === "upgrade_plus_masked_frame_in_same_buffer") {
      // the reference fails (UnicodeDecodeError); the spec keeps the bytes
      // after the head as frame data (§5.1 MUST)
      const bytes = unhex(v.request_hex as string);
      const head = parseHttpRequestHead(bytes);
      assert.ok(
        typeof head === "object" && head !== null && isWebSocketUpgrade(head),
      );
      const decoder = new WsDecoder();
      decoder.push(bytes.subarray(head.length));
      const message = decoder.next();
      assert.ok(message !== null && message.type === "text");
      return;
    }
    const bytes = utf8(v.request_text as string);
    const head = parseHttpRequestHead(bytes);
    if (v.label === "key_line_without_crlf_yet") {
      // no blank line yet: not decided, wait for more (the reference says "no")
      assert.equal(head, null);
      assert.equal(sniffFraming(bytes), null);
      return;
    }
    assert.ok(typeof head === "object" && head !== null);
    assert.equal(isWebSocketUpgrade(head), v.is_handshake);
    assert.equal(sniffFraming(bytes), v.is_handshake ? "ws" : "http");
    if (v.is_handshake) {
      const reply = encodeUpgradeResponse(
        head.headers.get("sec-websocket-key")!,
      );
      assert.equal(new TextDecoder().decode(reply), v.response_text);
    }
  });
}

for (const v of vectors.pack) {
  Deno.test(`ws_codec.pack[${v.label}]`, () => {
    const payload = new Uint8Array(v.payload_len as number).fill(0x61);
    const frame = encodeWsFrame({ opcode: WsOpcode.TEXT, payload });
    const head = v.frame_head_hex as string;
    assert.equal(hex(frame.subarray(0, head.length / 2)), head);
    assert.equal(frame.length, head.length / 2 + payload.length);
    const decoder = new WsDecoder();
    decoder.push(frame);
    const message = decoder.next();
    assert.ok(message !== null && message.type === "text");
    assert.equal(message.payload.length, payload.length);
  });
}

function decodeAll(
  bytes: Uint8Array,
): { messages: WsMessage[]; error?: FramingError; buffered: number } {
  const decoder = new WsDecoder();
  decoder.push(bytes);
  const messages: WsMessage[] = [];
  try {
    for (let m = decoder.next(); m !== null; m = decoder.next()) {
      messages.push(m);
    }
  } catch (error) {
    assert.ok(error instanceof FramingError);
    return { messages, error, buffered: decoder.bufferedBytes };
  }
  return { messages, buffered: decoder.bufferedBytes };
}

const text = (m: WsMessage) =>
  "payload" in m ? new TextDecoder().decode(m.payload) : null;

for (const v of vectors.parse) {
  Deno.test(`ws_codec.parse[${v.label}]`, () => {
    const { messages, error, buffered } = decodeAll(unhex(v.hex as string));
    switch (v.label) {
      case "cont_fin0_then_cont_fin1":
        // reference bug (two payloads); RFC reassembly gives one message (§5.2 SHOULD)
        assert.deepEqual(messages.map(text), ['{"x":1}']);
        return;
      case "control_ping":
        // reference ignores it; dim returns the control frame (answered with PONG)
        assert.equal(messages.length, 1);
        assert.equal(messages[0].type, "ping");
        assert.equal(text(messages[0]), "hi");
        return;
      case "close":
        assert.deepEqual(messages, [{ type: "close", code: 1000, reason: "" }]);
        return;
      case "reserved_opcode_3":
        // reference drops the buffer; RFC: fail the connection (protocol error)
        assert.equal(error?.reason, "protocol");
        return;
    }
    assert.equal(error, undefined);
    if (v.payload_is_none) {
      assert.equal(messages.length, 0);
      assert.equal(buffered, unhex(v.remaining_hex as string).length);
      return;
    }
    assert.equal(text(messages[0]), v.payload_utf8);
    const rest = decodeAll(unhex(v.remaining_hex as string)).messages;
    assert.deepEqual(messages.slice(1).map(text), rest.map(text));
  });
}

Deno.test("WsDecoder: a frame announcing 100 MB is refused from its header", () => {
  const decoder = new WsDecoder({ maxMessageLength: 1 << 20 });
  // masked BINARY, 64-bit length 100_000_000, no payload sent yet
  decoder.push(unhex("82ff" + "0000000005f5e100" + "01020304"));
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("WsDecoder: fragments summing over the cap are refused at the fragment that crosses it", () => {
  const decoder = new WsDecoder({ maxMessageLength: 100 });
  const part = new Uint8Array(60);
  decoder.push(
    encodeWsFrame({ opcode: WsOpcode.TEXT, payload: part, fin: false }),
  );
  assert.equal(decoder.next(), null);
  decoder.push(
    encodeWsFrame({ opcode: WsOpcode.CONTINUATION, payload: part }).subarray(
      0,
      2,
    ),
  );
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "too-large",
  );
});

Deno.test("WsDecoder: invalid UTF-8 in a TEXT message is invalid-utf8; in BINARY it passes", () => {
  const bad = new Uint8Array([0x7b, 0xff, 0x7d]);
  const decoder = new WsDecoder();
  decoder.push(
    encodeWsFrame({
      opcode: WsOpcode.BINARY,
      payload: bad,
      mask: new Uint8Array([1, 2, 3, 4]),
    }),
  );
  assert.equal(decoder.next()?.type, "binary");
  decoder.push(
    encodeWsFrame({
      opcode: WsOpcode.TEXT,
      payload: bad,
      mask: new Uint8Array([1, 2, 3, 4]),
    }),
  );
  assert.throws(
    () => decoder.next(),
    (e) => e instanceof FramingError && e.reason === "invalid-utf8",
  );
});

Deno.test("WsDecoder: protocol errors (reserved bits, long control frame, stray continuation)", () => {
  for (
    const bytes of [
      unhex("c100"), // RSV1 set
      encodeWsFrame({ opcode: WsOpcode.PING, payload: new Uint8Array(126) }),
      encodeWsFrame({
        opcode: WsOpcode.PING,
        payload: new Uint8Array(1),
        fin: false,
      }),
      encodeWsFrame({
        opcode: WsOpcode.CONTINUATION,
        payload: new Uint8Array(1),
      }),
    ]
  ) {
    assert.equal(decodeAll(bytes).error?.reason, "protocol", hex(bytes));
  }
});

Deno.test("WsDecoder: one byte at a time and many frames at once decode the same", () => {
  const mask = new Uint8Array([9, 8, 7, 6]);
  const frames = [5, 125, 126, 300, 70000].map((n, i) =>
    encodeWsFrame({
      opcode: i % 2 ? WsOpcode.BINARY : WsOpcode.TEXT,
      payload: new Uint8Array(n).fill(0x30 + i),
      mask,
    })
  );
  const stream = new Uint8Array(frames.flatMap((f) => [...f]));
  for (const step of [1, 2, 125, stream.length]) {
    const decoder = new WsDecoder();
    const lengths: number[] = [];
    for (let at = 0; at < stream.length; at += step) {
      decoder.push(stream.subarray(at, at + step));
      for (let m = decoder.next(); m !== null; m = decoder.next()) {
        lengths.push("payload" in m ? m.payload.length : -1);
      }
    }
    assert.deepEqual(lengths, [5, 125, 126, 300, 70000], `step ${step}`);
  }
});
