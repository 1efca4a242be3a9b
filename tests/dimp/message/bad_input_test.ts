/**
 * The bad-input table of the message layer: every malformed, forged,
 * misaddressed, truncated, oversized or absurdly nested input ends in its
 * typed error (or, where the spec says so, is kept opaque) — never a crash.
 */
import assert from "node:assert/strict";
import { Command, HandshakeCommand } from "../../../dimp/command/mod.ts";
import {
  Content,
  incomingCompat,
  outgoingCompat,
  parseContent,
  TextContent,
} from "../../../dimp/content/mod.ts";
import {
  base64Encode,
  generateSymmetricKey,
  parsePublicKey,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import {
  DecryptionError,
  MAX_MESSAGE_BYTES,
  MessageError,
  MessageFormatError,
  MessagePacker,
  MessageSignatureError,
  MessageTooLargeError,
  ReliableMessage,
  SecureMessage,
} from "../../../dimp/message/mod.ts";
import {
  type Json,
  messagesDirectory,
  messagesFile,
  messagesUser,
} from "./_fixtures.ts";

const file = messagesFile();
const { alice, bob, carol } = file.accounts;
const personal = file.messages.find((m) =>
  m.label === "personal/text/rsa-signer"
)!;
const other = file.messages.find((m) =>
  m.label === "personal/text/reused-key"
)!;
const broadcast = file.messages.find((m) =>
  m.label === "broadcast/text/everyone"
)!;

function packerOf(user = bob): MessagePacker {
  return new MessagePacker({
    user: messagesUser(user),
    directory: messagesDirectory(),
  });
}

function valid(): Json {
  return structuredClone(personal.reliable);
}

type ErrorCheck = (e: unknown) => boolean;

function formatError(field: string | undefined): ErrorCheck {
  return (e) => e instanceof MessageFormatError && e.field === field;
}

const PARSE_TABLE: [string, string | Uint8Array | Json, ErrorCheck][] = [
  ["empty text", "", formatError(undefined)],
  ["four bytes", "{}  ", formatError(undefined)],
  ["not JSON", "{sender: alice}", formatError(undefined)],
  ["truncated JSON", personal.wire.slice(0, 200), formatError(undefined)],
  ["JSON array", JSON.stringify([valid()]), formatError(undefined)],
  ["JSON string", JSON.stringify("message"), formatError(undefined)],
  ["JSON null", "null ", formatError(undefined)],
  [
    "not UTF-8",
    new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    formatError(undefined),
  ],
  ["sender missing", { ...valid(), sender: undefined }, formatError("sender")],
  ["sender a number", { ...valid(), sender: 42 }, formatError("sender")],
  ["sender too short", { ...valid(), sender: "a@b" }, formatError("sender")],
  [
    "sender with two @",
    { ...valid(), sender: "a@b@cdefgh" },
    formatError("sender"),
  ],
  [
    "receiver missing",
    { ...valid(), receiver: undefined },
    formatError("receiver"),
  ],
  ["receiver an array", { ...valid(), receiver: [] }, formatError("receiver")],
  ["data missing", { ...valid(), data: undefined }, formatError("data")],
  ["data empty", { ...valid(), data: "" }, formatError("data")],
  ["data an object", { ...valid(), data: { x: 1 } }, formatError("data")],
  [
    "signature missing",
    { ...valid(), signature: undefined },
    formatError("signature"),
  ],
  [
    "signature a number",
    { ...valid(), signature: 7 },
    formatError("signature"),
  ],
  [
    "signature not base64",
    { ...valid(), signature: "abc" },
    formatError("signature"),
  ],
  [
    "signature of no bytes",
    { ...valid(), signature: "!!!!" },
    formatError("signature"),
  ],
  [
    "10 MB data over the default limit",
    JSON.stringify({ ...valid(), data: "A".repeat(10 * 1024 * 1024) }),
    (e) =>
      e instanceof MessageTooLargeError && e.limit === MAX_MESSAGE_BYTES &&
      e.size > 10 * 1024 * 1024,
  ],
  [
    "10 MB data as bytes over the default limit",
    utf8Encode(
      JSON.stringify({ ...valid(), data: "A".repeat(10 * 1024 * 1024) }),
    ),
    (e) => e instanceof MessageTooLargeError,
  ],
  [
    "deeply nested JSON at the top",
    "[".repeat(100_000) + "]".repeat(100_000),
    formatError(undefined),
  ],
];

for (const [label, input, check] of PARSE_TABLE) {
  Deno.test(`bad input ReliableMessage.parse: ${label}`, () => {
    const clean = typeof input === "object" && !(input instanceof Uint8Array)
      ? JSON.parse(JSON.stringify(input))
      : input;
    assert.throws(() => ReliableMessage.parse(clean), (e) => {
      assert.ok(e instanceof MessageError, String(e));
      return check(e);
    });
  });
}

Deno.test("bad input SecureMessage.parse: missing data, wrong types", () => {
  assert.throws(
    () => SecureMessage.parse({ ...valid(), data: undefined }),
    formatError("data"),
  );
  assert.throws(() => SecureMessage.parse("x"), formatError(undefined));
  assert.throws(
    () => SecureMessage.parse({ ...valid(), sender: null }),
    formatError("sender"),
  );
});

/** Runs the receiving pipeline; expects the typed failure. */
async function rejects(
  dict: Json,
  check: ErrorCheck,
  reader = packerOf(),
): Promise<void> {
  const msg = ReliableMessage.parse(JSON.parse(JSON.stringify(dict)), {
    maxBytes: 64 * 1024 * 1024,
  });
  await assert.rejects(reader.unpack(msg), (e) => {
    assert.ok(e instanceof MessageError, String(e));
    return check(e);
  });
}

Deno.test("bad input unpack: data not base64", async () => {
  await rejects({ ...valid(), data: "#not base64#" }, formatError("data"));
});

Deno.test("bad input unpack: the signature of another message", async () => {
  await rejects(
    { ...valid(), signature: other.reliable.signature },
    (e) => e instanceof MessageSignatureError && e.sender === alice.id,
  );
});

Deno.test("bad input unpack: a signature of the right length but flipped bits", async () => {
  const sig = Uint8Array.fromBase64(personal.reliable.signature as string);
  sig[10] ^= 0xff;
  await rejects(
    { ...valid(), signature: base64Encode(sig) },
    (e) => e instanceof MessageSignatureError,
  );
});

Deno.test("bad input unpack: truncated data fails the signature, and decryption when not verified", async () => {
  const data = (personal.reliable.data as string).slice(0, 64);
  const truncated = { ...valid(), data };
  await rejects(truncated, (e) => e instanceof MessageSignatureError);
  await assert.rejects(
    packerOf().decrypt(ReliableMessage.parse(truncated)),
    (e) => e instanceof DecryptionError && e.reason === "data",
  );
});

Deno.test("bad input unpack: the key encrypted for someone else", async () => {
  const carolKey = parsePublicKey(carol.msg_public_key);
  const sealed = await carolKey.encrypt!(
    utf8Encode(JSON.stringify(file.fixed_inputs.aes_key)),
  );
  await rejects(
    { ...valid(), key: base64Encode(sealed) },
    (e) =>
      e instanceof DecryptionError && e.reason === "key" &&
      e.sender === alice.id,
  );
});

Deno.test("bad input unpack: key not base64, IV not 16 bytes", async () => {
  await rejects({ ...valid(), key: "abc" }, formatError("key"));
  await rejects({ ...valid(), IV: "AAAA" }, formatError("IV"));
});

Deno.test("bad input unpack: a wrong IV garbles the content (typed, not a crash)", async () => {
  const iv = base64Encode(new Uint8Array(16).fill(7));
  // only the first block changes: still padded, but the JSON breaks
  await rejects(
    { ...valid(), IV: iv },
    (e) => e instanceof DecryptionError && e.reason === "content",
  );
});

Deno.test("bad input unpack: a message for another user", async () => {
  await rejects(
    valid(),
    (e) => e instanceof DecryptionError && e.reason === "not-for-me",
    packerOf(carol),
  );
});

Deno.test("bad input unpack: keys with junk entries (digest, numbers) are ignored", async () => {
  const { key, ...rest } = valid();
  const msg = {
    ...rest,
    keys: { digest: "AbCdEfGh", [carol.id]: 5, [bob.id]: key },
  };
  const instant = await packerOf().unpack(ReliableMessage.parse(msg));
  assert.equal((instant.content as TextContent).text, file.fixed_inputs.text);
});

/** A message from alice to bob whose plaintext is exactly `body`. */
async function sealedBody(body: Uint8Array): Promise<Json> {
  const aes = generateSymmetricKey();
  const dict: Json = {
    sender: alice.id,
    receiver: bob.id,
    time: 1700000000.5,
  };
  const data = await aes.encrypt(body, dict);
  dict.data = base64Encode(data);
  dict.key = base64Encode(
    await parsePublicKey(bob.msg_public_key).encrypt!(
      utf8Encode(JSON.stringify(aes.toDictionary())),
    ),
  );
  dict.signature = base64Encode(await messagesUser(alice).signKey.sign(data));
  return dict;
}

Deno.test("bad input unpack: plaintext that is not JSON, not an object, not UTF-8", async () => {
  for (
    const body of [
      utf8Encode("hello"),
      utf8Encode("[1, 2, 3]"),
      utf8Encode("null"),
      new Uint8Array([0x7b, 0xff, 0x7d]),
    ]
  ) {
    await rejects(
      await sealedBody(body),
      (e) => e instanceof DecryptionError && e.reason === "content",
    );
  }
});

Deno.test("bad input unpack: a key that decrypts to something that is not a key", async () => {
  const dict = await sealedBody(utf8Encode('{"type":1,"text":"x"}'));
  dict.key = base64Encode(
    await parsePublicKey(bob.msg_public_key).encrypt!(
      utf8Encode('{"algorithm":"RSA"}'),
    ),
  );
  await rejects(
    dict,
    (e) => e instanceof DecryptionError && e.reason === "key",
  );
});

Deno.test("bad input: a 10 MB data field under a raised limit parses, and fails verification cleanly", async () => {
  const huge = { ...valid(), data: "QUFB".repeat(2_621_440) };
  const text = JSON.stringify(huge);
  const msg = ReliableMessage.parse(text, { maxBytes: 16 * 1024 * 1024 });
  assert.equal(msg.data.length, 10 * 1024 * 1024);
  assert.equal(msg.serialize(), text);
  await rejects(huge, (e) => e instanceof MessageSignatureError);
  await assert.rejects(
    packerOf().decrypt(msg),
    (e) => e instanceof DecryptionError,
  );
});

Deno.test("bad input: deeply nested unknown members are kept and forwarded", () => {
  const depth = 100_000;
  const text = personal.wire.slice(0, -1) + ', "x": ' + "[".repeat(depth) +
    "]".repeat(depth) + "}";
  const msg = ReliableMessage.parse(text, { maxBytes: 1024 * 1024 });
  assert.equal(msg.sender.value, alice.id);
  msg.set("traces", ["gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC"]);
  const again = ReliableMessage.parse(msg.serialize());
  assert.deepEqual(again.traces, msg.traces);
});

Deno.test("bad input: deeply nested content members do not break compat or the factory", async () => {
  const depth = 100_000;
  const body = utf8Encode(
    '{"type": 136, "command": "login", "station": ' + "[".repeat(depth) +
      "]".repeat(depth) + ', "did": {"ID": ' + '{"a":'.repeat(depth) + "1" +
      "}".repeat(depth) + "}}",
  );
  const instant = await packerOf().unpack(
    ReliableMessage.parse(await sealedBody(body)),
  );
  const content = instant.content;
  assert.ok(content instanceof Command);
  assert.equal(content.name, "login");
  outgoingCompat(content.dictionary);
  assert.equal(typeof JSON.stringify(content.dictionary), "string");
});

Deno.test("bad input: deeply nested attachments are ignored, not fatal", async () => {
  const depth = 10_000;
  const nested = JSON.parse("[".repeat(depth) + "]".repeat(depth));
  const dict = {
    ...structuredClone(broadcast.reliable),
    meta: { type: 1, key: nested },
    visa: { did: alice.id, data: "{}", signature: "AAAA", extra: nested },
  };
  // alice is known to the directory: the junk attachments are not used
  const instant = await packerOf().unpack(ReliableMessage.parse(dict));
  assert.equal((instant.content as TextContent).text, "hello everyone");
});

Deno.test("bad input contents: unknown types and commands are kept opaque", () => {
  const unknown = { type: 0x99, sn: 1, custom: { deep: [1, 2] } };
  const content = parseContent(incomingCompat(structuredClone(unknown)));
  assert.equal(content.constructor, Content);
  assert.deepEqual(content.dictionary, unknown);
  const command = parseContent(
    incomingCompat({ type: 136, sn: 2, command: "teleport", to: "mars" }),
  );
  assert.equal(command.constructor, Command);
  assert.equal((command as Command).name, "teleport");
  assert.equal(command.dictionary.to, "mars");
  assert.equal(command.dictionary.cmd, "teleport");
  const nameless = parseContent(incomingCompat({ type: 136, sn: 3 }));
  assert.equal((nameless as Command).name, "");
  const typeless = parseContent(incomingCompat({ sn: 4, text: "?" }));
  assert.equal(typeless.type, 0);
  assert.equal(typeless.constructor, Content);
});

Deno.test("bad input contents: wrong member types read as absent", () => {
  const text = parseContent({ type: 1, text: 42, sn: "x", time: "later" });
  assert.ok(text instanceof TextContent);
  assert.equal(text.text, "");
  assert.equal(text.sn, undefined);
  assert.equal(text.time, undefined);
  const handshake = parseContent({
    type: 136,
    command: "handshake",
    title: ["DIM?"],
    session: 5,
    remote_address: ["127.0.0.1"],
  });
  assert.ok(handshake instanceof HandshakeCommand);
  assert.equal(handshake.title, "");
  assert.equal(handshake.session, undefined);
  assert.equal(handshake.remoteAddress, undefined);
  assert.equal(handshake.state, "unknown");
});
