/**
 * A returning user's handshake after the station restarted on the same
 * store (issue 18): its meta, newest visa and last message key were read
 * ahead at start (`station/preload.ts`), so the handshake reads none of
 * them from SQLite; without the read-ahead, its meta and visa come in one
 * query. What it sends is still checked: a new visa is verified and
 * stored, a forged one is not taken.
 */
import assert from "node:assert/strict";
import { StatementSync } from "node:sqlite";
import { Document } from "../../dimp/identity/mod.ts";
import { Logger } from "../../client/logger.ts";
import {
  type Account,
  accounts,
  online,
  TestPeer,
  withStation,
} from "./_peer.ts";
import { tempDir } from "../store/_temp.ts";

const [alice, bob] = await accounts(2);

/** The SQL of every statement run in this process while `fn` runs. */
async function statementsDuring(fn: () => Promise<void>): Promise<string[]> {
  const proto = StatementSync.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const seen: string[] = [];
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of ["get", "all", "run", "iterate"]) {
    const original = proto[name];
    originals.set(name, original);
    proto[name] = function (this: StatementSync, ...args: unknown[]): unknown {
      seen.push(this.sourceSQL);
      return original.apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return seen;
}

/** Statements that read an account's meta, documents or message key. */
function accountReads(statements: readonly string[]): string[] {
  return statements.filter((sql) =>
    /^\s*SELECT/i.test(sql) &&
    /FROM (metas|documents|message_keys)\b/i.test(sql)
  );
}

/** Handshakes each account once on a station at `path`, then stops it. */
async function firstVisit(
  path: string,
  list: readonly Account[],
): Promise<void> {
  await withStation({ storePath: path }, async ({ port }) => {
    const peers = await online(port, list);
    for (const peer of peers) await peer.close();
  });
}

/** One handshake of `account` (a new client: new message keys). */
async function handshake(port: number, account: Account): Promise<void> {
  const peer = await TestPeer.connect(port, account);
  try {
    const success = await peer.handshake();
    assert.equal(success.title, "DIM!");
  } finally {
    await peer.close();
  }
}

Deno.test("restart: a returning user's handshake reads no meta, visa or message key (read ahead at start)", async () => {
  using dir = tempDir();
  await firstVisit(`${dir.path}/dim.db`, [alice, bob]);
  const lines: string[] = [];
  const log = Logger.create({ sink: (line) => lines.push(line) });
  await withStation(
    { storePath: `${dir.path}/dim.db`, log },
    async ({ port }) => {
      const statements = await statementsDuring(() => handshake(port, alice));
      assert.deepEqual(accountReads(statements), []);
    },
  );
  // what was read ahead, in numbers (not a field the log redacts)
  assert.ok(
    lines.some((line) =>
      /read ahead the accounts of recent users .*users=2 message_keys=2/
        .test(line)
    ),
    lines.join("\n"),
  );
});

Deno.test("restart: without the read-ahead, a returning user's meta and visa come in one query", async () => {
  using dir = tempDir();
  await firstVisit(`${dir.path}/dim.db`, [alice]);
  await withStation(
    { storePath: `${dir.path}/dim.db`, preloadUsers: 0 },
    async ({ port }) => {
      const statements = await statementsDuring(() => handshake(port, alice));
      const reads = accountReads(statements);
      // the meta with its newest visa, and the message key it sent last
      assert.equal(reads.length, 2, reads.join("\n"));
      assert.equal(
        reads.filter((sql) => /FROM metas/i.test(sql)).length,
        1,
      );
    },
  );
});

Deno.test("restart: a returning user's new visa is verified and stored, a forged one is not taken", async () => {
  using dir = tempDir();
  await firstVisit(`${dir.path}/dim.db`, [alice]);
  await withStation(
    { storePath: `${dir.path}/dim.db` },
    async ({ port, station }) => {
      const before = station.accounts.visa(alice.id);
      assert.equal(before?.name, alice.visa.name);
      // forged: another name, signed by someone else's key
      const forged = Document.parse(alice.visa.toDictionary());
      forged.setProperty("name", "mallory");
      await forged.sign(bob.signKey, (alice.visa.time ?? 0) + 1);
      await handshake(port, { ...alice, visa: forged });
      assert.equal(station.accounts.visa(alice.id)?.name, alice.visa.name);
      // a new one, signed
      const renewed = Document.parse(alice.visa.toDictionary());
      renewed.setProperty("name", "alice again");
      await renewed.sign(alice.signKey, (alice.visa.time ?? 0) + 1);
      await handshake(port, { ...alice, visa: renewed });
      assert.equal(station.accounts.visa(alice.id)?.name, "alice again");
    },
  );
});
