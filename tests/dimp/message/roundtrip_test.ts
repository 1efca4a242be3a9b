/**
 * Round trips through our packer with fresh accounts: user → user (RSA and
 * ECC signers), user → group (per-member keys), split group messages,
 * broadcast, a client handshaking with a station that knows nothing of it
 * (attachments), key reuse, and receipts that reuse the encrypted key.
 */
import assert from "node:assert/strict";
import { HandshakeCommand, ReceiptCommand } from "../../../dimp/command/mod.ts";
import { TextContent } from "../../../dimp/content/mod.ts";
import { base64Decode, utf8Encode } from "../../../dimp/crypto/mod.ts";
import {
  ANY_STATION,
  Document,
  DocumentType,
  EntityType,
  EVERY_STATION,
  EVERYONE,
  Meta,
  MetaType,
} from "../../../dimp/identity/mod.ts";
import {
  type Attachments,
  DecryptionError,
  InstantMessage,
  KeyNotFoundError,
  MemoryCipherKeyCache,
  MessageFormatError,
  MessagePacker,
  MessageSignatureError,
  ReliableMessage,
} from "../../../dimp/message/mod.ts";
import {
  generatePrivateKey,
  type PrivateKey,
} from "../../../dimp/crypto/mod.ts";
import { MapDirectory, type NewAccount, newAccount } from "./_fixtures.ts";

const alice = await newAccount("alice", "RSA");
const bob = await newAccount("bob", "ECC");
const carol = await newAccount("carol", "ECC");
const dave = await newAccount("dave", "RSA");
const station = await newAccount("station", "ECC", EntityType.STATION);
const teamKey = await generatePrivateKey("ECC");
const teamMeta = await Meta.generate(MetaType.MKM, teamKey, "team");
const team = teamMeta.generateId(EntityType.GROUP);

function directoryOf(...accounts: NewAccount[]): MapDirectory {
  const directory = new MapDirectory();
  for (const a of accounts) directory.add(a.user.id.value, a.meta, a.visa);
  directory.add(team.value, teamMeta);
  directory.setMembers(
    team.value,
    [alice, bob, carol].map((a) => a.user.id.value),
  );
  return directory;
}

function packerOf(
  account: NewAccount,
  directory = directoryOf(alice, bob, carol, dave, station),
) {
  return new MessagePacker({ user: account.user, directory });
}

/** Sends through the wire form: serialise, parse, unpack. */
function deliver(
  reliable: ReliableMessage,
  reader: MessagePacker,
): Promise<InstantMessage> {
  const wire = utf8Encode(reliable.serialize());
  return reader.unpack(ReliableMessage.parse(wire));
}

for (
  const [from, to, label] of [[alice, bob, "RSA"], [bob, alice, "ECC"]] as const
) {
  Deno.test(`round trip user -> user, ${label} signer`, async () => {
    const content = TextContent.create("Hi! 你好 😀");
    const reliable = await packerOf(from).packContent(to.user.id, content);
    assert.equal(reliable.type, 1);
    assert.ok(reliable.key !== undefined && reliable.keys === undefined);
    assert.equal(base64Decode(reliable.iv!).length, 16);
    const instant = await deliver(reliable, packerOf(to));
    assert.ok(instant.content instanceof TextContent);
    assert.equal(instant.content.text, "Hi! 你好 😀");
    assert.deepEqual(instant.content.dictionary, content.dictionary);
    assert.equal(instant.sender.value, from.user.id.value);
    // someone else cannot read it
    await assert.rejects(
      deliver(reliable, packerOf(carol)),
      (e) => e instanceof DecryptionError && e.reason === "not-for-me",
    );
  });
}

Deno.test("round trip user -> group: one data, a key per member, every member reads", async () => {
  const content = TextContent.create("hello team", { group: team });
  const reliable = await packerOf(alice).packContent(team, content);
  assert.deepEqual(
    Object.keys(reliable.keys!).sort(),
    [alice, bob, carol].map((a) => a.user.id.value).sort(),
  );
  assert.equal(reliable.key, undefined);
  for (const member of [alice, bob, carol]) {
    const instant = await deliver(reliable, packerOf(member));
    assert.equal((instant.content as TextContent).text, "hello team");
    assert.equal(instant.content.group?.value, team.value);
  }
  // a non-member has no key and no cached key
  await assert.rejects(
    deliver(reliable, packerOf(dave)),
    (e) => e instanceof DecryptionError && e.reason === "no-key",
  );
});

Deno.test("round trip group message split by a relay: each member's copy reads with the signature intact", async () => {
  const whole = await packerOf(alice).packContent(
    team,
    TextContent.create("for the bot to split", { group: team }),
  );
  for (const member of [bob, carol]) {
    const copy = whole.splitFor(member.user.id)!;
    assert.equal(copy.receiver.value, member.user.id.value);
    assert.equal(copy.group?.value, team.value);
    assert.equal(copy.keys, undefined);
    assert.equal(copy.signature, whole.signature);
    const instant = await deliver(copy, packerOf(member));
    assert.equal((instant.content as TextContent).text, "for the bot to split");
  }
  assert.equal(whole.splitFor(dave.user.id), undefined);
});

Deno.test("round trip split group message: key direction sender -> group, reused for every member", async () => {
  const packer = packerOf(alice);
  const toBob = await packer.packContent(
    bob.user.id,
    TextContent.create("split", { group: team }),
    { group: team },
  );
  const toCarol = await packer.packContent(
    carol.user.id,
    TextContent.create("split", { group: team }),
    { group: team },
  );
  assert.equal(toBob.group?.value, team.value);
  assert.ok(toBob.destination.equals(team));
  const bobReader = packerOf(bob);
  const carolReader = packerOf(carol);
  await deliver(toBob, bobReader);
  await deliver(toCarol, carolReader);
  // both cached the same key under (alice, team)
  const k1 = await bobReader.cipherKeys.get(alice.user.id, team);
  const k2 = await carolReader.cipherKeys.get(alice.user.id, team);
  assert.deepEqual(k1?.toDictionary(), k2?.toDictionary());
});

Deno.test("round trip key reuse: a receiver's direct key and a group's key stay sealed side by side", async () => {
  const packer = packerOf(alice);
  const direct = () => packer.packContent(bob.user.id, TextContent.create("d"));
  const grouped = () =>
    packer.packContent(
      bob.user.id,
      TextContent.create("g", { group: team }),
      { group: team },
    );
  const [d1, g1, d2, g2] = [
    await direct(),
    await grouped(),
    await direct(),
    await grouped(),
  ];
  assert.ok(d1.key !== undefined && g1.key !== undefined);
  assert.notEqual(g1.key, d1.key, "two keys, sealed apart");
  assert.equal(d2.key, d1.key, "the direct key's seal is kept");
  assert.equal(g2.key, g1.key, "the group key's seal is kept");
  const reader = packerOf(bob);
  for (const msg of [d1, g1, d2, g2]) await deliver(msg, reader);
});

Deno.test("round trip broadcast: plain JSON data, no key, anyone reads", async () => {
  const content = TextContent.create("hello everyone");
  const reliable = await packerOf(alice).packContent(EVERYONE, content);
  assert.ok(reliable.isBroadcast);
  assert.deepEqual(JSON.parse(reliable.data), content.dictionary);
  for (const name of ["key", "keys", "IV"]) {
    assert.equal(reliable.get(name), undefined);
  }
  const instant = await deliver(reliable, packerOf(carol));
  assert.equal((instant.content as TextContent).text, "hello everyone");
  // a stranger's station reads it too, knowing only the sender's meta
  const stranger = new MessagePacker({
    user: station.user,
    directory: new MapDirectory().add(alice.user.id.value, alice.meta),
  });
  await deliver(reliable, stranger);
});

Deno.test("round trip to a station: handshake with attachments, DIM?, restart, DIM!", async () => {
  // the station knows nobody; it learns the client from the attachments
  const stationDirectory = new MapDirectory();
  const saved: Attachments[] = [];
  const stationPacker = new MessagePacker({
    user: station.user,
    directory: stationDirectory,
    onAttachments: (sender, found) => {
      saved.push(found);
      if (found.meta) stationDirectory.metas.set(sender.value, found.meta);
      if (found.visa) stationDirectory.visas.set(sender.value, found.visa);
    },
  });
  // the client knows nothing of the station either
  const clientDirectory = new MapDirectory();
  const clientPacker = new MessagePacker({
    user: bob.user,
    directory: clientDirectory,
    onAttachments: (sender, found) => {
      if (found.meta) clientDirectory.metas.set(sender.value, found.meta);
      if (found.visa) clientDirectory.visas.set(sender.value, found.visa);
    },
  });

  const offer = await clientPacker.packContent(
    ANY_STATION,
    HandshakeCommand.offer(undefined, { group: EVERY_STATION }),
    { attach: true },
  );
  assert.ok(offer.isBroadcast);
  assert.equal(offer.meta?.type, MetaType.MKM);
  assert.equal(offer.visa?.did, bob.user.id.value);
  const received = await deliver(offer, stationPacker);
  assert.equal(saved.length, 1);
  assert.ok(saved[0].meta && saved[0].visa);
  const hello = received.content;
  assert.ok(hello instanceof HandshakeCommand);
  assert.equal(hello.state, "start");

  const session = "8b0a2ef3e8a9f1c4d5e6f7a8b9c0d1e2";
  const again = await stationPacker.packContent(
    bob.user.id,
    HandshakeCommand.again(session, { remoteAddress: ["127.0.0.1", 52014] }),
    { attach: true },
  );
  const dimq = (await deliver(again, clientPacker)).content;
  assert.ok(dimq instanceof HandshakeCommand);
  assert.equal(dimq.state, "again");
  assert.equal(dimq.session, session);
  assert.deepEqual(dimq.remoteAddress, ["127.0.0.1", 52014]);
  assert.equal(again.sender.type, EntityType.STATION);

  // restart to the station's real ID, encrypted for its visa key
  const restart = await clientPacker.packContent(
    again.sender,
    HandshakeCommand.offer(session),
  );
  assert.ok(!restart.isBroadcast && restart.key !== undefined);
  const back = (await deliver(restart, stationPacker)).content;
  assert.ok(back instanceof HandshakeCommand);
  assert.equal(back.state, "restart");
  const success = await stationPacker.packContent(
    bob.user.id,
    HandshakeCommand.success(session),
  );
  const dimx = (await deliver(success, clientPacker)).content;
  assert.ok(dimx instanceof HandshakeCommand && dimx.state === "success");
});

Deno.test("round trip key reuse: same direction, same key; a keyless message reads from the cache", async () => {
  const packer = packerOf(alice);
  const first = await packer.packContent(bob.user.id, TextContent.create("1"));
  const second = await packer.packContent(bob.user.id, TextContent.create("2"));
  assert.equal(second.key, first.key); // the encrypted key is reused too
  assert.notEqual(second.iv, first.iv); // fresh IV per message
  const reader = packerOf(bob);
  await deliver(first, reader);
  const { key: _key, ...keyless } = second.dictionary;
  const instant = await reader.unpack(ReliableMessage.parse({ ...keyless }));
  assert.equal((instant.content as TextContent).text, "2");
});

Deno.test("sealKeyFor: the direction's key made and sealed ahead is the one the first message carries; none for an unknown receiver", async () => {
  const packer = packerOf(alice);
  const sealed = await packer.sealKeyFor(bob.user.id);
  assert.ok(sealed !== undefined);
  // RSA padding is random: the same text means no new encryption
  assert.equal(await packer.sealKeyFor(bob.user.id), sealed);
  const first = await packer.packContent(bob.user.id, TextContent.create("1"));
  assert.equal(first.key, sealed);
  const instant = await deliver(first, packerOf(bob));
  assert.equal((instant.content as TextContent).text, "1");
  const stranger = await newAccount("stranger", "ECC");
  assert.equal(await packer.sealKeyFor(stranger.user.id), undefined);
});

Deno.test("round trip receipts: one sealed key per direction until the receiver's visa key changes", async () => {
  const directory = directoryOf(alice, bob, station);
  const packer = new MessagePacker({ user: station.user, directory });
  const original = await packerOf(alice).packContent(
    bob.user.id,
    TextContent.create("to bob"),
  );
  const receipts: ReliableMessage[] = [];
  for (let i = 0; i < 3; i++) {
    receipts.push(
      await packer.packContent(
        alice.user.id,
        ReceiptCommand.create("Message delivered.", original, {
          extra: { recipient: bob.user.id.value },
        }),
      ),
    );
  }
  assert.equal(new Set(receipts.map((r) => r.key)).size, 1);
  assert.equal(new Set(receipts.map((r) => r.iv)).size, 3);
  // alice's new visa key: the station seals the same AES key anew
  const newVisaKey = await generatePrivateKey("RSA");
  const newVisa = Document.create(alice.user.id, DocumentType.VISA);
  newVisa.setVisaKey(newVisaKey.publicKey);
  await newVisa.sign(alice.user.signKey);
  directory.visas.set(alice.user.id.value, newVisa);
  const after = await packer.packContent(
    alice.user.id,
    ReceiptCommand.create("Message delivered.", original),
  );
  assert.notEqual(after.key, receipts[0].key);
  const aliceReader = new MessagePacker({
    user: {
      ...alice.user,
      decryptKeys: [newVisaKey, ...alice.user.decryptKeys],
    },
    directory,
  });
  for (const r of [...receipts, after]) {
    const receipt = (await deliver(r, aliceReader)).content;
    assert.ok(receipt instanceof ReceiptCommand);
    assert.ok(receipt.matches(original));
    assert.equal(
      receipt.dictionary.recipient ?? bob.user.id.value,
      bob.user.id.value,
    );
  }
});

Deno.test("round trip without sealed-key reuse: every message encrypts the key again", async () => {
  const packer = new MessagePacker({
    user: station.user,
    directory: directoryOf(alice, station),
    reuseEncryptedKeys: false,
  });
  const a = await packer.packContent(alice.user.id, TextContent.create("a"));
  const b = await packer.packContent(alice.user.id, TextContent.create("b"));
  assert.notEqual(a.key, b.key); // PKCS#1 v1.5 padding is random
  const reader = packerOf(alice);
  await deliver(a, reader);
  await deliver(b, reader);
});

Deno.test("a reused key sealed anew with every message costs the reader one RSA decryption; a new key is opened with RSA", async () => {
  // the reader's RSA key, counting its decryptions
  let opened = 0;
  const rsa = alice.user.decryptKeys[0];
  const counting: PrivateKey = {
    algorithm: rsa.algorithm,
    publicKey: rsa.publicKey,
    sign: (data) => rsa.sign(data),
    decrypt: (ciphertext) => {
      opened++;
      return rsa.decrypt!(ciphertext);
    },
    toDictionary: () => rsa.toDictionary(),
    toJSON: () => rsa.toDictionary(),
  };
  const reader = new MessagePacker({
    user: { ...alice.user, decryptKeys: [counting] },
    directory: directoryOf(alice, bob),
  });
  const sealingAnew = () =>
    new MessagePacker({
      user: bob.user,
      directory: directoryOf(alice, bob),
      reuseEncryptedKeys: false,
    });
  const sender = sealingAnew();
  const texts = ["one", "two", "three"];
  const sent = [];
  for (const text of texts) {
    sent.push(
      await sender.packContent(alice.user.id, TextContent.create(text)),
    );
  }
  assert.equal(new Set(sent.map((msg) => msg.key)).size, 3);
  for (const [i, msg] of sent.entries()) {
    const instant = await deliver(msg, reader);
    assert.equal((instant.content as TextContent).text, texts[i]);
  }
  assert.equal(opened, 1);
  // the sender restarted: a new key, which only RSA opens …
  const restarted = sealingAnew();
  const renewed = await restarted.packContent(
    alice.user.id,
    TextContent.create("four"),
  );
  const instant = await deliver(renewed, reader);
  assert.equal((instant.content as TextContent).text, "four");
  assert.equal(opened, 2);
  // … and which the direction keeps from then on
  const again = await deliver(
    await restarted.packContent(alice.user.id, TextContent.create("five")),
    reader,
  );
  assert.equal((again.content as TextContent).text, "five");
  assert.equal(opened, 2);
});

Deno.test("round trip: unknown peers give KeyNotFoundError (suspend and query)", async () => {
  const lonely = new MessagePacker({
    user: alice.user,
    directory: new MapDirectory(),
  });
  await assert.rejects(
    lonely.packContent(bob.user.id, TextContent.create("?")),
    (e) =>
      e instanceof KeyNotFoundError && e.purpose === "encrypt" &&
      e.user === bob.user.id.value,
  );
  await assert.rejects(
    lonely.packContent(team, TextContent.create("?")),
    (e) => e instanceof KeyNotFoundError && e.user === team.value,
  );
  const message = await packerOf(bob).packContent(
    alice.user.id,
    TextContent.create("hi"),
  );
  await assert.rejects(
    lonely.unpack(message),
    (e) =>
      e instanceof KeyNotFoundError && e.purpose === "verify" &&
      e.user === bob.user.id.value,
  );
});

Deno.test("round trip: attachments of another ID or invalid are refused", async () => {
  const packer = packerOf(bob);
  const message = await packer.packContent(
    alice.user.id,
    TextContent.create("x"),
    {
      attach: true,
    },
  );
  // carol's visa on bob's message: rejected
  const wrongVisa = { ...message.dictionary, visa: carol.visa.toDictionary() };
  await assert.rejects(
    packerOf(alice).unpack(ReliableMessage.parse(wrongVisa)),
    (e) => e instanceof MessageFormatError && e.field === "visa",
  );
  // carol's meta on bob's message: not used, so a stranger cannot verify
  const wrongMeta = {
    ...message.dictionary,
    meta: { ...carol.meta.dictionary },
  };
  const offered: Attachments[] = [];
  const stranger = new MessagePacker({
    user: alice.user,
    directory: new MapDirectory(),
    onAttachments: (_sender, found) => void offered.push(found),
  });
  await assert.rejects(
    stranger.unpack(ReliableMessage.parse(wrongMeta)),
    (e) => e instanceof KeyNotFoundError && e.purpose === "verify",
  );
  assert.equal(offered.length, 0);
  // bob's own attachments on carol's signature: the signature fails
  const forged = await packerOf(carol).packContent(
    alice.user.id,
    TextContent.create("forged"),
  );
  const swapped = {
    ...forged.dictionary,
    sender: bob.user.id.value,
    meta: { ...bob.meta.dictionary },
    visa: bob.visa.toDictionary(),
  };
  await assert.rejects(
    stranger.unpack(ReliableMessage.parse(swapped)),
    (e) => e instanceof MessageSignatureError,
  );
});

Deno.test("round trip: a packer signs only for its own user", async () => {
  const msg = InstantMessage.create(
    bob.user.id,
    alice.user.id,
    TextContent.create("not mine"),
  );
  const packer = packerOf(alice);
  await assert.rejects(
    packer.pack(msg),
    (e) => e instanceof MessageFormatError && e.field === "sender",
  );
});

Deno.test("MemoryCipherKeyCache: keys expire after the TTL and the bound evicts the oldest", () => {
  let now = 0;
  const cache = new MemoryCipherKeyCache({
    ttlSeconds: 10,
    maxEntries: 2,
    now: () => now,
  });
  const key = { algorithm: "AES" } as never;
  cache.set(alice.user.id, bob.user.id, key);
  cache.set(alice.user.id, carol.user.id, key);
  assert.equal(cache.get(alice.user.id, bob.user.id), key);
  cache.set(alice.user.id, dave.user.id, key);
  assert.equal(cache.size, 2);
  assert.equal(cache.get(alice.user.id, bob.user.id), undefined);
  now = 9_999;
  assert.equal(cache.get(alice.user.id, carol.user.id), key);
  now = 10_000;
  assert.equal(cache.get(alice.user.id, carol.user.id), undefined);
  assert.equal(cache.size, 1);
});

Deno.test("round trip: a reused encrypted key is opened once (no RSA per message)", async () => {
  let decryptions = 0;
  const counting = bob.user.decryptKeys.map((key): PrivateKey => ({
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    sign: (data) => key.sign(data),
    decrypt: (ciphertext) => {
      decryptions++;
      return key.decrypt!(ciphertext);
    },
    toDictionary: () => key.toDictionary(),
    toJSON: () => key.toJSON(),
  }));
  const reader = new MessagePacker({
    user: { ...bob.user, decryptKeys: counting },
    directory: directoryOf(alice, bob),
  });
  const sender = packerOf(alice);
  for (let i = 0; i < 3; i++) {
    const msg = await sender.packContent(
      bob.user.id,
      TextContent.create(`${i}`),
    );
    const instant = await deliver(msg, reader);
    assert.equal((instant.content as TextContent).text, `${i}`);
  }
  assert.equal(decryptions, 1);
});

Deno.test("round trip: the v2.4.3 form (keys per ID or ID/terminal, no key) decrypts", async () => {
  const msg = await packerOf(alice).packContent(
    bob.user.id,
    TextContent.create("2.4"),
  );
  const { key, ...rest } = msg.dictionary;
  for (const name of [bob.user.id.value, `${bob.user.id.value}/phone`]) {
    const v243 = { ...rest, keys: { [name]: key } };
    const instant = await packerOf(bob).unpack(ReliableMessage.parse(v243));
    assert.equal((instant.content as TextContent).text, "2.4");
  }
});

/** `value` whose methods run on it, with `override` in front. */
function withOverride<T extends object>(
  value: T,
  override: Partial<Record<keyof T, unknown>>,
): T {
  return new Proxy(value, {
    get(target, prop) {
      if (prop in override) return override[prop as keyof T];
      const member = Reflect.get(target, prop, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
}

Deno.test("round trip: the meta and visa a handshake attaches again are not checked again nor offered when the directory has them; a changed visa is", async () => {
  const offer = await packerOf(bob).packContent(
    station.user.id,
    HandshakeCommand.offer(undefined, { group: EVERY_STATION }),
    { attach: true },
  );
  assert.ok(offer.meta && offer.visa);
  // bob's stored meta, its key counting the verifications made with it
  let verified = 0;
  const key = bob.meta.key;
  const countingKey = withOverride(key, {
    verify: (data: Uint8Array, signature: Uint8Array) => {
      verified++;
      return key.verify(data, signature);
    },
    verifyOrThrow: (data: Uint8Array, signature: Uint8Array) => {
      verified++;
      return key.verifyOrThrow(data, signature);
    },
  });
  const storedMeta = withOverride(bob.meta, { key: countingKey });
  const directory = new MapDirectory().add(
    bob.user.id.value,
    storedMeta,
    bob.visa,
  );
  const offered: Attachments[] = [];
  const receiver = new MessagePacker({
    user: station.user,
    directory,
    onAttachments: (_sender, found) => void offered.push(found),
  });
  await receiver.verify(offer);
  // only the message's signature: the attached meta is the stored one,
  // the attached visa the stored one: nothing new to offer
  assert.equal(verified, 1);
  assert.equal(offered.length, 0);

  // a visa the directory does not have is verified with the stored meta key
  directory.visas.delete(bob.user.id.value);
  await receiver.verify(offer);
  assert.equal(verified, 3);
  assert.equal(offered[0].meta, storedMeta);
  assert.equal(offered[0].visa?.data, bob.visa.data);

  // the same visa data with another signature is verified, and refused
  directory.visas.set(bob.user.id.value, bob.visa);
  const forged = ReliableMessage.parse({
    ...offer.dictionary,
    visa: { ...bob.visa.toDictionary(), signature: offer.dictionary.signature },
  });
  await receiver.verify(forged);
  assert.equal(verified, 5);
  assert.equal(
    offered.length,
    1,
    "no valid visa, and the meta is the stored one",
  );
});

Deno.test("packer: a message it signs is written split at its data, the same text as serialize(); a broadcast or a received one is not split", async () => {
  const packer = packerOf(alice);
  const msg = await packer.packContent(bob.user.id, TextContent.create("hi"));
  const parts = msg.serializeInParts();
  assert.ok(typeof parts !== "string" && parts.length === 3);
  // data as the ciphertext (its base64 made by the frame writer)
  const [head, data, tail] = parts;
  assert.ok(typeof data !== "string" && data.base64.toBase64() === msg.data);
  assert.deepEqual(data.base64, msg.dataBytes);
  assert.equal(head + msg.data + tail, JSON.stringify(msg.dictionary));
  assert.equal(head + msg.data + tail, msg.serialize());
  const received = ReliableMessage.parse(msg.serialize());
  assert.equal(received.serializeInParts(), msg.serialize());
  const broadcast = await packer.packContent(
    EVERYONE,
    TextContent.create("all"),
  );
  assert.equal(broadcast.serializeInParts(), broadcast.serialize());
});
