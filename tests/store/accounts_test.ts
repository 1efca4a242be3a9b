import assert from "node:assert/strict";
import {
  KeyFormatError,
  UnsupportedAlgorithmError,
} from "../../dimp/crypto/mod.ts";
import {
  Document,
  DocumentRejectedError,
  DocumentSignatureError,
  EntityType,
  Meta,
  MetaMismatchError,
  MetaSignatureError,
  parseId,
} from "../../dimp/identity/mod.ts";
import {
  AccountFormatError,
  Accounts,
  documentRefusalText,
  MetaNotFoundError,
  metaRefusalText,
  PrivateKeyMismatchError,
  ReadOnlyStoreError,
  ReplyText,
  Store,
} from "../../store/mod.ts";
import { identityVectors } from "../dimp/_vectors.ts";
import { tempDir, withStore } from "./_temp.ts";
import { accountRowCounts, botRecord } from "./_accounts.ts";

type Json = Record<string, unknown>;
const docs = identityVectors<{ document: Json; meta: Json }, unknown>(
  "document_verify",
);
const vector = (id: string) => docs.find((v) => v.id === id)!.input;
const STATION_VISA = vector("doc/station-visa");
const PROFILE_2021 = vector("doc/2021/profile_gsp_s001");
const BULLETIN = vector("doc/group-bulletin");
const GSP = "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC";
const HULK_ID = "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";

/** The same document with one more property inside its signed data. */
function tamper(doc: Json): Json {
  return { ...doc, data: (doc.data as string).replace(/}$/, ', "x": 1}') };
}

Deno.test("accounts: a valid meta is stored once; a second valid meta is ignored, not overwritten", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const first = await accounts.saveMeta(GSP, STATION_VISA.meta);
    assert.equal(first.stored, true);
    assert.equal(first.id.value, GSP);
    const again = await accounts.saveMeta(GSP, {
      ...STATION_VISA.meta,
      extra: "ignored",
    });
    assert.equal(again.stored, false);
    assert.equal(store.metas.get(GSP)?.extra, undefined);
    assert.equal(accounts.meta(GSP)?.seed, "gsp-s001");
    // a terminal is not part of the key
    assert.equal(accounts.meta(`${GSP}/phone`), accounts.meta(GSP));
    assert.equal(accounts.meta(HULK_ID), undefined);
  });
});

Deno.test("accounts: a meta that is bad or not the ID's is refused with a typed error and nothing is written", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const meta = STATION_VISA.meta;
    const key = meta.key as Json;
    const cases: [Json, new (...a: never[]) => Error][] = [
      [meta, MetaMismatchError], // saved for another ID below
      [{ ...meta, seed: "gsp-s002" }, MetaMismatchError],
      [{ ...meta, fingerprint: BULLETIN.meta.fingerprint }, MetaMismatchError],
      [
        { ...meta, key: { ...key, data: (key.data as string).slice(0, 80) } },
        KeyFormatError,
      ],
      [
        { ...meta, key: { ...key, algorithm: "Ed25519" } },
        UnsupportedAlgorithmError,
      ],
    ];
    for (const [i, [value, error]] of cases.entries()) {
      const id = i === 0 ? HULK_ID : GSP;
      const refused = await accounts.saveMeta(id, value).catch((e) => e);
      assert.ok(refused instanceof error, `case ${i}: ${refused}`);
      assert.equal(metaRefusalText(refused), ReplyText.META_NOT_VALID);
    }
    // the address comes from the fingerprint: another key keeps the address
    // but the fingerprint no longer verifies
    const forged = await accounts.saveMeta(parseId(GSP), {
      ...meta,
      key: BULLETIN.meta.key,
    }).catch((e) => e);
    assert.ok(forged instanceof MetaSignatureError);
    assert.equal(metaRefusalText(forged), ReplyText.META_NOT_VALID);
    assert.deepEqual(accountRowCounts(store), [0, 0, 0]);
  });
});

Deno.test("accounts: document accepted, identical again unchanged, older refused ('Document not changed.')", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    await accounts.saveMeta(GSP, STATION_VISA.meta);
    // the 2021 profile has no top-level type: a station's document counts as a visa
    const profile = await accounts.saveDocument(PROFILE_2021.document);
    assert.equal(profile.change, "added");
    assert.equal(profile.document.type, "visa");
    const visa = await accounts.saveDocument(STATION_VISA.document, {
      id: GSP,
    });
    assert.equal(visa.change, "added");
    assert.equal(
      (await accounts.saveDocument(STATION_VISA.document)).change,
      "unchanged",
    );
    const older = await accounts.saveDocument(PROFILE_2021.document).catch((
      e,
    ) => e);
    assert.ok(older instanceof DocumentRejectedError);
    assert.equal(older.reason, "older");
    assert.equal(documentRefusalText(older), ReplyText.DOCUMENT_NOT_CHANGED);
    assert.equal(accounts.visa(GSP)?.getProperty("host"), "124.156.108.150");
    assert.equal(accounts.document(GSP)?.time, 1795563359.9688432);
    assert.equal(accounts.documents(GSP).length, 2);
    // stored in the wire form: did and ID, top-level type
    const stored = store.documents.list(GSP)[0].doc;
    assert.equal(stored.did, GSP);
    assert.equal(stored.ID, GSP);
    assert.equal(stored.type, "visa");
    assert.equal(stored.data, PROFILE_2021.document.data);
    // the search index has the name
    assert.deepEqual(store.search.searchUsers(["genesis"], 0, 10), [GSP]);
  });
});

Deno.test("accounts: onVisa tells each new visa after it is stored, not an unchanged one, not after stop", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const told: string[] = [];
    const stop = accounts.onVisa((id) => {
      // called after the write: the visa is readable
      told.push(`${id.value} ${accounts.visa(id) !== undefined}`);
    });
    await accounts.saveMeta(GSP, STATION_VISA.meta);
    await accounts.saveDocument(STATION_VISA.document, { id: GSP });
    await accounts.saveDocument(STATION_VISA.document, { id: GSP });
    await Promise.resolve();
    assert.deepEqual(told, [`${GSP} true`]);
    stop();
    await accounts.receiveDocuments(GSP, { documents: [PROFILE_2021.document] })
      .catch(() => {});
    assert.deepEqual(told, [`${GSP} true`]);
  });
});

Deno.test("accounts: document refusals are typed and map to the station replies; nothing is written", async () => {
  await withStore(async (store) => {
    const now = 1795563359;
    const accounts = new Accounts(store, { now: () => now - 3600 });
    const noMeta = await accounts.saveDocument(STATION_VISA.document).catch((
      e,
    ) => e);
    assert.ok(noMeta instanceof MetaNotFoundError);
    assert.equal(documentRefusalText(noMeta), ReplyText.META_NOT_FOUND);
    await accounts.saveMeta(GSP, STATION_VISA.meta);
    // an hour ahead of this clock: more than 30 minutes in the future
    const future = await accounts.saveDocument(STATION_VISA.document).catch((
      e,
    ) => e);
    assert.ok(future instanceof DocumentRejectedError);
    assert.equal(future.reason, "future");
    assert.equal(documentRefusalText(future), ReplyText.DOCUMENT_NOT_CHANGED);
    const later = new Accounts(store);
    const tampered = await later.saveDocument(tamper(STATION_VISA.document))
      .catch((e) => e);
    assert.ok(tampered instanceof DocumentSignatureError);
    assert.equal(
      documentRefusalText(tampered),
      ReplyText.DOCUMENT_NOT_ACCEPTED,
    );
    const other = await later.saveDocument(STATION_VISA.document, {
      id: HULK_ID,
    }).catch((e) => e);
    assert.ok(other instanceof DocumentRejectedError);
    assert.equal(documentRefusalText(other), ReplyText.DOCUMENT_ID_NOT_MATCH);
    const replaced = await later.saveDocument({
      ...STATION_VISA.document,
      data: "{}",
    }).catch((e) => e);
    assert.ok(replaced instanceof DocumentSignatureError);
    assert.deepEqual(accountRowCounts(store), [1, 0, 0]);
    assert.equal(documentRefusalText(new Error("bug")), undefined);
    assert.equal(
      documentRefusalText(new ReadOnlyStoreError("/x", "test")),
      ReplyText.DOCUMENT_NOT_CHANGED,
    );
    assert.equal(
      metaRefusalText(new ReadOnlyStoreError("/x", "test")),
      ReplyText.META_NOT_ACCEPTED,
    );
  });
});

Deno.test("accounts: receiveDocuments judges each part, writes the accepted ones in one transaction", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const receipt = await accounts.receiveDocuments(GSP, {
      meta: STATION_VISA.meta,
      documents: [
        tamper(STATION_VISA.document),
        STATION_VISA.document,
        BULLETIN.document,
      ],
    });
    assert.ok(receipt.meta?.ok && receipt.meta.value.stored);
    const [tampered, good, other] = receipt.documents;
    assert.ok(!tampered.ok && tampered.error instanceof DocumentSignatureError);
    assert.ok(good.ok && good.value.change === "added");
    assert.ok(!other.ok && other.error instanceof DocumentRejectedError);
    assert.deepEqual(accountRowCounts(store), [1, 1, 0]);
    // a bad meta does not stop documents of a known ID
    const again = await accounts.receiveDocuments(GSP, {
      meta: BULLETIN.meta,
      documents: [STATION_VISA.document],
    });
    assert.ok(again.meta && !again.meta.ok);
    assert.ok(again.meta.error instanceof MetaMismatchError);
    assert.ok(again.documents[0].ok);
  });
});

Deno.test("accounts: a group bulletin verifies with the group meta key; the newest document by ID kind", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const group = BULLETIN.document.did as string;
    await accounts.saveMeta(group, BULLETIN.meta);
    const saved = await accounts.saveDocument(BULLETIN.document);
    assert.equal(saved.document.type, "bulletin");
    assert.equal(accounts.document(group)?.founder()?.value, HULK_ID);
    assert.equal(accounts.visa(group), undefined);
    assert.equal(accounts.encryptionKey(group)?.algorithm, "RSA"); // RSA meta key
  });
});

Deno.test("accounts: saveAccount stores meta, documents and keys together; getters return key objects", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const record = await botRecord();
    const saved = await accounts.saveAccount(record);
    assert.equal(saved.meta.stored, true);
    assert.equal(saved.documents[0].change, "added");
    assert.equal(saved.privateKeys, 2);
    const id = parseId(record.id);
    assert.equal(id.type, EntityType.BOT);
    assert.equal(accounts.identityKey(id)?.algorithm, "ECC");
    assert.equal(accounts.messageKeys(id).length, 1);
    assert.deepEqual(
      accounts.decryptionKeys(id).map((key) => key.algorithm),
      ["RSA"],
    );
    assert.ok(
      accounts.encryptionKey(id)?.equals(accounts.messageKeys(id)[0].publicKey),
    );
    assert.deepEqual(accounts.ids({ localOnly: true }).map(String), [
      record.id,
    ]);
    // the export is the record; private keys only when asked for
    assert.deepEqual(
      accounts.exportAccount(id, { privateKeys: true }),
      record,
    );
    const plain = JSON.stringify(accounts.exportAccount(id));
    assert.doesNotMatch(plain, /PRIVATE/);
    assert.equal(accounts.exportAccount(HULK_ID), undefined);
    // the same record again changes nothing
    const again = await accounts.saveAccount(record);
    assert.equal(again.meta.stored, false);
    assert.equal(again.documents[0].change, "unchanged");
    assert.deepEqual(accountRowCounts(store), [1, 1, 2]);
  });
});

Deno.test("accounts: saveAccount writes nothing when any part is refused", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    const record = await botRecord();
    const other = await botRecord();
    const bad: [string, unknown, new (...a: never[]) => Error][] = [
      ["not an object", [record], AccountFormatError],
      ["no id", { ...record, id: 1 }, AccountFormatError],
      [
        "documents not a list",
        { ...record, documents: {} },
        AccountFormatError,
      ],
      ["another ID's meta", { ...record, meta: other.meta }, MetaMismatchError],
      ["another entity's document", {
        ...record,
        documents: [...record.documents, STATION_VISA.document],
      }, DocumentRejectedError],
      ["a tampered document", {
        ...record,
        documents: [tamper(record.documents[0])],
      }, DocumentSignatureError],
      ["a forged signature", {
        ...record,
        documents: [{
          ...record.documents[0],
          signature: other.documents[0].signature,
        }],
      }, DocumentSignatureError],
      ["another ID key", {
        ...record,
        id_private_key: other.id_private_key,
      }, PrivateKeyMismatchError],
      ["another message key", {
        ...record,
        msg_private_keys: other.msg_private_keys,
      }, PrivateKeyMismatchError],
      ["an ECC message key", {
        ...record,
        msg_private_keys: [record.id_private_key],
      }, PrivateKeyMismatchError],
      ["a bad private key", {
        ...record,
        id_private_key: { algorithm: "ECC", data: "-----BEGIN" },
      }, KeyFormatError],
    ];
    for (const [what, value, error] of bad) {
      await assert.rejects(accounts.saveAccount(value), error, what);
    }
    assert.deepEqual(accountRowCounts(store), [0, 0, 0]);
  });
});

Deno.test("accounts: the visa cache follows saves here and commits of another connection", async () => {
  using dir = tempDir();
  const a = Store.open({ dataDir: dir.path });
  const b = Store.open({ dataDir: dir.path });
  try {
    const here = new Accounts(a, { recheckMs: 0 });
    const there = new Accounts(b, { recheckMs: 0 });
    const t0 = Date.now() / 1000 - 100;
    const record = await botRecord({ now: t0 });
    await here.saveAccount(record);
    const first = here.visa(record.id);
    assert.equal(first?.name, "Service Bot");
    assert.equal(here.visa(record.id), first, "cached");

    // a newer visa saved through this facade
    const key = here.identityKey(record.id)!;
    const edited = Document.parse(record.documents[0]);
    edited.setProperty("name", "Renamed Here");
    await edited.sign(key, t0 + 10);
    await here.saveDocument(edited.toDictionary());
    assert.equal(here.visa(record.id)?.name, "Renamed Here");

    // a newer visa saved by another connection (another process)
    edited.setProperty("name", "Renamed There");
    await edited.sign(key, t0 + 20);
    assert.equal(there.visa(record.id)?.name, "Renamed Here");
    await there.saveDocument(edited.toDictionary());
    assert.equal(here.visa(record.id)?.name, "Renamed There");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("accounts: a missing meta (and so no visa) is remembered until this facade stores it or another connection commits", async () => {
  using dir = tempDir();
  const a = Store.open({ dataDir: dir.path });
  const b = Store.open({ dataDir: dir.path });
  try {
    const { meta, document } = STATION_VISA;
    const there = new Accounts(b);
    // other connections' commits looked for at most once a minute, and at
    // every read
    const slow = new Accounts(a, { recheckMs: 60_000 });
    const quick = new Accounts(a, { recheckMs: 0 });
    assert.equal(slow.meta(GSP), undefined);
    assert.equal(quick.meta(GSP), undefined);
    const at = a.db.dataVersion;
    await there.saveMeta(GSP, meta);
    assert.notEqual(a.db.dataVersion, at, "another connection committed");
    assert.equal(slow.meta(GSP), undefined, "the miss is remembered");
    assert.equal(quick.meta(GSP)?.toDictionary().seed, meta.seed);
    await there.saveDocument(document);
    assert.equal(quick.visa(GSP)?.name, there.visa(GSP)?.name);
    // an ID without a meta has no visa: not looked for while its miss is
    // remembered (a new user's handshake asks for both before storing them)
    assert.equal(slow.visa(GSP), undefined, "no query for the visa");

    // stored through the facade that missed it: there at once
    const own = new Accounts(b, { recheckMs: 60_000 });
    const bot = await botRecord({ now: Date.now() / 1000 - 100 });
    assert.equal(own.meta(bot.id), undefined);
    const saved = await own.receiveDocuments(bot.id, {
      meta: bot.meta,
      documents: bot.documents,
    });
    assert.equal(saved.meta?.ok && saved.meta.value.stored, true);
    assert.equal(own.meta(bot.id), saved.meta?.ok && saved.meta.value.meta);
    assert.equal(own.visa(bot.id)?.name, "Service Bot");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("accounts: the stored meta and newest visa sent again are neither checked again nor written; a changed one is", async () => {
  using dir = tempDir();
  const a = Store.open({ dataDir: dir.path });
  const b = Store.open({ dataDir: dir.path });
  try {
    const here = new Accounts(a);
    const { meta, document } = STATION_VISA;
    assert.equal((await here.saveMeta(GSP, meta)).stored, true);
    assert.equal((await here.saveDocument(document)).change, "added");
    // another connection sees every commit of this one in data_version
    const version = b.db.dataVersion;
    const again = await here.saveMeta(GSP, meta);
    assert.equal(again.stored, false);
    assert.equal(again.meta, here.meta(GSP));
    const same = await here.saveDocument(document, { id: GSP });
    assert.equal(same.change, "unchanged");
    assert.equal(same.document, here.visa(GSP));
    const upload = await here.receiveDocuments(GSP, {
      meta,
      documents: [document],
    });
    assert.equal(upload.meta?.ok && upload.meta.value.stored, false);
    assert.equal(
      upload.documents[0].ok && upload.documents[0].value.change,
      "unchanged",
    );
    assert.equal(b.db.dataVersion, version, "nothing was written");

    // the same signature over other data is checked, and refused
    const forged = await here.saveDocument(tamper(document)).catch((e) => e);
    assert.ok(forged instanceof DocumentSignatureError);
    const forgedUpload = await here.receiveDocuments(GSP, {
      documents: [tamper(document)],
    });
    assert.ok(!forgedUpload.documents[0].ok);
    assert.ok(
      forgedUpload.documents[0].error instanceof DocumentSignatureError,
    );
    // an unsigned member more makes another document: checked and written
    const extra = await here.saveDocument({ ...document, note: 1 });
    assert.equal(extra.change, "replaced");
    assert.notEqual(b.db.dataVersion, version);
    assert.equal(here.visa(GSP)?.toDictionary().note, 1);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("accounts: receiveDocuments checks a parsed meta and documents as it checks their JSON", async () => {
  await withStore(async (store) => {
    const accounts = new Accounts(store);
    // another ID's meta, parsed: refused as its JSON is
    const wrong = await accounts.receiveDocuments(GSP, {
      meta: Meta.parse(BULLETIN.meta),
      documents: [Document.parse(tamper(STATION_VISA.document))],
    });
    assert.ok(wrong.meta && !wrong.meta.ok);
    assert.ok(wrong.meta.error instanceof MetaMismatchError);
    assert.ok(
      !wrong.documents[0].ok &&
        wrong.documents[0].error instanceof MetaNotFoundError,
    );
    assert.deepEqual(accountRowCounts(store), [0, 0, 0]);
    const meta = Meta.parse(STATION_VISA.meta);
    const visa = Document.parse(STATION_VISA.document);
    const receipt = await accounts.receiveDocuments(GSP, {
      meta,
      documents: [Document.parse(tamper(STATION_VISA.document)), visa],
    });
    assert.ok(receipt.meta?.ok && receipt.meta.value.stored);
    const [tampered, good] = receipt.documents;
    assert.ok(!tampered.ok && tampered.error instanceof DocumentSignatureError);
    assert.ok(good.ok && good.value.change === "added");
    assert.deepEqual(accountRowCounts(store), [1, 1, 0]);
    // what was written is what the JSON gives, read back by another facade
    const other = new Accounts(store);
    assert.deepEqual(
      other.meta(GSP)?.toDictionary(),
      Meta.parse(STATION_VISA.meta).toDictionary(),
    );
    assert.deepEqual(other.visa(GSP)?.toDictionary(), visa.toDictionary());
    // the same again (objects): known, nothing written
    const again = await accounts.receiveDocuments(GSP, {
      meta: Meta.parse(STATION_VISA.meta),
      documents: [Document.parse(STATION_VISA.document)],
    });
    assert.ok(again.meta?.ok && !again.meta.value.stored);
    assert.ok(again.documents[0].ok);
    assert.equal(again.documents[0].value.change, "unchanged");
  });
});
