/**
 * What the station relies on when routing: the cheap parse, broadcast
 * detection, key direction, members kept byte-exact, the cached text, and
 * the serial numbers and type table underneath.
 */
import assert from "node:assert/strict";
import {
  ContentType,
  nextSerialNumber,
  parseContentType,
  SerialNumberGenerator,
} from "../../../dimp/content/mod.ts";
import { parseId } from "../../../dimp/identity/mod.ts";
import {
  Envelope,
  expandMessageKeys,
  InstantMessage,
  MessageFormatError,
  ReliableMessage,
} from "../../../dimp/message/mod.ts";
import { knowDataBytes } from "../../../dimp/message/secure.ts";
import { base64Decode } from "../../../dimp/crypto/mod.ts";
import { type Json, messagesFile } from "./_fixtures.ts";

const file = messagesFile();
const personal = file.messages.find((m) =>
  m.label === "personal/text/rsa-signer"
)!;
const overt = file.messages.find((m) =>
  m.label === "personal/text/group-overt"
)!;
const handshake = file.messages.find((m) =>
  m.label === "broadcast/handshake/station@anywhere"
)!;
const alice = parseId(file.accounts.alice.id);
const bob = parseId(file.accounts.bob.id);
const team = parseId(file.accounts.group.id);

Deno.test("ReliableMessage.parse: routing members, lazily everything else", () => {
  const msg = ReliableMessage.parse(utf8(personal.wire));
  assert.equal(msg.sender.value, alice.value);
  assert.equal(msg.receiver.value, bob.value);
  assert.equal(msg.type, 1); // the string "1" of v2.3
  assert.equal(msg.time, 1700000000.5);
  assert.equal(msg.group, undefined);
  assert.equal(msg.isBroadcast, false);
  assert.equal(msg.signatureBytes.length, 128);
  assert.equal(msg.signature, personal.reliable.signature);
  assert.deepEqual(msg.traces, []);
  // nothing changed: the received text is what goes on
  assert.equal(msg.serialize(), personal.wire);
});

Deno.test("ReliableMessage: set() keeps data, key, IV, signature and unknown members byte-exact", () => {
  const wire = personal.wire.slice(0, -1) + ', "x-unknown": {"keep": [1, 2]}}';
  const msg = ReliableMessage.parse(wire);
  const node = { ID: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC", time: 1 };
  msg.set("traces", [node]);
  msg.set("GF", true);
  const out = JSON.parse(msg.serialize()) as Json;
  for (const name of ["data", "key", "IV", "signature", "time", "type"]) {
    assert.equal(out[name], personal.reliable[name], name);
  }
  assert.deepEqual(out["x-unknown"], { keep: [1, 2] });
  assert.deepEqual(out.traces, [node]);
  msg.set("GF", undefined);
  assert.equal(JSON.parse(msg.serialize()).GF, undefined);
  for (const name of ["sender", "receiver", "data", "signature"]) {
    assert.throws(() => msg.set(name, "x"), TypeError);
  }
});

Deno.test("ReliableMessage: a new member is appended to the received text as it was (spacing kept); changing one serialises again", () => {
  const wire = personal.wire.slice(0, -1) + ', "x": [1, 2] }\n';
  const msg = ReliableMessage.parse(wire);
  const node = { ID: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC", time: 1 };
  msg.set("traces", [node]);
  assert.equal(
    msg.serialize(),
    `${wire.slice(0, wire.lastIndexOf("}"))},"traces":${
      JSON.stringify([node])
    }}\n`,
  );
  assert.deepEqual(JSON.parse(msg.serialize()), msg.dictionary);
  msg.set("traces", [node, node]); // not new: the whole message again
  assert.equal(msg.serialize(), JSON.stringify(msg.dictionary));
});

Deno.test("ReliableMessage.serializeInParts: the received text and an appended member unjoined; a message made here split at its data; the same text as serialize()", () => {
  const wire = personal.wire.slice(0, -1) + ', "x": [1, 2] }\n';
  const received = ReliableMessage.parse(wire);
  assert.equal(received.serializeInParts(), wire);
  const node = { ID: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC", time: 1 };
  received.set("traces", [node]);
  const parts = received.serializeInParts();
  assert.ok(typeof parts !== "string" && parts.length === 2);
  assert.equal(parts[0], wire.slice(0, wire.lastIndexOf("}")));
  const appended = parts.join("");
  assert.equal(received.serialize(), appended);
  assert.equal(received.serializeInParts(), appended); // joined once, kept
  received.forgetText();
  assert.equal(
    [received.serializeInParts()].flat().join(""),
    JSON.stringify(received.dictionary),
  );
  // signed here: split at its data, whatever the members' order
  const base = personal.reliable as Record<string, unknown>;
  const { data, ...rest } = base;
  for (
    const dict of [
      { ...base },
      { data, ...rest },
      { ...rest, data },
      { ...rest, data, skipped: undefined, "1": "first in JSON" },
    ]
  ) {
    const made = ReliableMessage.parse(dict);
    assert.equal(made.serializeInParts(), JSON.stringify(dict));
    made.forgetText();
    const bytes = base64Decode(data as string);
    knowDataBytes(made, bytes);
    const split = made.serializeInParts();
    assert.ok(typeof split !== "string" && split.length === 3);
    // data as its bytes (their base64 made by the frame writer)
    assert.deepEqual(split[1], { base64: bytes });
    const [head, , tail] = split;
    assert.ok(typeof head === "string" && head.endsWith('"data":"'));
    assert.ok(typeof tail === "string" && tail.startsWith('"'));
    assert.equal(head + data + tail, JSON.stringify(dict));
    assert.equal(made.serialize(), JSON.stringify(dict));
  }
});

Deno.test("ReliableMessage: SDT, GF, muted and a local error are read; the error is removed before forwarding", () => {
  const dict = {
    ...personal.reliable,
    SDT: "1700000000.25",
    GF: true,
    muted: true,
    error: { message: "verify key not found", user: alice.value },
  };
  const msg = ReliableMessage.parse(JSON.stringify(dict));
  assert.equal(msg.senderDocumentTime, 1700000000.25);
  assert.ok(msg.isGroupFanOut && msg.isMuted);
  assert.equal(msg.error?.message, "verify key not found");
  msg.set("error", undefined);
  assert.equal(JSON.parse(msg.serialize()).error, undefined);
  const plain = ReliableMessage.parse(personal.wire);
  assert.equal(plain.senderDocumentTime, undefined);
  assert.ok(
    !plain.isGroupFanOut && !plain.isMuted && plain.error === undefined,
  );
});

Deno.test("ReliableMessage: traces in the 2021 form (strings) are read as received", () => {
  const dict = { ...personal.reliable, traces: ["s1@anywhere", { did: "s2" }] };
  const msg = ReliableMessage.parse(JSON.stringify(dict));
  assert.deepEqual(msg.traces, ["s1@anywhere", { did: "s2" }]);
});

Deno.test("broadcast detection reads the receiver and the top-level group (spec §2.5)", () => {
  const cases: [string, unknown, boolean, string][] = [
    [bob.value, undefined, false, bob.value],
    [team.value, undefined, false, team.value],
    ["anyone@anywhere", undefined, true, "anyone@anywhere"],
    ["station@anywhere", undefined, true, "station@anywhere"],
    [bob.value, "stations@everywhere", true, "stations@everywhere"],
    [bob.value, team.value, false, team.value],
    ["station@anywhere", team.value, true, "station@anywhere"],
    [bob.value, "abc", false, bob.value], // not an ID: read as absent
    [bob.value, 42, false, bob.value],
  ];
  for (const [receiver, group, broadcast, destination] of cases) {
    const env = Envelope.parse({ sender: alice.value, receiver, group });
    assert.equal(env.isBroadcast, broadcast, `${receiver} ${group}`);
    assert.equal(env.destination.value, destination, `${receiver} ${group}`);
  }
  // the content group does not count, only the envelope's
  const msg = ReliableMessage.parse(handshake.wire);
  assert.ok(msg.isBroadcast);
  assert.equal(msg.group, undefined);
  const split = ReliableMessage.parse(overt.wire);
  assert.equal(split.group?.value, team.value);
  assert.ok(split.destination.equals(team));
});

Deno.test("ReliableMessage.parse: attachments are normalised as dimples does (meta type+version, visa did+ID)", () => {
  const msg = ReliableMessage.parse(handshake.wire);
  assert.equal(msg.meta?.type, 1);
  assert.equal(msg.meta?.version, 1);
  assert.equal(msg.visa?.ID, alice.value);
  assert.equal(msg.visa?.did, alice.value);
  // changed members mean a new text
  assert.notEqual(msg.serialize(), handshake.wire);
  assert.deepEqual(JSON.parse(msg.serialize()), msg.dictionary);
  // 2021 `profile` is read as the visa
  const { visa, ...rest } = structuredClone(handshake.reliable);
  const legacy = ReliableMessage.parse({ ...rest, profile: visa });
  assert.equal(legacy.visa?.did, alice.value);
});

Deno.test("expandMessageKeys: K is key for a string and keys for an object; long names win", () => {
  const a: Json = { K: "abc", F: "x", sender: "y" };
  assert.ok(expandMessageKeys(a));
  assert.deepEqual(a, { key: "abc", F: "x", sender: "y" });
  const b: Json = { K: { m: "1" } };
  expandMessageKeys(b);
  assert.deepEqual(b, { keys: { m: "1" } });
  assert.equal(expandMessageKeys({ sender: "s", S: "reserved" }), false);
});

Deno.test("InstantMessage: time from the content, else the envelope; content parsed once", () => {
  const msg = InstantMessage.parse(
    structuredClone(personal.instant_before_encrypt),
  );
  assert.equal(msg.time, 1700000000.5);
  assert.equal(msg.content, msg.content);
  assert.throws(
    () => InstantMessage.parse({ sender: alice.value, receiver: bob.value }),
    (e) => e instanceof MessageFormatError && e.field === "content",
  );
});

Deno.test("serial numbers: random start in 1..2^31-1, increment, wrap to 1", () => {
  const gen = new SerialNumberGenerator(0x7ffffffe);
  assert.deepEqual([gen.next(), gen.next(), gen.next()], [
    0x7ffffffe,
    0x7fffffff,
    1,
  ]);
  assert.throws(() => new SerialNumberGenerator(0), RangeError);
  const a = nextSerialNumber();
  const b = nextSerialNumber();
  assert.ok(a >= 1 && a <= 0x7fffffff && Number.isInteger(a));
  assert.equal(b, a === 0x7fffffff ? 1 : a + 1);
});

Deno.test("content types: numbers, numeric strings and aliases", () => {
  assert.equal(parseContentType(136), ContentType.COMMAND);
  assert.equal(parseContentType("136"), ContentType.COMMAND);
  assert.equal(parseContentType("command"), ContentType.COMMAND);
  assert.equal(parseContentType("card"), ContentType.NAME_CARD);
  assert.equal(parseContentType("1.0"), undefined);
  assert.equal(parseContentType(-1), undefined);
  assert.equal(parseContentType("toString"), undefined);
  assert.equal(parseContentType(null), undefined);
});

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

Deno.test("ReliableMessage.parse: UTF-8 with a real U+FFFD is valid; broken UTF-8 is not", () => {
  const wire = personal.wire.slice(0, -1) + ', "note": "\uFFFD ok"}';
  const msg = ReliableMessage.parse(new TextEncoder().encode(wire));
  assert.equal(msg.get("note"), "\uFFFD ok");
  const broken = new TextEncoder().encode(wire);
  broken[broken.length - 8] = 0xc3; // a lead byte without its continuation
  assert.throws(
    () => ReliableMessage.parse(broken),
    (e) => e instanceof MessageFormatError && e.field === undefined,
  );
});

Deno.test("ReliableMessage.parse: the signature forms — plain base64 decoded when first asked for, TED forms and line breaks at once, anything else refused", () => {
  const dict = JSON.parse(personal.wire) as Record<string, unknown>;
  const plain = personal.reliable.signature as string;
  const expected = Uint8Array.fromBase64(plain);
  const withSignature = (signature: unknown) =>
    ReliableMessage.parse(JSON.stringify({ ...dict, signature }));
  for (
    const form of [
      plain,
      `base64,${plain}`,
      plain.slice(0, 40) + "\r\n" + plain.slice(40),
      `data:application/octet-stream;base64,${plain}`,
    ]
  ) {
    assert.deepEqual(withSignature(form).signatureBytes, expected, form);
  }
  for (const bad of ["", "A===", "AB=", "!!!!", "====", "base64,A===", 7]) {
    assert.throws(
      () => withSignature(bad),
      MessageFormatError,
      JSON.stringify(bad),
    );
  }
  // the shortest plain forms decode to at least one byte
  assert.equal(withSignature("AA==").signatureBytes.length, 1);
});
