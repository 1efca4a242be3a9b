import assert from "node:assert/strict";
import {
  encodeMarsPackage,
  encodeMtpPackage,
  encodeUpgradeResponse,
  encodeWsFrame,
  MtpType,
  WsOpcode,
} from "../../../dimp/transport/mod.ts";
import { dialStation, type Framing } from "../../../station/transport/mod.ts";
import {
  hex,
  RawClient,
  recorder,
  sleep,
  text,
  utf8,
  withListener,
} from "./_helpers.ts";

const SN = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

Deno.test("heartbeats over a socket: each framing's PING/NOOP is answered as the spec says", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const cases: [string, Uint8Array, Uint8Array][] = [
      [
        "MTP COMMAND PING → COMMAND_RESPONSE PONG",
        encodeMtpPackage({ type: MtpType.COMMAND, sn: SN, body: utf8("PING") }),
        encodeMtpPackage({
          type: MtpType.COMMAND_RESPONSE,
          sn: SN,
          body: utf8("PONG"),
        }),
      ],
      [
        "MTP COMMAND NOOP → COMMAND_RESPONSE OK",
        encodeMtpPackage({ type: MtpType.COMMAND, sn: SN, body: utf8("NOOP") }),
        encodeMtpPackage({
          type: MtpType.COMMAND_RESPONSE,
          sn: SN,
          body: utf8("OK"),
        }),
      ],
      [
        "Mars NOOP → the same packet",
        encodeMarsPackage({ cmd: 6, seq: 77, body: new Uint8Array(0) }),
        encodeMarsPackage({ cmd: 6, seq: 77, body: new Uint8Array(0) }),
      ],
      [
        "Mars SEND_MSG PING → cmd 3 same seq PONG",
        encodeMarsPackage({ cmd: 3, seq: 78, body: utf8("PING") }),
        encodeMarsPackage({ cmd: 3, seq: 78, body: utf8("PONG") }),
      ],
      ["JSON lines: empty line → empty line", utf8("{}\n\n"), utf8("\n")],
      ["JSON lines: PING → PONG", utf8("{}\nPING\n"), utf8("PONG\n")],
    ];
    for (const [name, request, answer] of cases) {
      const raw = await RawClient.connect(listener.port);
      await raw.write(request);
      assert.equal(hex(await raw.read(answer.length)), hex(answer), name);
      raw.close();
    }
    // WebSocket: a data frame PING → TEXT PONG; an RFC PING → PONG with its data
    const raw = await RawClient.connect(listener.port);
    await raw.write(
      utf8(
        "GET / HTTP/1.1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ),
    );
    const upgrade = encodeUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ==");
    assert.equal(text(await raw.read(upgrade.length)), text(upgrade));
    const mask = new Uint8Array([9, 9, 9, 9]);
    await raw.write(
      encodeWsFrame({ opcode: WsOpcode.BINARY, payload: utf8("PING"), mask }),
    );
    assert.equal(hex(await raw.read(6)), "8104" + hex(utf8("PONG")));
    await raw.write(
      encodeWsFrame({ opcode: WsOpcode.PING, payload: utf8("hb"), mask }),
    );
    assert.equal(hex(await raw.read(4)), "8a02" + hex(utf8("hb")));
    raw.close();
  });
});

Deno.test("the station never pings: a silent connection gets nothing and is closed at the idle timeout", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, idleTimeout: 300 },
    async (listener) => {
      const raw = await RawClient.connect(listener.port);
      await raw.write(
        encodeMtpPackage({ type: MtpType.COMMAND, sn: SN, body: utf8("NOOP") }),
      );
      await raw.read(18); // the OK
      const started = Date.now();
      const { bytes, eof } = await raw.readToEnd(3000);
      assert.ok(eof);
      assert.equal(bytes.length, 0, "nothing sent by the station");
      assert.ok(
        Date.now() - started >= 200,
        "closed by the idle timer, not at once",
      );
      raw.close();
      await sleep(20);
      assert.equal(station.closed[0].info.reason, "idle-timeout");
    },
  );
});

Deno.test("the idle timeout reaches every connection: 25 silent ones, swept a slice at a time, are each closed once by it", async () => {
  const station = recorder();
  await withListener(
    { handler: station.handler, idleTimeout: 300 },
    async (listener) => {
      const raws = await Promise.all(
        Array.from({ length: 25 }, () => RawClient.connect(listener.port)),
      );
      for (const raw of raws) {
        await raw.write(
          encodeMtpPackage({
            type: MtpType.COMMAND,
            sn: SN,
            body: utf8("NOOP"),
          }),
        );
        await raw.read(18); // the OK: open
      }
      for (const raw of raws) {
        const { bytes, eof } = await raw.readToEnd(3000);
        assert.ok(eof, "closed by the station");
        assert.equal(bytes.length, 0);
        raw.close();
      }
      await sleep(20);
      assert.equal(station.closed.length, 25);
      assert.ok(
        station.closed.every((c) => c.info.reason === "idle-timeout"),
      );
    },
  );
});

for (const framing of ["mtp", "mars", "ws", "plain"] as Framing[]) {
  Deno.test(`client heartbeat [${framing}]: a silent client pings and outlives the station's idle timeout`, async () => {
    const station = recorder();
    await withListener(
      { handler: station.handler, idleTimeout: 400 },
      async (listener) => {
        const conn = await dialStation("127.0.0.1", listener.port, {
          framing,
          heartbeatInterval: 100,
        });
        await sleep(1000); // 2.5 idle timeouts of silence from the application
        assert.equal(conn.closed, false);
        assert.equal(station.closed.length, 0);
        assert.equal(station.payloads.size, 0, "heartbeats are not delivered");
        conn.close();
        await conn.done;
      },
    );
  });
}
