/**
 * The station's `OK`s to received MTP messages (`ackDelay`): held back to go
 * out with the connection's next bytes, never after them, never lost.
 */
import assert from "node:assert/strict";
import {
  encodeMtpPackage,
  MtpDecoder,
  MtpType,
} from "../../../dimp/transport/mod.ts";
import {
  hex,
  RawClient,
  readMtp,
  recorder,
  utf8,
  withListener,
} from "./_helpers.ts";

function mtpMessage(n: number): Uint8Array {
  return encodeMtpPackage({
    type: MtpType.MESSAGE,
    sn: new Uint8Array([0, 0, 0, 0, 0, 0, 0, n]),
    body: utf8(`{"n":${n}}`),
  });
}

/** The length of a MESSAGE_RESPONSE `OK` (16-byte header, 2-byte body). */
const OK_LENGTH = 18;

Deno.test("ackDelay: the OKs of messages read one at a time go out together, in order, within the delay", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, ackDelay: 1500 },
    async (listener) => {
      const raw = await RawClient.connect(listener.port);
      for (let n = 1; n <= 3; n++) {
        await raw.write(mtpMessage(n));
        await station.waitForPayloads(n); // each read and handled alone
      }
      const { bytes } = await raw.readSome();
      assert.equal(bytes.length, 3 * OK_LENGTH, "the three OKs in one write");
      const oks = packagesIn(bytes);
      assert.deepEqual(
        oks,
        [1, 2, 3].map((n) => [
          MtpType.MESSAGE_RESPONSE,
          `000000000000000${n}`,
          "OK",
        ]),
      );
      raw.close();
    },
  );
});

Deno.test("ackDelay: a push to the connection takes the waiting OK along, before it, without waiting for the delay", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, ackDelay: 60_000 },
    async (listener) => {
      const raw = await RawClient.connect(listener.port);
      await raw.write(mtpMessage(7));
      await station.waitForPayloads(1);
      const sent = station.opened[0].send('{"push":1}');
      const [ok, push] = await readMtp(raw, 2);
      assert.equal(ok.header.type, MtpType.MESSAGE_RESPONSE);
      assert.equal(hex(ok.header.sn), "0000000000000007");
      assert.equal(new TextDecoder().decode(ok.body), "OK");
      assert.equal(push.header.type, MtpType.MESSAGE);
      assert.equal(new TextDecoder().decode(push.body), '{"push":1}');
      await raw.write(
        encodeMtpPackage({
          type: MtpType.MESSAGE_RESPONSE,
          sn: push.header.sn,
          body: utf8("OK"),
        }),
      );
      assert.deepEqual(await sent, { sent: true, acknowledged: true });
      raw.close();
    },
  );
});

Deno.test("ackDelay: a PING is answered at once even while OKs wait", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, ackDelay: 60_000 },
    async (listener) => {
      const raw = await RawClient.connect(listener.port);
      await raw.write(mtpMessage(1));
      await station.waitForPayloads(1);
      await raw.write(encodeMtpPackage({
        type: MtpType.COMMAND,
        sn: new Uint8Array(8).fill(9),
        body: utf8("PING"),
      }));
      const [ok, pong] = await readMtp(raw, 2);
      assert.equal(ok.header.type, MtpType.MESSAGE_RESPONSE);
      assert.equal(pong.header.type, MtpType.COMMAND_RESPONSE);
      assert.equal(new TextDecoder().decode(pong.body), "PONG");
      raw.close();
    },
  );
});

/** The MTP packages in `bytes`: type, sn (hex) and body (text) each. */
function packagesIn(bytes: Uint8Array): [number, string, string][] {
  const decoder = new MtpDecoder();
  decoder.push(bytes);
  const out: [number, string, string][] = [];
  for (let p = decoder.next(); p !== null; p = decoder.next()) {
    out.push([
      p.header.type,
      hex(p.header.sn),
      new TextDecoder().decode(p.body),
    ]);
  }
  return out;
}
