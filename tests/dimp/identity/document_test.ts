import assert from "node:assert/strict";
import {
  base64Decode,
  base64Encode,
  EncodingError,
  generatePrivateKey,
  KeyFormatError,
  PortableNetworkFile,
  SignatureFormatError,
  SignatureMismatchError,
} from "../../../dimp/crypto/mod.ts";
import {
  checkDocumentAcceptance,
  Document,
  DocumentFormatError,
  DocumentRejectedError,
  DocumentSignatureError,
  DocumentType,
  EntityType,
  EVERYONE,
  IdFormatError,
  Meta,
  MetaMismatchError,
  MetaType,
  newestDocument,
  parseId,
} from "../../../dimp/identity/mod.ts";
import { identityVectors } from "../_vectors.ts";

interface DocumentInput {
  document: Record<string, unknown>;
  meta: Record<string, unknown>;
  id?: string;
}

const DOCUMENTS = identityVectors<DocumentInput, Record<string, unknown>>(
  "document_verify",
);

for (const v of DOCUMENTS) {
  Deno.test(`identity vector ${v.id}`, async () => {
    const doc = Document.parse(v.input.document);
    const meta = Meta.parse(v.input.meta);
    const verify = v.expect.verify as boolean;
    assert.equal(await doc.verify(meta.key), verify);
    if (!verify) {
      const error = await doc.checkSignature(meta.key).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof DocumentSignatureError);
      assert.ok(error.cause instanceof SignatureMismatchError);
      return;
    }
    await meta.checkId(doc.id);
    assert.equal(doc.data, v.input.document.data, "data kept byte for byte");
    for (const name of ["time", "name", "host", "port", "founder", "avatar"]) {
      if (v.expect[name] !== undefined) {
        assert.deepEqual(doc.getProperty(name), v.expect[name], name);
      }
    }
    if (v.expect.visa_key !== undefined) {
      assert.deepEqual(doc.visaKey()?.toDictionary(), v.expect.visa_key);
    }
    if (v.expect.visa_key_algorithm !== undefined) {
      assert.equal(doc.visaKey()?.algorithm, v.expect.visa_key_algorithm);
    }
    if (v.expect.founder !== undefined) {
      assert.equal(doc.founder()?.value, v.expect.founder);
    }
    if (v.expect.time !== undefined) assert.equal(doc.time, v.expect.time);
    // re-emitted: both did and ID, top-level type, the same data and signature
    const wire = doc.toDictionary();
    assert.equal(wire.did, doc.id.value);
    assert.equal(wire.ID, doc.id.value);
    assert.equal(wire.type, doc.type);
    assert.equal(wire.data, v.input.document.data);
    assert.ok(await Document.parse(wire).verify(meta.key));
  });
}

function vector(id: string): DocumentInput {
  const found = DOCUMENTS.find((v) => v.id === id);
  assert.ok(found, id);
  return found.input;
}

Deno.test("documents: ID-only (2021) and did-only accepted; type by ID kind", () => {
  const profile = vector("doc/2021/profile_gsp_s001").document;
  assert.equal(profile.did, undefined);
  const doc = Document.parse(profile);
  assert.equal(doc.id.value, "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
  assert.equal(doc.getProperty("type"), "profile");
  assert.equal(
    doc.type,
    DocumentType.VISA,
    "a 2021 station profile counts as a visa",
  );

  const { ID: _, type: __, ...didOnly } = vector("doc/group-bulletin").document;
  const bulletin = Document.parse(didOnly);
  assert.equal(bulletin.type, DocumentType.BULLETIN);
  assert.equal(bulletin.toDictionary().ID, bulletin.id.value);

  const typed = Document.parse({ ...didOnly, type: "profile" });
  assert.equal(typed.type, "profile", "a top-level type wins");
});

Deno.test("documents: unknown properties and top-level members survive a round trip", async () => {
  const key = await generatePrivateKey("ECC");
  const meta = await Meta.generate(MetaType.ETH, key);
  const id = meta.generateId(EntityType.USER);
  const visa = Document.create(id, DocumentType.VISA, 1795560000);
  visa.setProperty("name", "测试");
  visa.setProperty("app", { os: "Linux", nested: [1, 2] });
  visa.setProperty("x-future", true);
  await visa.sign(key, 1795560001.5);
  const wire = { ...visa.toDictionary(), terminal: "pc" };
  const received = Document.parse(JSON.parse(JSON.stringify(wire)));
  assert.ok(await received.verify(meta.key));
  assert.deepEqual(received.getProperty("app"), {
    os: "Linux",
    nested: [1, 2],
  });
  assert.equal(received.getProperty("x-future"), true);
  assert.equal(received.createdTime, 1795560000);
  assert.equal(received.time, 1795560001.5);
  assert.equal(received.toDictionary().terminal, "pc");
  assert.equal(received.data, visa.data);
});

Deno.test("documents: signed data is never re-serialised; edits unsign", async () => {
  const v = vector("doc/station-visa");
  const doc = Document.parse(v.document);
  const meta = Meta.parse(v.meta);
  const copy = doc.properties;
  copy.port = 1;
  assert.equal(doc.getProperty("port"), 9394, "properties are a copy");
  assert.ok(await doc.verify(meta.key));
  doc.setProperty("port", 9395);
  assert.equal(doc.isSigned, false);
  await assert.rejects(doc.checkSignature(meta.key), DocumentSignatureError);
  assert.throws(() => doc.toDictionary(), DocumentSignatureError);
});

Deno.test("documents: the signature is kept as its wire text: the same bytes, the same dictionary, after a signing too", async () => {
  const v = vector("doc/station-visa");
  const doc = Document.parse(v.document);
  const text = v.document.signature as string;
  assert.equal(doc.toDictionary().signature, base64Encode(base64Decode(text)));
  assert.deepEqual(doc.signature, base64Decode(text));
  assert.notEqual(doc.signature, doc.signature, "decoded at each call");
  const meta = Meta.parse(v.meta);
  assert.ok(await doc.verify(meta.key));
  // signed here: the dictionary carries the new signature, which verifies
  const key = await generatePrivateKey("ECC");
  const mine = Document.create(
    parseId("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"),
  );
  mine.setProperty("name", "moky");
  await mine.sign(key);
  const signature = mine.toDictionary().signature as string;
  assert.deepEqual(base64Decode(signature), mine.signature);
  assert.ok(await Document.parse(mine.toDictionary()).verify(key.publicKey));
});

Deno.test("documents: isSignedAs is true for the same ID, data and signature text only", () => {
  const v = vector("doc/station-visa");
  const doc = Document.parse(v.document);
  const dict = doc.toDictionary();
  assert.equal(doc.isSignedAs(dict), true);
  assert.equal(doc.isSignedAs({ ...dict }), true);
  const other = (change: Record<string, unknown>) =>
    doc.isSignedAs({ ...dict, ...change });
  assert.equal(other({ data: `${dict.data} ` }), false, "other data");
  const signature = dict.signature as string;
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  assert.equal(other({ signature: flipped }), false, "other signature");
  assert.equal(
    other({ did: undefined, ID: "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ" }),
    false,
    "another ID",
  );
  assert.equal(other({ did: undefined }), true, "the 2021 ID member");
  assert.equal(doc.isSignedAs(undefined), false);
  assert.equal(doc.isSignedAs("text"), false);
  doc.setProperty("port", 1);
  assert.equal(doc.isSignedAs(dict), false, "edited: not signed");
});

Deno.test("documents: truncated signature is a format error, tampered data a mismatch", async () => {
  const v = vector("doc/station-visa");
  const meta = Meta.parse(v.meta);
  const signature = v.document.signature as string;
  const truncated = Document.parse({
    ...v.document,
    signature: base64Encode(Uint8Array.fromBase64(signature).subarray(0, 64)),
  });
  const e1 = await truncated.checkSignature(meta.key).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(e1 instanceof DocumentSignatureError);
  assert.ok(e1.cause instanceof SignatureFormatError);
  const tampered = Document.parse(vector("doc/station-visa/tampered").document);
  const e2 = await tampered.checkSignature(meta.key).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(e2 instanceof DocumentSignatureError);
  assert.ok(e2.cause instanceof SignatureMismatchError);
});

Deno.test("documents: structural errors are typed", () => {
  const good = vector("doc/station-visa").document;
  assert.throws(() => Document.parse([]), DocumentFormatError);
  assert.throws(
    () => Document.parse({ ...good, did: undefined, ID: undefined }),
    DocumentFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, did: "not an id" }),
    IdFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, data: undefined }),
    DocumentFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, signature: "" }),
    DocumentFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, data: "[1,2]" }),
    DocumentFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, data: "{bad json" }),
    DocumentFormatError,
  );
  assert.throws(
    () => Document.parse({ ...good, signature: "bW9reQ" }),
    (e) => e instanceof DocumentFormatError && e.cause instanceof EncodingError,
  );
});

Deno.test("visa helpers: key, avatar, name; bulletin helpers: founder, assistants, administrators", async () => {
  const key = await generatePrivateKey("ECC");
  const visaKey = await generatePrivateKey("RSA");
  const meta = await Meta.generate(MetaType.MKM, key, "bot");
  const visa = Document.create(meta.generateId(EntityType.BOT));
  assert.equal(visa.type, DocumentType.VISA);
  visa.setVisaKey(visaKey.publicKey);
  visa.setAvatar(PortableNetworkFile.fromUrl("https://example.com/a.png"));
  visa.setProperty("name", "Bot");
  await visa.sign(key);
  const received = Document.parse(visa.toDictionary());
  assert.ok(received.visaKey()?.equals(visaKey.publicKey));
  assert.equal(received.getProperty("avatar"), "https://example.com/a.png");
  assert.equal(received.avatar()?.url, "https://example.com/a.png");
  assert.equal(received.name, "Bot");

  const group = await Meta.generate(MetaType.MKM, key, "Group-42");
  const bulletin = Document.create(group.generateId(EntityType.GROUP));
  assert.equal(bulletin.type, DocumentType.BULLETIN);
  bulletin.setProperty("founder", "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
  bulletin.setProperty(
    "assistant",
    "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq",
  );
  bulletin.setProperty("administrators", [
    "moki@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
    "bad id",
  ]);
  assert.equal(bulletin.founder()?.name, "hulk");
  assert.deepEqual(bulletin.assistants().map((id) => id.name), ["assistant"]);
  assert.deepEqual(bulletin.administrators().map((id) => id.name), ["moki"]);
});

async function signedVisa(
  key: Awaited<ReturnType<typeof generatePrivateKey>>,
  meta: Meta,
  time: number | undefined,
  name = "v",
): Promise<Document> {
  const doc = Document.create(
    meta.generateId(EntityType.USER),
    DocumentType.VISA,
    1,
  );
  doc.setProperty("name", name);
  await doc.sign(key, time ?? 0);
  if (time === undefined) {
    doc.setProperty("time", undefined);
    const data = JSON.stringify(doc.properties);
    return Document.parse({
      did: doc.id.value,
      data,
      signature: base64Encode(await key.sign(new TextEncoder().encode(data))),
    });
  }
  return doc;
}

Deno.test("newest document: greatest time; ties go to the later one; missing time loses", async () => {
  const key = await generatePrivateKey("ECC");
  const meta = await Meta.generate(MetaType.ETH, key);
  const a = await signedVisa(key, meta, 100, "a");
  const b = await signedVisa(key, meta, 200, "b");
  const c = await signedVisa(key, meta, 200, "c");
  const none = await signedVisa(key, meta, undefined, "none");
  const none2 = await signedVisa(key, meta, undefined, "none2");
  assert.equal(newestDocument([a, b, c])?.name, "c");
  assert.equal(newestDocument([c, b, a])?.name, "b");
  assert.equal(newestDocument([none, a])?.name, "a");
  assert.equal(newestDocument([a, none])?.name, "a");
  assert.equal(newestDocument([none, none2])?.name, "none2");
  assert.equal(newestDocument([a, b], DocumentType.BULLETIN), undefined);
  assert.equal(newestDocument([]), undefined);
});

Deno.test("acceptance: future, address, older, broadcast, wrong meta, bad signature", async () => {
  const key = await generatePrivateKey("ECC");
  const meta = await Meta.generate(MetaType.ETH, key);
  const id = meta.generateId(EntityType.USER);
  const now = 1_800_000_000;
  const doc = await signedVisa(key, meta, now + 29 * 60);
  await checkDocumentAcceptance(doc, { id, meta, now });
  await checkDocumentAcceptance(doc, {
    id: parseId(`${id.value}/phone`),
    meta,
    now,
  });

  const future = await signedVisa(key, meta, now + 31 * 60);
  const reason = (e: unknown) => (e as DocumentRejectedError).reason;
  await assert.rejects(
    checkDocumentAcceptance(future, { id, meta, now }),
    (e) => reason(e) === "future",
  );

  const older = await signedVisa(key, meta, now - 10);
  await assert.rejects(
    checkDocumentAcceptance(older, { id, meta, now, stored: [doc] }),
    (e) => e instanceof DocumentRejectedError && e.reason === "older",
  );
  const same = await signedVisa(key, meta, now + 29 * 60, "same time");
  await checkDocumentAcceptance(same, { id, meta, now, stored: [doc] });
  const noTime = await signedVisa(key, meta, undefined);
  await assert.rejects(
    checkDocumentAcceptance(noTime, { id, meta, now, stored: [doc] }),
    (e) => reason(e) === "older",
  );

  const otherKey = await generatePrivateKey("ECC");
  const otherMeta = await Meta.generate(MetaType.ETH, otherKey);
  const otherDoc = await signedVisa(otherKey, otherMeta, now);
  await assert.rejects(
    checkDocumentAcceptance(otherDoc, { id, meta, now }),
    (e) => reason(e) === "address",
  );
  await assert.rejects(
    checkDocumentAcceptance(doc, { id, meta: otherMeta, now }),
    MetaMismatchError,
  );
  await assert.rejects(
    checkDocumentAcceptance(doc, { id: EVERYONE, meta, now }),
    (e) => reason(e) === "broadcast",
  );
  const unknown = parseId("nobody@not-an-address", { allowUnknown: true });
  await assert.rejects(
    checkDocumentAcceptance(doc, { id: unknown, meta, now }),
    (e) => reason(e) === "unknown-address",
  );

  const forged = Document.parse({
    ...doc.toDictionary(),
    signature: otherDoc.toDictionary().signature,
  });
  await assert.rejects(
    checkDocumentAcceptance(forged, { id, meta, now }),
    DocumentSignatureError,
  );
});

Deno.test("visa key: parsed once per document object, again after an edit", async () => {
  const key = await generatePrivateKey("ECC");
  const first = await generatePrivateKey("RSA");
  const second = await generatePrivateKey("RSA");
  const meta = await Meta.generate(MetaType.ETH, key);
  const visa = Document.create(meta.generateId(EntityType.USER));
  assert.equal(visa.visaKey(), undefined);
  visa.setVisaKey(first.publicKey);
  await visa.sign(key);
  const received = Document.parse(visa.toDictionary());
  const parsed = received.visaKey();
  assert.ok(parsed?.equals(first.publicKey));
  // the same object: its imported key handle is reused too
  assert.equal(received.visaKey(), parsed);
  // any edit drops it: the key now read is the new one
  received.setVisaKey(second.publicKey);
  assert.ok(received.visaKey()?.equals(second.publicKey));
  assert.notEqual(received.visaKey(), parsed);
  received.setVisaKey(undefined);
  assert.equal(received.visaKey(), undefined);
  // a key that does not parse throws every time (nothing remembered)
  const broken = Document.parse({
    ...visa.toDictionary(),
    data: JSON.stringify({ key: { algorithm: "RSA", data: "not a key" } }),
  });
  assert.throws(() => broken.visaKey(), KeyFormatError);
  assert.throws(() => broken.visaKey(), KeyFormatError);
});
