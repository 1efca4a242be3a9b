/**
 * `dim register` through the real CLI process against real SQLite files:
 * every account type and meta type in the current and the 2021 command
 * forms, checked by an implementation other than ours; the bad-input table
 * through `import`; the exit statuses.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EntityType, parseId } from "../../dimp/identity/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { referenceGenerated } from "../dimp/_vectors.ts";
import { dim, type DimRun, nobodyDenoDir, tempDir, writeJson } from "./_dim.ts";
import { verifyIndependently } from "./_independent_account.ts";
import { accountRowCounts, botRecord } from "../store/_accounts.ts";

type Json = Record<string, unknown>;

function ok(run: DimRun, what: string): string {
  assert.equal(run.code, 0, `${what}: ${run.stderr}`);
  return run.lastLine;
}

function counts(path: string): number[] {
  const store = Store.open({ path });
  try {
    return accountRowCounts(store);
  } finally {
    store.close();
  }
}

interface Case {
  readonly label: string;
  readonly args: string[];
  readonly network: number;
  readonly metaType: number;
  readonly docType: string;
  readonly name: string;
  readonly founder?: boolean;
  readonly modify?: string[];
}

Deno.test("register: every type and meta type, current and 2021 forms: generate → show → modify → export → import → verified independently", async () => {
  using a = tempDir();
  using b = tempDir();
  using files = tempDir();
  const inA = ["--data-dir", a.path, "register"];
  const founder = ok(
    await dim([...inA, "generate", "user", "--name", "Founder"]),
    "founder",
  );
  const bot = "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq";
  const cases: Case[] = [
    {
      label: "user ETH (default)",
      args: ["generate", "user"],
      network: 0,
      metaType: 4,
      docType: "visa",
      name: "Avatar User",
      modify: [
        "--name",
        "Avatar User",
        "--avatar",
        "https://example.com/a.png",
      ],
    },
    {
      label: "user BTC",
      args: ["generate", "user", "--meta", "btc", "--name", "Bitcoin User"],
      network: 0,
      metaType: 2,
      docType: "visa",
      name: "Bitcoin User",
    },
    {
      label: "station",
      args: [
        "generate",
        "station",
        "--seed",
        "s1",
        "--name",
        "Station One",
        "--host",
        "192.0.2.1",
        "--port",
        "9395",
      ],
      network: EntityType.STATION,
      metaType: 1,
      docType: "visa",
      name: "Station One",
    },
    {
      label: "bot",
      args: ["generate", "bot", "--seed=b1"],
      network: EntityType.BOT,
      metaType: 1,
      docType: "visa",
      name: "Service Bot",
      modify: ["--set", 'services=["search"]'],
    },
    {
      label: "group",
      args: ["generate", "group", "--founder", founder, "--name", "Team"],
      network: EntityType.GROUP,
      metaType: 1,
      docType: "bulletin",
      name: "Team 2",
      founder: true,
      modify: ["--name", "Team 2", "--assistant", bot],
    },
    {
      label: "isp with own keys",
      args: ["generate", "isp", "--seed", "gsp"],
      network: EntityType.ISP,
      metaType: 1,
      docType: "bulletin",
      name: "Provider",
      modify: ["--name", "Provider"],
    },
    {
      label: "isp with a founder (type by number)",
      args: ["generate", "3", "--seed", "gsp2", "--founder", founder],
      network: EntityType.ISP,
      metaType: 1,
      docType: "bulletin",
      name: "Group Chat",
      founder: true,
    },
    {
      label: "icp with own keys",
      args: ["generate", "icp", "--seed", "icp1", "--name", "Content"],
      network: EntityType.ICP,
      metaType: 1,
      docType: "bulletin",
      name: "Content",
    },
    {
      label: "2021 STATION --seed=gsp-s001",
      args: ["generate", "STATION", "--seed=gsp-s001"],
      network: EntityType.STATION,
      metaType: 1,
      docType: "visa",
      name: "GSP",
      modify: ["--name=GSP", "--host=198.51.100.1", "--port=9396"],
    },
    {
      label: "2021 ROBOT --seed=assistant",
      args: ["generate", "ROBOT", "--seed=assistant"],
      network: EntityType.BOT,
      metaType: 1,
      docType: "visa",
      name: "Service Bot",
    },
    {
      label: "2021 USER",
      args: ["generate", "USER"],
      network: 0,
      metaType: 4,
      docType: "visa",
      name: "Satoshi Nakamoto",
    },
    {
      label: "2021 GROUP --founder --seed",
      args: ["generate", "GROUP", "--seed=group-12345", `--founder=${founder}`],
      network: EntityType.GROUP,
      metaType: 1,
      docType: "bulletin",
      name: "Old Team",
      founder: true,
      modify: [`--owner=${founder}`, "--name=Old Team"],
    },
  ];

  // generate (concurrently, one store file)
  const ids = (await Promise.all(
    cases.map((c) => dim([...inA, ...c.args])),
  )).map((run, i) => ok(run, cases[i].label));
  ids.forEach((id, i) => {
    // 2021 words make today's types: never 0x88 / 0xC8
    assert.equal(parseId(id).type, cases[i].network, cases[i].label);
  });
  assert.equal(new Set(ids).size, ids.length);

  // modify: the current and the 2021 forms; documents are signed again
  const modified = await Promise.all(
    cases.map((c, i) =>
      c.modify === undefined
        ? undefined
        : dim([...inA, "modify", ids[i], ...c.modify])
    ),
  );
  modified.forEach((run, i) => {
    if (run !== undefined) assert.equal(ok(run, cases[i].label), ids[i]);
  });

  // show: the account, no key material
  const station = cases.findIndex((c) => c.label.startsWith("2021 STATION"));
  const shown = await dim([...inA, "show", ids[station]]);
  ok(shown, "show");
  assert.match(shown.stdout, new RegExp(`^ID: ${ids[station]}$`, "m"));
  assert.match(shown.stdout, /^type: station \(2\)$/m);
  assert.match(shown.stdout, /^ {2}host: "198\.51\.100\.1"$/m);
  assert.match(shown.stdout, /^ {2}port: 9396$/m);
  assert.match(
    shown.stdout,
    /^private keys: ID key ECC, message keys \[RSA\]$/m,
  );
  assert.doesNotMatch(shown.stdout, /PRIVATE KEY/);

  // export: the wire form, checked without our code
  const exports = await Promise.all(
    [founder, ...ids].map((id) => dim([...inA, "export", id])),
  );
  const records = exports.map((run) => JSON.parse(run.stdout) as Json);
  for (const [i, c] of cases.entries()) {
    const record = records[i + 1];
    assert.equal(record.id, ids[i]);
    assert.deepEqual(Object.keys(record), ["id", "meta", "documents"]);
    const checked = await verifyIndependently(record);
    assert.equal(checked.network, c.network, c.label);
    assert.equal(checked.metaType, c.metaType, c.label);
    assert.equal(checked.algorithm, "ECC", c.label);
    const documents = checked.documents;
    assert.equal(documents.length, 1, c.label); // modify replaced it
    const [props] = documents;
    assert.equal(props.type, c.docType, c.label);
    assert.equal(props.name, c.name, c.label);
    if (c.founder) {
      assert.equal(props.founder, founder, c.label);
      assert.equal(props.key, undefined, c.label);
    } else {
      assert.equal((props.key as Json)?.algorithm, "RSA", c.label);
    }
    if (c.modify !== undefined) {
      assert.ok((props.time as number) > (props.created_time as number));
    }
  }
  const byLabel = (label: string) =>
    records[cases.findIndex((c) => c.label.startsWith(label)) + 1];
  const props = (label: string) =>
    JSON.parse((byLabel(label).documents as Json[])[0].data as string);
  assert.deepEqual(
    [props("station").host, props("station").port],
    ["192.0.2.1", 9395],
  );
  assert.equal(props("user ETH").avatar, "https://example.com/a.png");
  assert.deepEqual(props("bot").services, ["search"]);
  assert.deepEqual(props("group").assistants, [bot]);

  // import every export into a second data directory (one process)
  const imported = await dim([
    "--data-dir",
    b.path,
    "register",
    "import",
    ...records.map((record, i) => writeJson(files.path, `${i}.json`, record)),
  ]);
  ok(imported, "import");
  assert.deepEqual(
    imported.stdout.trimEnd().split("\n"),
    records.map((record) => record.id),
  );

  // list: one account per line, ID<TAB>type<TAB>name; the same in both
  const [listA, listB, localB] = await Promise.all([
    dim([...inA, "list"]),
    dim(["--data-dir", b.path, "register", "list"]),
    dim(["--data-dir", b.path, "register", "list", "--local"]),
  ]);
  const lines = ok(listA, "list") && listA.stdout.trimEnd().split("\n");
  assert.equal(lines.length, cases.length + 1);
  for (const [i, c] of cases.entries()) {
    const type = c.network === 0 ? "user" : [
      "user",
      "group",
      "station",
      "isp",
      "bot",
      "icp",
    ][c.network];
    assert.ok(lines.includes(`${ids[i]}\t${type}\t${c.name}`), c.label);
  }
  assert.ok(lines.includes(`${founder}\tuser\tFounder`));
  assert.deepEqual(
    listB.stdout.trimEnd().split("\n").sort(),
    [...lines].sort(),
  );
  assert.equal(localB.stdout, ""); // no private keys were exported
});

Deno.test("register: export without --private has no key material; with it, the import is a working local account", async () => {
  using a = tempDir();
  using b = tempDir();
  using files = tempDir();
  const id = ok(
    await dim([
      "--data-dir",
      a.path,
      "register",
      "generate",
      "bot",
      "--seed",
      "archivist",
    ]),
    "generate",
  );
  const [plain, full] = await Promise.all([
    dim(["--data-dir", a.path, "register", "export", id]),
    dim(["--data-dir", a.path, "register", "export", id, "--private"]),
  ]);
  assert.doesNotMatch(plain.stdout, /PRIVATE/);
  const publicRecord = JSON.parse(plain.stdout);
  assert.equal(publicRecord.id_private_key, undefined);
  assert.equal(publicRecord.msg_private_keys, undefined);
  const record = JSON.parse(full.stdout);
  assert.match(record.id_private_key.data, /BEGIN PRIVATE KEY/);
  assert.equal(record.msg_private_keys.length, 1);
  assert.match(record.msg_private_keys[0].data, /BEGIN RSA PRIVATE KEY/);

  // import from stdin; the account can sign in its new place
  const imported = await dim(
    ["--data-dir", b.path, "register", "import", "-"],
    {
      stdin: full.stdout,
    },
  );
  assert.equal(ok(imported, "import"), id);
  // one after the other: a list running beside the modify may see "Moved"
  const local = await dim([
    "--data-dir",
    b.path,
    "register",
    "list",
    "--local",
  ]);
  assert.equal(local.stdout, `${id}\tbot\tService Bot\n`);
  ok(
    await dim([
      "--data-dir",
      b.path,
      "register",
      "modify",
      id,
      "--name",
      "Moved",
    ]),
    "modify",
  );
  const again = await dim(["--data-dir", b.path, "register", "export", id]);
  const checked = await verifyIndependently(JSON.parse(again.stdout));
  assert.equal(checked.documents[0].name, "Moved");
  writeJson(files.path, "unused.json", {}); // the directory is used by the others
});

Deno.test("register: reference accounts of every key and meta type round-trip: import → modify (re-signed with their keys) → export", async () => {
  using a = tempDir();
  using files = tempDir();
  const labels = [
    "user-mkm-rsa",
    "station-btc-rsa",
    "group-mkm-rsa",
    "bot-mkm-ecc",
    "user-btc-ecc",
    "user-eth-ecc",
  ];
  const accounts = referenceGenerated().accounts.filter((account) =>
    labels.includes(account.label)
  );
  assert.equal(accounts.length, labels.length);
  const inA = ["--data-dir", a.path, "register"];
  const imported = await dim([
    ...inA,
    "import",
    ...accounts.map((account, i) =>
      writeJson(files.path, `${i}.json`, {
        id: account.id,
        meta: account.meta,
        documents: [account.document],
        id_private_key: account.id_private_key,
        msg_private_keys: account.msg_private_keys,
      })
    ),
  ]);
  assert.deepEqual(
    ok(imported, "import") && imported.stdout.trimEnd().split("\n"),
    accounts.map((account) => account.id),
  );
  const modifies = await Promise.all(
    accounts.map((account) =>
      dim([...inA, "modify", account.id, "--name", "Renamed"])
    ),
  );
  modifies.forEach((run, i) => ok(run, labels[i]));
  const exports = await Promise.all(
    accounts.map((account) => dim([...inA, "export", account.id])),
  );
  for (const [i, account] of accounts.entries()) {
    const record = JSON.parse(exports[i].stdout);
    assert.deepEqual(record.meta, {
      ...account.meta,
      type: record.meta.type,
      version: record.meta.type,
    });
    const checked = await verifyIndependently(record);
    assert.equal(checked.algorithm, account.key_algorithm, labels[i]);
    assert.equal(
      checked.network,
      account.meta_type === "ETH" ? 0 : account.network,
    );
    const props = checked.documents.at(-1)!;
    assert.equal(props.name, "Renamed", labels[i]);
    const before = JSON.parse(account.document.data as string);
    assert.ok((props.time as number) > before.time, labels[i]);
    assert.equal(props.type, account.document_type, labels[i]);
  }
});

Deno.test("register import: the bad-input table — each a sentence naming the file, nothing written", async () => {
  using a = tempDir();
  using files = tempDir();
  const good = await botRecord({ seed: "good" });
  const other = await botRecord({ seed: "other" });
  const doc = good.documents[0];
  const key = good.meta.key as Json;
  const signature = doc.signature as string;
  const address = good.id.split("@")[1];
  const swap = (text: string, at: number, by: string) =>
    text.slice(0, at) + by + text.slice(at + 1);
  const lastChar = address.at(-1) === "2" ? "3" : "2";
  const sigBytes = atob(signature);
  const flipped = btoa(
    swap(sigBytes, 10, String.fromCharCode(sigBytes.charCodeAt(10) ^ 1)),
  );
  const table: [string, unknown, string][] = [
    ["bad PEM", {
      ...good,
      meta: {
        ...good.meta,
        key: {
          ...key,
          data: (key.data as string).replace(/\n-----END[^]*/, ""),
        },
      },
    }, "ECC: neither a hex point nor a PUBLIC KEY PEM"],
    ["bad base58 in the ID", {
      ...good,
      id: `good@${swap(address, 5, "0")}`,
    }, "address is not base58"],
    ["wrong checksum in the ID", {
      ...good,
      id: `good@${swap(address, address.length - 1, lastChar)}`,
    }, "address check code mismatch"],
    ["truncated signature", {
      ...good,
      documents: [{ ...doc, signature: signature.slice(0, 40) }],
    }, "visa of good@.* does not verify"],
    ["tampered signature", {
      ...good,
      documents: [{ ...doc, signature: flipped }],
    }, "visa of good@.* does not verify"],
    ["tampered data", {
      ...good,
      documents: [{
        ...doc,
        data: (doc.data as string).replace(/}$/, ',"x":1}'),
      }],
    }, "visa of good@.* does not verify"],
    [
      "meta of another ID",
      { ...good, meta: other.meta },
      "meta does not match good@",
    ],
    ["unknown algorithm", {
      ...good,
      meta: { ...good.meta, key: { ...key, algorithm: "Ed25519" } },
    }, 'unsupported algorithm: "Ed25519"'],
    ["another account's ID key", {
      ...good,
      id_private_key: other.id_private_key,
    }, "the ID private key is not the meta key"],
    [
      "documents not a list",
      { ...good, documents: doc },
      '"documents" must be an array',
    ],
  ];
  const paths = table.map(([, record], i) =>
    writeJson(files.path, `${i}.json`, record)
  );
  const notJson = join(files.path, "not.json");
  Deno.writeTextFileSync(notJson, "{ not json");
  table.push(["not JSON", undefined, "is not JSON"]);
  paths.push(notJson);

  // an account already there must stay as it is
  ok(
    await dim([
      "--data-dir",
      a.path,
      "register",
      "import",
      writeJson(files.path, "other.json", other),
    ]),
    "import",
  );
  const runs = await Promise.all(
    paths.map((path) =>
      dim(["--data-dir", a.path, "register", "import", path])
    ),
  );
  for (const [i, [what, , error]] of table.entries()) {
    assert.equal(runs[i].code, 1, `${what}: ${runs[i].stderr}`);
    assert.equal(runs[i].stdout, "", what);
    // a sentence that names the file at fault, no class name
    assert.match(
      runs[i].stderr,
      new RegExp(`^dim: /\\S+\\.json:? .*${error}`),
      what,
    );
    assert.doesNotMatch(runs[i].stderr, /^dim: [A-Za-z]+Error/, what);
  }
  assert.deepEqual(counts(join(a.path, "dim.db")), [1, 1, 2]);
  const store = Store.open({ dataDir: a.path });
  try {
    assert.deepEqual(
      new Accounts(store).exportAccount(other.id, { privateKeys: true }),
      other,
    );
  } finally {
    store.close();
  }
});

Deno.test("register: unknown IDs exit 1, bad command lines exit 2, nothing waits for a prompt without a terminal", async () => {
  using a = tempDir();
  using files = tempDir();
  const inA = ["--data-dir", a.path, "register"];
  const user = ok(await dim([...inA, "generate", "user"]), "generate");
  const unknown = "nobody@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq";
  const config = join(files.path, "bad.ini");
  Deno.writeTextFileSync(config, "[station]\nport = many\n");
  const cases: [string[], number, RegExp][] = [
    [["show", unknown], 1, /unknown ID nobody@/],
    [["export", unknown], 1, /^dim: unknown ID nobody@/],
    [["modify", unknown, "--name", "x"], 1, /^dim: unknown ID nobody@/],
    [
      ["generate", "group", "--founder", unknown],
      1,
      /private key of nobody@.* is not in the store/,
    ],
    [["generate", "group"], 2, /a group needs --founder/],
    [["generate"], 2, /generate needs a type/],
    [["generate", "spaceship"], 2, /unknown account type "spaceship"/],
    [["generate", "station", "--meta", "eth"], 2, /takes meta type 1/],
    [["generate", "user", "--meta", "rsa"], 2, /unknown meta type/],
    [["generate", "bot", "--seed", "my bot"], 2, /must not contain spaces/],
    [["generate", "station", "--port", "99999"], 2, /1\.\.65535/],
    [["generate", "user", "--bogus"], 2, /Unknown option '--bogus'/],
    [["generate", "user", "--founder", user], 2, /--founder is for group/],
    [["generate", "user", "--set", "time=1"], 2, /"time" is not set by hand/],
    [["modify"], 2, /usage: dim register modify/],
    [["modify", user, "--private"], 2, /takes no --private/],
    [["show", "not an id"], 2, /is not an ID/],
    [["list", "extra"], 2, /usage: dim register list/],
    [["teleport"], 2, /unknown register action/],
    [
      ["--config", config, "list"],
      1,
      /bad\.ini:2: \[station\] port/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => dim([...inA, ...args])));
  for (const [i, [args, code, message]] of cases.entries()) {
    assert.equal(runs[i].code, code, `${args.join(" ")}: ${runs[i].stderr}`);
    assert.match(runs[i].stderr, message, args.join(" "));
    assert.equal(runs[i].stdout, "", args.join(" "));
  }
  // only the one user was written
  assert.deepEqual(counts(join(a.path, "dim.db")), [1, 1, 2]);
  // help goes to stdout with status 0 and names the 2021 forms
  const help = await dim(["register", "help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /ROBOT/);
  assert.match(help.stdout, /never 0x88 \/ 0xC8/);
});

Deno.test("register: the store comes from --db, DIM_DB, or [database] path of --config", async () => {
  using a = tempDir();
  const config = join(a.path, "dim.ini");
  Deno.writeTextFileSync(
    config,
    `[database]\nroot = ${a.path}/root\npath = ${a.path}/from-config.db\n`,
  );
  const [byConfig, byEnv, byFlag] = await Promise.all([
    dim(["--config", config, "register", "generate", "user"]),
    dim(["register", "generate", "user"], {
      env: { DIM_CONFIG: config, DIM_DB: `${a.path}/from-env.db` },
    }),
    dim(["register", "generate", "user", "--db", `${a.path}/from-flag.db`], {
      env: { DIM_CONFIG: config, DIM_DB: `${a.path}/from-env.db` },
    }),
  ]);
  for (
    const [run, file] of [
      [byConfig, "from-config.db"],
      [byEnv, "from-env.db"],
      [byFlag, "from-flag.db"],
    ] as const
  ) {
    const id = ok(run, file);
    const store = Store.open({ path: join(a.path, file) });
    try {
      assert.deepEqual(store.metas.ids(), [id]);
    } finally {
      store.close();
    }
  }
});

Deno.test("register: a read-only data directory gives a clear message", async () => {
  using a = tempDir();
  const readOnly = join(a.path, "ro");
  Deno.mkdirSync(readOnly, { mode: 0o555 });
  Deno.chmodSync(readOnly, 0o555);
  // root writes anywhere: run as the unprivileged user "nobody" with a copy
  // of the npm cache it may read
  const asNobody = Deno.uid() === 0;
  const denoDir = asNobody ? await nobodyDenoDir(a.path) : undefined;
  const run = await dim(
    ["--data-dir", join(readOnly, "sub"), "register", "generate", "user"],
    asNobody ? { uid: 65534, denoDir, env: { HOME: a.path } } : {},
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    /^dim: cannot write the store .*ro\/sub\/dim\.db: .*--data-dir/,
  );
  assert.equal(run.stdout, "");
});
