/**
 * Micro benchmarks of the pure framing codecs: what one ~270-byte message
 * costs the station in each framing (decode, encode, both through an
 * endpoint), and the sniffer.
 * The socket-level load (packages/s, latency) is tests/bench/transport_load.ts.
 *
 * @module
 */
import {
  createEndpoint,
  encodeMtpPackage,
  encodeMtpPackageIn,
  encodeWsFrame,
  type Framing,
  MtpDecoder,
  MtpType,
  sniffFraming,
  WsDecoder,
  WsOpcode,
} from "../../dimp/transport/mod.ts";
import { ByteSlab } from "../../dimp/transport/byte_slab.ts";
import { decodeLines } from "../../dimp/transport/payload.ts";

const encoder = new TextEncoder();
const LINE =
  `{"sender":"moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ","receiver":"hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",` +
  `"time":1700000000.5,"data":"${"A".repeat(120)}","signature":"c2lnbmF0dXJl"}`;
const PAYLOAD = encoder.encode(LINE);
const SN = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

const MTP_PACKET = encodeMtpPackage({
  type: MtpType.MESSAGE,
  sn: SN,
  body: PAYLOAD,
});
const WS_FRAME = encodeWsFrame({
  opcode: WsOpcode.TEXT,
  payload: PAYLOAD,
  mask: new Uint8Array([1, 2, 3, 4]),
});

Deno.bench("MtpDecoder: one packet", { group: "decode" }, () => {
  const decoder = new MtpDecoder();
  decoder.push(MTP_PACKET);
  decoder.next();
});

Deno.bench("WsDecoder: one masked TEXT frame", { group: "decode" }, () => {
  const decoder = new WsDecoder();
  decoder.push(WS_FRAME);
  decoder.next();
});

Deno.bench("encodeMtpPackage: one message packet", { group: "encode" }, () => {
  encodeMtpPackage({ type: MtpType.MESSAGE, sn: SN, body: PAYLOAD });
});

// a routed text of `dim bench --size 256` is ~1.3 KB on the wire: each
// package in an array of its own (before round four) or from the
// endpoint's slab (after)
const TEXT_LINE = LINE.replace("A".repeat(120), "A".repeat(1100));
const TEXT_PACKET = encodeMtpPackage({
  type: MtpType.MESSAGE,
  sn: SN,
  body: TEXT_LINE,
});
const textDecoder = new MtpDecoder();
// a busy connection's slabs (a quiet one's first chunk's worth stands alone)
const decodeSlab = new ByteSlab();
decodeSlab.alloc(16 * 1024);
const slabDecoder = new MtpDecoder({ slab: decodeSlab });
const encodeSlab = new ByteSlab();
encodeSlab.alloc(16 * 1024);

Deno.bench("1.3 KB text: encode, an array each", { group: "slab" }, () => {
  encodeMtpPackage({ type: MtpType.MESSAGE, sn: SN, body: TEXT_LINE });
});
Deno.bench("1.3 KB text: encode, from a slab", { group: "slab" }, () => {
  encodeMtpPackageIn(encodeSlab, {
    type: MtpType.MESSAGE,
    sn: SN,
    body: TEXT_LINE,
  });
});
Deno.bench("1.3 KB text: decode, a copy each", { group: "slab" }, () => {
  textDecoder.push(TEXT_PACKET);
  textDecoder.next();
});
Deno.bench("1.3 KB text: decode, copied to a slab", { group: "slab" }, () => {
  slabDecoder.push(TEXT_PACKET);
  slabDecoder.next();
});

// a received text's line to the string the pipeline parses
const TEXT_BODY = encoder.encode(TEXT_LINE);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
Deno.bench("1.3 KB line: the strict decoder alone", {
  group: "lines",
  baseline: true,
}, () => {
  strictUtf8.decode(TEXT_BODY);
});
Deno.bench("1.3 KB line: decodeLines", { group: "lines" }, () => {
  decodeLines([TEXT_BODY]);
});

Deno.bench(
  "encodeWsFrame: one unmasked TEXT frame",
  { group: "encode" },
  () => {
    encodeWsFrame({ opcode: WsOpcode.TEXT, payload: PAYLOAD });
  },
);

Deno.bench("sniffFraming: an MTP first chunk", { group: "sniff" }, () => {
  sniffFraming(MTP_PACKET);
});

Deno.bench("sniffFraming: a WebSocket upgrade", { group: "sniff" }, () => {
  sniffFraming(
    encoder.encode(
      "GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    ),
  );
});

for (const framing of ["mtp", "mars", "ws", "plain"] as Framing[]) {
  const station = createEndpoint(framing, "station");
  const client = createEndpoint(framing, "client", { host: "127.0.0.1:9394" });
  const start = client.start();
  if (start !== null) station.push(start);
  for (
    let e = station.next();
    e !== null;
    e = station.next()
  ) { /* the upgrade */ }
  const message = client.encodeMessage(PAYLOAD).bytes;
  Deno.bench(`station endpoint [${framing}]: message in, echo reply out`, {
    group: "endpoint",
  }, () => {
    station.push(message);
    for (let e = station.next(); e !== null; e = station.next()) {
      // the session answers with strings, as the station does
      if (e.type === "payload") station.encodeReplies(e.replyTo, e.lines);
    }
  });
}
