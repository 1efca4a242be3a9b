/**
 * Client and station endpoints of each framing talking to each other through
 * an in-memory pipe: round trips, acknowledgements, heartbeats, limits.
 */
import assert from "node:assert/strict";
import {
  createEndpoint,
  encodeMtpPackage,
  type EndpointEvent,
  type Framing,
  type FramingEndpoint,
  MtpType,
  type TextParts,
} from "../../../dimp/transport/mod.ts";
import { hex, utf8 } from "./_helpers.ts";

interface Side {
  endpoint: FramingEndpoint;
  events: EndpointEvent[];
  inbox: Uint8Array[];
}

function side(endpoint: FramingEndpoint): Side {
  return { endpoint, events: [], inbox: [] };
}

/** Moves bytes both ways until both sides are quiet; the station (`b`) answers payloads with `respond`. */
function settle(
  a: Side,
  b: Side,
  respond: (lines: readonly string[]) => string[] = () => [],
): void {
  for (let moved = true; moved;) {
    moved = false;
    for (const [from, to] of [[a, b], [b, a]]) {
      for (const chunk of from.inbox.splice(0)) {
        from.endpoint.push(chunk);
        moved = true;
      }
      for (let e = from.endpoint.next(); e !== null; e = from.endpoint.next()) {
        from.events.push(e);
        if (e.type === "write") to.inbox.push(e.bytes);
        if (e.type === "payload") {
          const responses = from === b ? respond(e.lines).map(utf8) : [];
          const replies = from.endpoint.encodeReplies(e.replyTo, responses);
          to.inbox.push(...replies);
        }
        moved = true;
      }
    }
  }
}

function pair(
  framing: Framing,
  clientOptions = {},
): { client: Side; station: Side } {
  const station = side(createEndpoint(framing, "station"));
  const client = side(
    createEndpoint(framing, "client", {
      host: "127.0.0.1:9394",
      ...clientOptions,
    }),
  );
  const start = client.endpoint.start();
  if (start !== null) station.inbox.push(start);
  settle(client, station);
  return { client, station };
}

function drain(endpoint: FramingEndpoint): EndpointEvent[] {
  const events = [];
  for (let e = endpoint.next(); e !== null; e = endpoint.next()) events.push(e);
  return events;
}

/** Fragment `index` of 3. */
function fragment(sn: Uint8Array, index: number, body: Uint8Array): Uint8Array {
  return encodeMtpPackage({
    type: MtpType.MESSAGE_FRAGMENT,
    sn,
    pages: 3,
    index,
    body,
  });
}

const payloads = (s: Side) =>
  s.events.flatMap((e) => e.type === "payload" ? [e.lines] : []);
const acks = (s: Side) =>
  s.events.flatMap((e) => e.type === "acknowledged" ? [e.key] : []);

for (const framing of ["mtp", "mars", "ws", "plain"] as const) {
  Deno.test(`endpoint pair [${framing}]: sends, replies and pushes round-trip`, () => {
    const { client, station } = pair(framing);
    assert.ok(client.events.some((e) => e.type === "open"));
    assert.ok(station.events.some((e) => e.type === "open"));
    const sent = client.endpoint.encodeMessage(
      utf8('{"hello":1}\n{"hello":2}'),
    );
    station.inbox.push(sent.bytes);
    settle(client, station, (lines) => lines.map((l) => `{"re":${l}}`));
    // one payload of two lines; plain JSON lines has one payload per line
    const expected = ['{"hello":1}', '{"hello":2}'];
    assert.deepEqual(
      payloads(station),
      framing === "plain" ? expected.map((l) => [l]) : [expected],
    );
    const replies = payloads(client);
    assert.deepEqual(replies.flat(), [
      '{"re":{"hello":1}}',
      '{"re":{"hello":2}}',
    ]);
    // MTP acknowledges by sn, Mars by the reply's seq; WS/plain have no acks
    assert.deepEqual(acks(client), sent.ackKey === null ? [] : [sent.ackKey]);
    const push = station.endpoint.encodeMessage(utf8('{"pushed":true}'));
    client.inbox.push(push.bytes);
    settle(client, station);
    assert.deepEqual(payloads(client).at(-1), ['{"pushed":true}']);
    // (an MTP station also sees the OKs for its two reply MESSAGEs)
    assert.equal(acks(station).at(-1), push.ackKey ?? undefined);
  });

  Deno.test(`endpoint pair [${framing}]: a text in parts is sent, replied and pushed as the joined text`, () => {
    const { client, station } = pair(framing);
    // the second part is not ASCII: its bytes are longer than its units
    const parts = ['{"sender":"moki","data":"', "ZA==", '","t":"défé €"}'];
    const text = parts.join("");
    station.inbox.push(client.endpoint.encodeMessage(parts).bytes);
    settle(client, station);
    assert.deepEqual(payloads(station).flat(), [text]);
    const push = station.endpoint.encodeMessage(parts);
    client.inbox.push(push.bytes);
    client.inbox.push(...station.endpoint.encodeReplies(-1, [parts, text]));
    const late = station.endpoint.deferReply?.(parts);
    if (late !== undefined) {
      const into = new Uint8Array(late.maxLength);
      const length = late.writeInto(into);
      assert.ok(length > late.length);
      assert.equal(late.writeInto(new Uint8Array(length - 1)), -1);
      assert.deepEqual(late.encode(), into.subarray(0, length));
      client.inbox.push(into.slice(0, length));
    }
    settle(client, station);
    assert.deepEqual(
      payloads(client).flat(),
      late === undefined ? [text, text, text] : [text, text, text, text],
    );
  });

  Deno.test(`endpoint pair [${framing}]: a part in base64 is written as the base64 of its bytes`, () => {
    const { client, station } = pair(framing);
    // 3n, 3n + 1 and 3n + 2 bytes: no padding, "==" and "="
    for (const size of [3, 4, 2000]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 7 + size) & 0xff);
      const parts: TextParts = [
        '{"data":"',
        { base64: bytes },
        '","t":"défé €"}',
      ];
      const text = `{"data":"${bytes.toBase64()}","t":"défé €"}`;
      station.inbox.push(client.endpoint.encodeMessage(parts).bytes);
      settle(client, station);
      assert.deepEqual(payloads(station).flat().at(-1), text);
      client.inbox.push(station.endpoint.encodeMessage(parts).bytes);
      client.inbox.push(...station.endpoint.encodeReplies(-1, [parts]));
      const late = station.endpoint.deferReply?.(parts);
      if (late !== undefined) {
        const into = new Uint8Array(late.maxLength);
        const length = late.writeInto(into);
        assert.ok(length > late.length);
        assert.deepEqual(late.encode(), into.subarray(0, length));
        client.inbox.push(into.slice(0, length));
      }
      settle(client, station);
      assert.deepEqual(
        payloads(client).flat().slice(late === undefined ? -2 : -3),
        late === undefined ? [text, text] : [text, text, text],
      );
    }
  });

  Deno.test(`endpoint pair [${framing}]: the client heartbeat is answered, the station never pings`, () => {
    const { client, station } = pair(framing);
    assert.equal(station.endpoint.heartbeat(), null);
    const ping = client.endpoint.heartbeat();
    assert.ok(ping !== null);
    const writesBefore = station.events.filter((e) =>
      e.type === "write"
    ).length;
    station.inbox.push(ping);
    settle(client, station);
    const answers = station.events.filter((e) => e.type === "write").slice(
      writesBefore,
    );
    assert.equal(answers.length, 1);
    assert.ok(answers[0].type === "write");
    const answer = hex(answers[0].bytes);
    switch (framing) {
      case "mtp": // COMMAND_RESPONSE "PONG" with the PING's sn
        assert.equal(
          answer,
          "44494d41" + hex(ping.subarray(4, 12)) + "00000004" +
            hex(utf8("PONG")),
        );
        break;
      case "mars": // NOOP echoed
        assert.equal(answer, hex(ping));
        break;
      case "ws": // TEXT "PONG"
        assert.equal(answer, "8104" + hex(utf8("PONG")));
        break;
      case "plain": // an empty line answered with an empty line
        assert.equal(answer, "0a");
    }
    assert.equal(payloads(station).length, 0, "heartbeat not delivered");
    assert.equal(
      payloads(client).length,
      0,
      "the answer is not delivered either",
    );
  });

  Deno.test(`endpoint [${framing}]: more JSON lines than allowed end the connection`, () => {
    const station = side(
      createEndpoint(framing, "station", { maxLinesPerPayload: 3 }),
    );
    const client = side(createEndpoint(framing, "client", { host: "h" }));
    const start = client.endpoint.start();
    if (start !== null) station.inbox.push(start);
    settle(client, station);
    const lines = Array.from({ length: 4 }, (_, i) => `{"n":${i}}`).join("\n");
    if (framing === "plain") {
      // plain JSON lines carries one line per payload: the cap never applies
      station.inbox.push(client.endpoint.encodeMessage(utf8(lines)).bytes);
      settle(client, station);
      assert.equal(payloads(station).length, 4);
      return;
    }
    station.inbox.push(client.endpoint.encodeMessage(utf8(lines)).bytes);
    settle(client, station);
    const end = station.events.find((e) => e.type === "end");
    assert.ok(
      end && end.type === "end" && end.error?.reason === "too-many-lines",
    );
  });
}

Deno.test("endpoint [mtp]: invalid UTF-8 lines are discarded, the connection goes on", () => {
  const station = createEndpoint("mtp", "station");
  const body = new Uint8Array([
    ...utf8('{"a":1}\n{"b":'),
    0xff,
    ...utf8('}\n{"c":3}'),
  ]);
  station.push(
    encodeMtpPackage({
      type: MtpType.MESSAGE,
      sn: new Uint8Array(8).fill(1),
      body,
    }),
  );
  const events = drain(station);
  assert.deepEqual(events.map((e) => e.type), [
    "open",
    "write",
    "discarded",
    "payload",
  ]);
  const payload = events[3];
  assert.ok(payload.type === "payload");
  assert.deepEqual(payload.lines, ['{"a":1}', '{"c":3}']);
});

Deno.test("endpoint [mtp]: fragments are acknowledged one by one and delivered once complete", () => {
  const station = createEndpoint("mtp", "station");
  const sn = new Uint8Array(8).fill(3);
  const whole = utf8('{"fragmented":"yes"}');
  const parts = [
    whole.subarray(0, 7),
    whole.subarray(7, 14),
    whole.subarray(14),
  ];
  // out of order: 2, 0, 1
  for (const index of [2, 0, 1]) {
    station.push(fragment(sn, index, parts[index]));
  }
  const events = drain(station);
  const writes = events.filter((e) => e.type === "write").map((e) =>
    e.type === "write" ? hex(e.bytes) : ""
  );
  assert.deepEqual(
    writes,
    [2, 0, 1].map((index) =>
      hex(
        encodeMtpPackage({
          type: MtpType.MESSAGE_RESPONSE,
          sn,
          pages: 3,
          index,
          body: utf8("OK"),
        }),
      )
    ),
  );
  const delivered = events.filter((e) => e.type === "payload");
  assert.equal(delivered.length, 1);
  assert.ok(delivered[0].type === "payload");
  assert.deepEqual(delivered[0].lines, ['{"fragmented":"yes"}']);
});

Deno.test("endpoint [mtp]: fragments adding up over the cap end the connection", () => {
  const station = createEndpoint("mtp", "station", { maxPayloadLength: 100 });
  const sn = new Uint8Array(8).fill(4);
  for (const index of [0, 1]) {
    station.push(fragment(sn, index, new Uint8Array(60)));
  }
  const events = drain(station);
  const end = events.at(-1);
  assert.ok(end?.type === "end" && end.error?.reason === "too-large");
});

Deno.test("endpoint [ws]: ACK mode turns WebSocket sends into acknowledged ones (§5.4)", () => {
  const { client, station } = pair("ws", { sendAcks: true });
  const message = utf8(
    '{"sender":"a","time":1700000000.5,"signature":"c2lnbmF0dXJl"}',
  );
  const before = station.endpoint.encodeMessage(message);
  assert.equal(before.ackKey, null, "no ACK mode before the first ACK");
  client.inbox.push(before.bytes);
  settle(client, station);
  const after = station.endpoint.encodeMessage(message);
  assert.equal(after.ackKey, "c2lnbmF0dXJl");
  client.inbox.push(after.bytes);
  settle(client, station);
  assert.deepEqual(acks(station), ["c2lnbmF0dXJl", "c2lnbmF0dXJl"]);
  assert.equal(payloads(station).length, 0, "ACKs are not delivered");
});

Deno.test("endpoint [ws]: a request without Sec-WebSocket-Key is answered 400 and ended", () => {
  const station = createEndpoint("ws", "station");
  station.push(utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  const events = drain(station);
  assert.equal(events.length, 2);
  assert.ok(events[0].type === "write");
  assert.match(new TextDecoder().decode(events[0].bytes), /^HTTP\/1\.1 400 /);
  assert.ok(events[1].type === "end" && events[1].error?.reason === "protocol");
});

Deno.test("endpoint [ws]: the subprotocol a browser offers is echoed", () => {
  const station = createEndpoint("ws", "station");
  station.push(
    utf8(
      "GET / HTTP/1.1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: dimp, other\r\n\r\n",
    ),
  );
  const reply = station.next();
  assert.ok(reply?.type === "write");
  assert.match(
    new TextDecoder().decode(reply.bytes),
    /\r\nSec-WebSocket-Protocol: dimp\r\n/,
  );
});

Deno.test("endpoint [mtp]: MESSAGE_RESPONSE AGAIN acknowledges nothing; a 2021-style JSON body is delivered too", () => {
  const station = createEndpoint("mtp", "station");
  drain(station);
  const push = station.encodeMessage('{"pushed":1}');
  const sn = push.bytes.subarray(4, 12);
  const response = (body: string) =>
    encodeMtpPackage({ type: MtpType.MESSAGE_RESPONSE, sn, body });
  station.push(response("AGAIN"));
  assert.deepEqual(drain(station), []);
  station.push(response('{"reply":"2021"}'));
  assert.deepEqual(drain(station), [
    { type: "acknowledged", key: push.ackKey },
    { type: "payload", lines: ['{"reply":"2021"}'], replyTo: -1 },
  ]);
});

Deno.test("endpoint [mtp]: a send's ackKey is a number, distinct per send, matched only by the OK with its sn", () => {
  const station = createEndpoint("mtp", "station");
  drain(station);
  const pushes = [1, 2, 3].map((n) => station.encodeMessage(`{"n":${n}}`));
  const keys = pushes.map((p) => p.ackKey);
  for (const key of keys) assert.equal(typeof key, "number");
  assert.equal(new Set(keys).size, 3);
  const ok = (sn: Uint8Array) =>
    encodeMtpPackage({ type: MtpType.MESSAGE_RESPONSE, sn, body: "OK" });
  // an OK for an sn we never sent (one bit off the second push's)
  const other = pushes[1].bytes.slice(4, 12);
  other[7] ^= 0x80;
  station.push(ok(other));
  station.push(ok(pushes[1].bytes.subarray(4, 12)));
  const events = drain(station);
  assert.equal(events.length, 2);
  assert.ok(events[0].type === "acknowledged");
  assert.ok(events[1].type === "acknowledged");
  assert.ok(!keys.includes(events[0].key));
  assert.equal(events[1].key, keys[1]);
});

Deno.test("endpoint [mtp]: a reader reusing its buffer between reads gets whole messages, fragments included (kept as copies)", () => {
  const station = createEndpoint("mtp", "station");
  const client = createEndpoint("mtp", "client");
  const sn = new Uint8Array(8).fill(5);
  const whole = utf8('{"fragmented":"in three reads"}');
  const frames = [
    fragment(sn, 0, whole.subarray(0, 9)),
    fragment(sn, 1, whole.subarray(9, 20)),
    fragment(sn, 2, whole.subarray(20)),
    client.encodeMessage(utf8('{"whole":1}\n{"whole":2}')).bytes,
  ];
  const buffer = new Uint8Array(256); // one read buffer, reused
  const lines: (readonly string[])[] = [];
  for (const frame of frames) {
    buffer.set(frame);
    station.push(buffer.subarray(0, frame.length));
    for (const event of drain(station)) {
      if (event.type === "payload") lines.push(event.lines);
    }
    buffer.fill(0x7b); // the next read overwrites it
  }
  assert.deepEqual(lines, [
    ['{"fragmented":"in three reads"}'],
    ['{"whole":1}', '{"whole":2}'],
  ]);
});

Deno.test("endpoint [mtp]: a deferred reply takes its sn when deferred, and its frame, made later, is the message a client reads", () => {
  const station = createEndpoint("mtp", "station");
  drain(station);
  const texts = ['{"n":1}', '{"reply":"défé €"}', '{"n":3}'];
  const first = station.encodeMessage(texts[0]).bytes;
  const late = station.deferReply!(texts[1]);
  const third = station.encodeMessage(texts[2]).bytes;
  // written after the third was made: the sn stays the one it got
  const into = new Uint8Array(late.maxLength);
  const length = late.writeInto(into);
  assert.ok(length > late.length); // not ASCII: longer than counted
  assert.equal(late.writeInto(new Uint8Array(length - 1)), -1);
  const second = into.slice(0, length);
  assert.deepEqual(late.encode(), second);
  const sns = [first, second, third].map((frame) =>
    new DataView(frame.buffer, frame.byteOffset).getUint32(8)
  );
  assert.equal(sns[1], (sns[0] + 1) >>> 0);
  assert.equal(sns[2], (sns[1] + 1) >>> 0);
  const client = createEndpoint("mtp", "client");
  drain(client);
  for (const frame of [first, second, third]) client.push(frame);
  const lines = drain(client).flatMap((e) =>
    e.type === "payload" ? [...e.lines] : []
  );
  assert.deepEqual(lines, texts);
});
