import assert from "node:assert/strict";
import {
  generatePrivateKey,
  parsePublicKey,
  type PrivateKey,
  utf8Encode,
} from "../../../dimp/crypto/mod.ts";
import {
  Document,
  DocumentType,
  EntityType,
  Meta,
  MetaType,
  parseId,
} from "../../../dimp/identity/mod.ts";
import {
  HAS_PYTHON_CRYPTOGRAPHY,
  independentVerify,
  pythonCheck,
  type PythonJob,
} from "../_independent.ts";

type Case = {
  label: string;
  type: 1 | 2 | 4;
  algorithm: "RSA" | "ECC";
  network: number;
};

const CASES: Case[] = [];
for (const algorithm of ["RSA", "ECC"] as const) {
  for (
    const [entity, network] of [
      ["user", EntityType.USER],
      ["station", EntityType.STATION],
      ["bot", EntityType.BOT],
      ["group", EntityType.GROUP],
    ] as const
  ) {
    CASES.push({
      label: `MKM ${algorithm} ${entity}`,
      type: 1,
      algorithm,
      network,
    });
    CASES.push({
      label: `BTC ${algorithm} ${entity}`,
      type: 2,
      algorithm,
      network,
    });
  }
}
CASES.push({
  label: "ETH ECC user",
  type: 4,
  algorithm: "ECC",
  network: EntityType.USER,
});

/** What one account produced, on the wire. */
interface Produced {
  readonly label: string;
  readonly idKey: PrivateKey;
  readonly meta: Record<string, unknown>;
  readonly id: string;
  readonly document: Record<string, unknown>;
}

async function produce(c: Case): Promise<Produced> {
  const idKey = await generatePrivateKey(c.algorithm);
  const meta = await Meta.generate(
    c.type,
    idKey,
    c.type === MetaType.MKM ? `dim_${c.network}` : undefined,
  );
  const id = meta.generateId(c.network);
  const isGroup = c.network === EntityType.GROUP;
  const document = Document.create(
    id,
    isGroup ? DocumentType.BULLETIN : DocumentType.VISA,
  );
  document.setProperty("name", `${c.label} ✓`);
  if (isGroup) document.setProperty("founder", id.value);
  else document.setVisaKey((await generatePrivateKey("RSA")).publicKey);
  if (c.network === EntityType.STATION) {
    document.setProperty("host", "127.0.0.1");
    document.setProperty("port", 9394);
  }
  await document.sign(idKey);
  return {
    label: c.label,
    idKey,
    meta: JSON.parse(JSON.stringify(meta)),
    id: id.value,
    document: JSON.parse(JSON.stringify(document)),
  };
}

const produced: Produced[] = [];

for (const c of CASES) {
  Deno.test(`round trip ${c.label}: generate → meta → ID → document signed → verify`, async () => {
    const p = await produce(c);
    produced.push(p);
    const meta = Meta.parse(p.meta);
    const id = parseId(p.id);
    assert.equal(
      id.type,
      c.type === MetaType.MKM ? c.network : EntityType.USER,
    );
    assert.equal(id.network, c.type === MetaType.ETH ? 0 : c.network);
    assert.ok(await meta.isValid());
    await meta.checkId(id);
    const doc = Document.parse(p.document);
    await doc.checkSignature(meta.key);
    assert.equal(
      doc.type,
      c.network === EntityType.GROUP ? "bulletin" : "visa",
    );
    // independent implementation: noble (ECDSA) / Web Crypto (RSA)
    const data = utf8Encode(doc.data!);
    assert.ok(await independentVerify(meta.key, data, doc.signature!));
    if (meta.seed !== undefined) {
      assert.ok(
        await independentVerify(
          meta.key,
          utf8Encode(meta.seed),
          meta.fingerprint!,
        ),
      );
    }
    assert.ok(parsePublicKey(p.meta.key).equals(p.idKey.publicKey));
  });
}

Deno.test({
  name:
    "round trip: every produced meta fingerprint and document verifies in Python (OpenSSL)",
  ignore: !HAS_PYTHON_CRYPTOGRAPHY,
  fn: async () => {
    const accounts = produced.length === CASES.length
      ? produced
      : await Promise.all(CASES.map(produce));
    const jobs: PythonJob[] = [];
    for (const p of accounts) {
      const meta = Meta.parse(p.meta);
      const doc = Document.parse(p.document);
      jobs.push({
        op: "verify",
        key: meta.key,
        data: utf8Encode(doc.data!),
        signature: doc.signature!,
      });
      if (meta.seed !== undefined) {
        jobs.push({
          op: "verify",
          key: meta.key,
          data: utf8Encode(meta.seed),
          signature: meta.fingerprint!,
        });
      }
    }
    const results = await pythonCheck(jobs);
    assert.deepEqual(results, jobs.map(() => true));
  },
});
