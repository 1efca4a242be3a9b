/**
 * `sessions.*` of transport.json: real client chunks run through the sniffer
 * and a station endpoint; what reaches the session and what is written must
 * match the reference, except where transport.md says `dim` SHOULD differ
 * (each such case states the spec rule it asserts instead).
 */
import assert from "node:assert/strict";
import {
  encodeMarsPackage,
  encodeWsClose,
  encodeWsFrame,
  MarsDecoder,
  MtpDecoder,
  MtpType,
  splitMarsSn,
  WsOpcode,
} from "../../../dimp/transport/mod.ts";
import {
  chunksOf,
  deliveredLines,
  echoResponder,
  hex,
  runStation,
  type SessionCase,
  transportVectors,
  unhex,
  utf8,
  writtenHex,
} from "./_helpers.ts";

const sessions = transportVectors().sessions;
const ECHO = new Set([
  "mtp.message.with_reply",
  "mars.send_msg.with_reply",
  "ws.text_frame.with_reply",
  "ws.ext_len_126",
]);
const PUSHED = utf8('{"pushed":true}');

function run(c: SessionCase) {
  const pushes = c.name.endsWith(".push") ? [PUSHED] : [];
  return runStation(
    chunksOf(c),
    ECHO.has(c.name) ? echoResponder : undefined,
    pushes,
  );
}

function byName(list: SessionCase[], name: string): SessionCase {
  return list.find((c) => c.name === name)!;
}

/** Compares written MTP frames; a station-made MESSAGE has a fresh random sn. */
function assertMtpFrames(
  written: string,
  frames: Record<string, unknown>[],
): void {
  const decoder = new MtpDecoder();
  decoder.push(unhex(written));
  const got = [];
  for (let p = decoder.next(); p !== null; p = decoder.next()) got.push(p);
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(got.length, frames.length);
  got.forEach((p, i) => {
    const f = frames[i];
    assert.equal(p.header.headerLength, f.header_size);
    assert.equal(p.header.pages, f.pages);
    assert.equal(p.header.index, f.index);
    assert.equal(hex(p.body), f.body_hex);
    if (f.data_type === "Message") {
      assert.equal(p.header.type, MtpType.MESSAGE);
      assert.equal(p.header.sn.length, 8);
    } else {
      assert.equal(hex(frameAt(written, i)), f.hex);
    }
  });
}

function frameAt(written: string, index: number): Uint8Array {
  const bytes = unhex(written);
  let at = 0;
  for (let i = 0; i < index; i++) at += frameLength(bytes, at);
  return bytes.subarray(at, at + frameLength(bytes, at));
}

function frameLength(bytes: Uint8Array, at: number): number {
  const words = bytes[at + 3] >> 4;
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + at + words * 4 - 4,
    4,
  );
  return words * 4 + view.getUint32(0);
}

for (const c of sessions.mtp) {
  Deno.test(`sessions.mtp[${c.name}]`, () => {
    const result = run(c);
    assert.equal(result.framing, "mtp");
    if (c.name === "mtp.command.other") {
      // reference quirk: a COMMAND body reaches the messenger; the spec
      // (§11 #9): answer OK, do not deliver
      assert.deepEqual(result.delivered, []);
    } else {
      assert.deepEqual(result.delivered, deliveredLines(c));
    }
    assertMtpFrames(writtenHex(result), c.station_wrote_frames);
    if (c.name === "mtp.push") {
      // the push waits for MESSAGE_RESPONSE OK with its sn
      const push = result.written.at(-1)!;
      const key = hex(push.subarray(4, 12));
      const endpoint = result.endpoint!;
      endpoint.push(unhex("44494d43" + key + "000000024f4b"));
      const events = [];
      for (let e = endpoint.next(); e !== null; e = endpoint.next()) {
        events.push(e);
      }
      // the acknowledgement key: the sn's low 53 bits as a number
      const ackKey = Number(BigInt(`0x${key}`) & (2n ** 53n - 1n));
      assert.deepEqual(events, [{ type: "acknowledged", key: ackKey }]);
    }
  });
}

/** Mars replies as the spec asks (§4.2 SHOULD): one cmd 3, same seq, responses joined. */
function marsReplies(c: SessionCase, bodies: (seq: number) => string): string {
  const decoder = new MarsDecoder();
  for (const chunk of chunksOf(c)) decoder.push(chunk);
  let out = "";
  for (let p = decoder.next(); p !== null; p = decoder.next()) {
    out += hex(
      encodeMarsPackage({
        cmd: 3,
        seq: p.header.seq,
        body: utf8(bodies(p.header.seq)),
      }),
    );
  }
  return out;
}

for (const c of sessions.mars) {
  Deno.test(`sessions.mars[${c.name}]`, () => {
    const result = run(c);
    assert.equal(result.framing, "mars");
    assert.deepEqual(result.delivered, deliveredLines(c));
    switch (c.name) {
      case "mars.send_msg.no_reply":
      case "mars.sticky_and_split":
        // reference: PUSH-style "Mars SN:" packets; spec: cmd 3, same seq, empty body
        assert.equal(writtenHex(result), marsReplies(c, () => ""));
        return;
      case "mars.send_msg.with_reply":
        assert.equal(writtenHex(result), marsReplies(c, () => '{"echo":147}'));
        return;
      case "mars.push": {
        const [echo, push] = result.written;
        assert.equal(hex(echo), c.station_wrote_frames[0].hex);
        const expected = c.station_wrote_frames[1];
        const decoder = new MarsDecoder();
        decoder.push(push);
        const pkg = decoder.next()!;
        assert.equal(pkg.header.cmd, expected.cmd);
        assert.equal(pkg.header.seq, expected.seq);
        const { sn, payload } = splitMarsSn(pkg.body);
        assert.match(sn!, /^[A-Za-z0-9+/]{6}==$/);
        assert.equal(
          new TextDecoder().decode(payload),
          expected.payload_after_sn_utf8,
        );
        return;
      }
      default:
        assert.equal(writtenHex(result), c.station_wrote_hex);
    }
  });
}

const UPGRADE_REPLY =
  byName(sessions.websocket, "ws.handshake_only").station_wrote_hex;

for (const c of sessions.websocket) {
  Deno.test(`sessions.websocket[${c.name}]`, () => {
    const result = run(c);
    assert.equal(result.framing, "ws");
    switch (c.name) {
      case "ws.control_ping_opcode9":
        // reference ignores control frames; RFC (§5.2 SHOULD): PONG with the same data
        assert.deepEqual(result.delivered, []);
        assert.equal(
          writtenHex(result),
          UPGRADE_REPLY +
            hex(encodeWsFrame({ opcode: WsOpcode.PONG, payload: utf8("hi") })),
        );
        return;
      case "ws.close_opcode8":
        // reference neither answers nor closes; RFC: echo the CLOSE and end
        assert.equal(
          writtenHex(result),
          UPGRADE_REPLY + hex(encodeWsClose(1000)),
        );
        assert.ok(result.ended);
        return;
      case "ws.upgrade_and_frame_same_chunk":
        // reference loses the frame; spec (§5.1 MUST): bytes after the head are frame data
        assert.equal(writtenHex(result), UPGRADE_REPLY);
        assert.deepEqual(
          result.delivered,
          deliveredLines(byName(sessions.websocket, "ws.text_frame")),
        );
        return;
      case "ws.ack":
        // ACK mode is on: pushes now wait for their ACK
        assert.equal(
          result.endpoint!.encodeMessage(utf8('{"signature":"x"}')).ackKey,
          "x",
        );
        assert.deepEqual(result.acknowledged, ["c2lnbmF0dXJl"]);
        break;
    }
    assert.deepEqual(result.delivered, deliveredLines(c));
    assert.equal(writtenHex(result), c.station_wrote_hex);
  });
}

const NO_REPLY = byName(sessions.mtp, "mtp.message.no_reply");

for (const c of sessions.sniffing) {
  Deno.test(`sessions.sniffing[${c.name}]`, () => {
    const result = run(c);
    switch (c.name) {
      case "sniff.raw_json_line": {
        // the reference drops it; dim supports the raw JSON-lines framing (§6 MAY)
        const text = new TextDecoder().decode(chunksOf(c)[0]);
        assert.equal(result.framing, "plain");
        assert.deepEqual(result.delivered, [[text.trimEnd()]]);
        assert.equal(writtenHex(result), "");
        return;
      }
      case "sniff.http_get_no_ws_key":
        // the reference answers nothing; dim hands it to HTTP (status page, §2.3 MAY)
        assert.equal(result.framing, "http");
        assert.equal(result.endpoint, null);
        return;
      case "sniff.first_chunk_too_short":
      case "sniff.mtp_split_before_header_complete":
        // the reference drops the undecidable first chunk and loses the packet;
        // spec (§2.2 SHOULD): buffer it; the chunks are mtp.message.no_reply split
        assert.equal(
          c.client_chunks_hex.join(""),
          NO_REPLY.client_chunks_hex[0],
        );
        assert.deepEqual(result.delivered, deliveredLines(NO_REPLY));
        assert.equal(writtenHex(result), NO_REPLY.station_wrote_hex);
        return;
      case "sniff.ws_upgrade_split":
        // likewise: the split upgrade is buffered and answered
        assert.equal(writtenHex(result), UPGRADE_REPLY);
        return;
    }
    assert.deepEqual(result.delivered, deliveredLines(c));
    assert.equal(writtenHex(result), c.station_wrote_hex);
  });
}
