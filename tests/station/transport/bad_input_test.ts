/**
 * The bad-input table: each attack on its own connection ends that connection
 * (with the framing's error signal where it has one) while a well-behaved
 * MTP connection opened before it keeps working — asserted in the same test.
 */
import assert from "node:assert/strict";
import {
  encodeMarsPackage,
  encodeMtpPackage,
  encodeUpgradeResponse,
  encodeWsFrame,
  FramingError,
  MtpType,
  WsOpcode,
} from "../../../dimp/transport/mod.ts";
import {
  type CloseReason,
  dialStation,
  DiscardedLinesError,
  type TransportLimits,
} from "../../../station/transport/mod.ts";
import {
  echo,
  hex,
  RawClient,
  type Recorder,
  recorder,
  sleep,
  text,
  utf8,
  withListener,
} from "./_helpers.ts";

const LIMITS: TransportLimits = {
  maxFrameBytes: 64 * 1024,
  handshakeTimeout: 300,
  frameTimeout: 300,
  idleTimeout: 5000,
  lingerTimeout: 300,
};

const SN = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const UPGRADE = utf8(
  `GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`,
);

function mtpMessage(body: Uint8Array | string): Uint8Array {
  return encodeMtpPackage({
    type: MtpType.MESSAGE,
    sn: SN,
    body: typeof body === "string" ? utf8(body) : body,
  });
}

/** An upgraded raw WebSocket connection. */
async function upgraded(port: number): Promise<RawClient> {
  const raw = await RawClient.connect(port);
  await raw.write(UPGRADE);
  const reply = encodeUpgradeResponse(KEY);
  assert.equal(text(await raw.read(reply.length)), text(reply));
  return raw;
}

/** Expects a WebSocket CLOSE with `code`, then the end of the stream. */
async function expectWsClose(raw: RawClient, code: number): Promise<void> {
  const { bytes, eof } = await raw.readToEnd();
  assert.equal(
    hex(bytes.subarray(0, 4)),
    "8802" + code.toString(16).padStart(4, "0"),
  );
  assert.ok(eof);
}

/** Expects the station to close the raw socket (EOF) within `withinMs`; returns the wait. */
async function expectEof(raw: RawClient, withinMs = 3000): Promise<number> {
  const started = Date.now();
  const { eof } = await raw.readToEnd(withinMs);
  assert.ok(eof, "the station closed the connection");
  return Date.now() - started;
}

interface Attack {
  /** Limits for this case (over LIMITS). */
  readonly limits?: TransportLimits;
  /** The attack, with its assertions on the attacker's socket. */
  run(port: number, station: Recorder): Promise<void>;
  /** The close of the attacking connection as the session saw it (if it opened). */
  readonly closed?: CloseReason;
  /** The FramingError reason behind a `framing-error` close. */
  readonly framingError?: string;
}

const ATTACKS: Record<string, Attack> = {
  "garbage first bytes (70 KB of junk) are closed at 64 KiB, without waiting": {
    limits: { handshakeTimeout: 10_000 },
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(new Uint8Array(70_000).fill(0x78)).catch(() => {});
      assert.ok(
        await expectEof(raw) < 5000,
        "long before the 10 s handshake timeout",
      );
      raw.close();
    },
  },
  "garbage first bytes, then silence: closed at the handshake timeout": {
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(utf8("hello\r\n"));
      assert.ok(await expectEof(raw) >= 250);
      raw.close();
    },
  },
  "bad MTP magic mid-stream is skipped (resync); a 70 KB junk flood closes": {
    closed: "framing-error",
    framingError: "junk",
    async run(port, station) {
      const raw = await RawClient.connect(port);
      await raw.write(mtpMessage('{"a":1}'));
      await raw.read(18);
      const bad = mtpMessage('{"bad":1}');
      bad.set(utf8("XIM"), 0);
      await raw.write(new Uint8Array([...bad, ...mtpMessage('{"b":2}')]));
      await raw.read(18); // one OK: the bad packet was junk
      await station.waitForPayloads(3); // the good connection's first + {"a":1} + {"b":2}
      const lines = [...station.payloads.values()].slice(1).flat().flat();
      assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
      await raw.write(new Uint8Array(70_000).fill(0x78)).catch(() => {});
      await expectEof(raw);
      raw.close();
    },
  },
  "an MTP length field of 2 GB is refused from the header": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(new Uint8Array([...utf8("DIMB"), ...SN, 0x80, 0, 0, 0]));
      assert.ok(await expectEof(raw) < 1000);
      raw.close();
    },
  },
  "a Mars length field of 2 GB is refused from the header": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await RawClient.connect(port);
      const head = encodeMarsPackage({
        cmd: 3,
        seq: 1,
        body: new Uint8Array(0),
      });
      new DataView(head.buffer).setUint32(16, 0x80000000);
      await raw.write(head);
      assert.ok(await expectEof(raw) < 1000);
      raw.close();
    },
  },
  "a WebSocket frame announcing 2 GB gets CLOSE 1009 from the header": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await upgraded(port);
      await raw.write(
        new Uint8Array([0x82, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0, ...MASK]),
      );
      await expectWsClose(raw, 1009);
      raw.close();
    },
  },
  "a WebSocket frame one byte over the cap gets CLOSE 1009": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await upgraded(port);
      const frame = encodeWsFrame({
        opcode: WsOpcode.TEXT,
        payload: new Uint8Array(64 * 1024 + 1).fill(0x61),
        mask: MASK,
      });
      await raw.write(frame).catch(() => {});
      await expectWsClose(raw, 1009);
      raw.close();
    },
  },
  "an MTP body one byte over the cap is refused": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(mtpMessage(new Uint8Array(64 * 1024 + 1).fill(0x61)))
        .catch(() => {});
      await expectEof(raw);
      raw.close();
    },
  },
  "a JSON line over the cap is refused while it is still arriving": {
    closed: "framing-error",
    framingError: "too-large",
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(utf8('{"x":"' + "a".repeat(70 * 1024))).catch(() => {});
      await expectEof(raw);
      raw.close();
    },
  },
  "invalid UTF-8 in a WebSocket TEXT frame gets CLOSE 1007": {
    closed: "framing-error",
    framingError: "invalid-utf8",
    async run(port) {
      const raw = await upgraded(port);
      await raw.write(
        encodeWsFrame({
          opcode: WsOpcode.TEXT,
          payload: new Uint8Array([0x7b, 0xff, 0x7d]),
          mask: MASK,
        }),
      );
      await expectWsClose(raw, 1007);
      raw.close();
    },
  },
  "invalid UTF-8 in an MTP message: that line is dropped, the connection goes on":
    {
      async run(port, station) {
        const raw = await RawClient.connect(port);
        await raw.write(
          mtpMessage(
            new Uint8Array([
              ...utf8('{"ok":1}\n{"bad":"'),
              0xc3,
              0x28,
              ...utf8('"}'),
            ]),
          ),
        );
        await raw.write(mtpMessage('{"next":2}'));
        await raw.read(36); // two OKs
        await station.waitForPayloads(3);
        const lines = [...station.payloads.values()].slice(1).flat();
        assert.deepEqual(lines, [['{"ok":1}'], ['{"next":2}']]);
        assert.ok(
          station.errors.some((e) =>
            e instanceof DiscardedLinesError && e.count === 1
          ),
        );
        raw.close();
        await sleep(50);
      },
      closed: "peer",
    },
  "half a frame, then the client vanishes: the close is noticed at once": {
    closed: "peer",
    async run(port, station) {
      const raw = await RawClient.connect(port);
      const whole = mtpMessage('{"never":"complete"}');
      await raw.write(whole.subarray(0, 20));
      await sleep(50);
      raw.close();
      const started = Date.now();
      while (station.closed.length === 0 && Date.now() - started < 1000) {
        await sleep(10);
      }
      assert.ok(Date.now() - started < 250, "long before any timeout");
    },
  },
  "half a frame, then silence: closed by the frame timeout": {
    closed: "frame-timeout",
    async run(port) {
      const raw = await RawClient.connect(port);
      await raw.write(mtpMessage('{"never":"complete"}').subarray(0, 20));
      assert.ok(await expectEof(raw) >= 250);
      raw.close();
    },
  },
  "slowloris upgrade (1 byte per 30 ms) is cut at the handshake timeout, no 101":
    {
      async run(port) {
        const raw = await RawClient.connect(port);
        const started = Date.now();
        const sent = await raw.trickle(UPGRADE, 30);
        assert.ok(
          sent < UPGRADE.length,
          `cut off after ${sent} of ${UPGRADE.length} bytes`,
        );
        const { bytes, eof } = await raw.readToEnd(1000);
        assert.ok(eof);
        assert.equal(bytes.length, 0, "no 101");
        assert.ok(Date.now() - started < 3000);
        raw.close();
      },
    },
  "slowloris frame (1 byte per 30 ms) is cut by the frame timeout although bytes keep coming":
    {
      closed: "frame-timeout",
      async run(port) {
        const raw = await RawClient.connect(port);
        await raw.write(mtpMessage('{"a":1}'));
        await raw.read(18);
        const slow = mtpMessage(`{"pad":"${"x".repeat(200)}"}`);
        const sent = await raw.trickle(slow, 30);
        assert.ok(
          sent < slow.length,
          `cut off after ${sent} of ${slow.length} bytes`,
        );
        raw.close();
      },
    },
};

for (const [name, attack] of Object.entries(ATTACKS)) {
  Deno.test(`bad input: ${name}; other connections keep working`, async () => {
    const station = recorder(echo);
    await withListener({
      handler: station.handler,
      ...LIMITS,
      ...attack.limits,
    }, async (listener) => {
      const good = recorder();
      const conn = await dialStation("127.0.0.1", listener.port, {
        handler: good.handler,
      });
      assert.deepEqual(await conn.send('{"before":1}'), {
        sent: true,
        acknowledged: true,
      });
      await good.waitForPayloads(1);

      await attack.run(listener.port, station);

      if (attack.closed !== undefined) {
        const started = Date.now();
        while (station.closed.length === 0 && Date.now() - started < 3000) {
          await sleep(10);
        }
        assert.equal(
          station.closed.length,
          1,
          "the attacking connection closed",
        );
        const { info } = station.closed[0];
        assert.equal(info.reason, attack.closed);
        if (attack.framingError !== undefined) {
          assert.ok(info.error instanceof FramingError);
          assert.equal(info.error.reason, attack.framingError);
        }
      }
      assert.ok(
        station.closed.every(({ conn: c }) => c.id !== station.opened[0].id),
        "not the good one",
      );
      assert.deepEqual(await conn.send('{"after":1}'), {
        sent: true,
        acknowledged: true,
      });
      await good.waitForPayloads(2);
      assert.deepEqual([...good.payloads.values()].flat().flat(), [
        echo('{"before":1}'),
        echo('{"after":1}'),
      ]);
      assert.equal(conn.closed, false);
      conn.close();
      await conn.done;
    });
  });
}
