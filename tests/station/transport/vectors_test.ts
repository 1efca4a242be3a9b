/**
 * The `sessions.*` vectors over a real loopback socket: the client chunks are
 * written one by one, and the station must write the same bytes and deliver
 * the same lines as the pure endpoint run (which tests/dimp/transport checks
 * against the reference and the spec). Random parts — a fresh MTP sn, a Mars
 * push SN — are compared by shape.
 */
import assert from "node:assert/strict";
import {
  MarsDecoder,
  MtpDecoder,
  MtpType,
} from "../../../dimp/transport/mod.ts";
import { listenStation } from "../../../station/transport/mod.ts";
import {
  chunksOf,
  echoResponder,
  runStation,
  type SessionCase,
  transportVectors,
  utf8 as utf8Bytes,
} from "../../dimp/transport/_helpers.ts";
import { RawClient, recorder, sleep, text } from "./_helpers.ts";

const ECHO = new Set([
  "mtp.message.with_reply",
  "mars.send_msg.with_reply",
  "ws.text_frame.with_reply",
  "ws.ext_len_126",
]);
const PUSHED = '{"pushed":true}';

/** Blanks what is random per run: the sn of station-made MTP MESSAGEs, Mars push SNs. */
function normalize(bytes: Uint8Array, framing: string | null): string {
  const copy = bytes.slice();
  if (framing === "mtp") {
    const decoder = new MtpDecoder();
    decoder.push(copy);
    let at = 0;
    for (let p = decoder.next(); p !== null; p = decoder.next()) {
      if (p.header.type === MtpType.MESSAGE) copy.fill(0, at + 4, at + 12);
      at += p.header.headerLength + p.header.bodyLength;
    }
  } else if (framing === "mars") {
    const decoder = new MarsDecoder();
    decoder.push(copy);
    let at = 0;
    for (let p = decoder.next(); p !== null; p = decoder.next()) {
      if (p.header.cmd === 10001) copy.fill(0x3f, at + 28, at + 36); // the 8 base64 characters
      at += p.header.headLength + p.header.bodyLength;
    }
  }
  return Array.from(copy, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sessions = transportVectors().sessions;
const cases: SessionCase[] = [
  ...sessions.mtp,
  ...sessions.mars,
  ...sessions.websocket,
  ...sessions.sniffing,
];

for (const c of cases) {
  Deno.test(`loopback vector sessions[${c.name}]`, async () => {
    const respond = (line: string) =>
      ECHO.has(c.name)
        ? new TextDecoder().decode(echoResponder([line])[0])
        : null;
    const pushes = c.name.endsWith(".push") ? [utf8Bytes(PUSHED)] : [];
    const expected = runStation(
      chunksOf(c),
      ECHO.has(c.name) ? echoResponder : undefined,
      pushes,
    );
    const station = recorder(respond);
    const listener = listenStation({
      hostname: "127.0.0.1",
      port: 0,
      handler: station.handler,
    });
    const raw = await RawClient.connect(listener.port);
    try {
      for (const chunk of chunksOf(c)) {
        await raw.write(chunk);
        await sleep(5); // separate reads, as the reference recorded them
      }
      if (expected.framing === "http") {
        const { bytes } = await raw.readToEnd();
        assert.match(text(bytes), /^HTTP\/1\.1 200 OK\r\n/);
        return;
      }
      const expectedWritten = expected.written.filter((_, i) =>
        i < expected.written.length - pushes.length
      );
      const before = expectedWritten.reduce((n, b) => n + b.length, 0);
      const got = [await raw.read(before)];
      if (pushes.length > 0) {
        const result = [...listener.connections][0].send(PUSHED);
        got.push(await raw.read(expected.written.at(-1)!.length));
        if (c.name !== "ws.push") {
          assert.deepEqual(await sendAck(raw, c, got.at(-1)!, result), {
            sent: true,
            acknowledged: true,
          });
        }
      }
      const all = new Uint8Array(got.reduce((n, b) => n + b.length, 0));
      got.reduce((at, b) => (all.set(b, at), at + b.length), 0);
      const wanted = new Uint8Array(
        expected.written.reduce((n, b) => n + b.length, 0),
      );
      expected.written.reduce((at, b) => (wanted.set(b, at), at + b.length), 0);
      assert.equal(
        normalize(all, expected.framing),
        normalize(wanted, expected.framing),
      );
      await station.waitForPayloads(expected.delivered.length);
      assert.deepEqual(
        [...station.payloads.values()].flat(),
        expected.delivered,
      );
    } finally {
      raw.close();
      await listener.close();
    }
  });
}

/** Acknowledges a push the way a client does and returns the push's result. */
async function sendAck(
  raw: RawClient,
  c: SessionCase,
  push: Uint8Array,
  result: Promise<unknown>,
): Promise<unknown> {
  if (c.name === "mtp.push") {
    const ok = new Uint8Array([
      0x44,
      0x49,
      0x4d,
      0x43,
      ...push.subarray(4, 12),
      0,
      0,
      0,
      2,
      0x4f,
      0x4b,
    ]);
    await raw.write(ok);
  } else {
    // Mars: the client's PUSH_MESSAGE carrying the push's "Mars SN:…\n"
    const snLine = push.subarray(20, push.indexOf(0x0a, 20) + 1);
    const head = new Uint8Array(20);
    const view = new DataView(head.buffer);
    view.setUint32(0, 20);
    view.setUint32(4, 200);
    view.setUint32(8, 10001);
    view.setUint32(16, snLine.length);
    await raw.write(new Uint8Array([...head, ...snLine]));
  }
  return await result;
}
