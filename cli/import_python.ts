/**
 * `dim import python DIR`: brings the Python station's data into the
 * store — its own identity (same ID, same keys), its users' metas and
 * documents (visas), and its groups' member and administrator lists — from
 * the files under its `[database] root` (`/var/dim`, `~/.dim`):
 *
 * ```text
 * public/{ADDRESS}/meta.js             the meta
 * public/{ADDRESS}/documents.js        the documents (a list; today)
 * public/{ADDRESS}/document.js         one document (2022)
 * public/{ADDRESS}/profile.js          one document (2021)
 * private/{ADDRESS}/secret.js          the ID (meta) private key
 * private/{ADDRESS}/secret_keys.js     the message (visa) private keys
 * protected/{ADDRESS}/members.js       a group's members (a JSON list; today)
 * protected/{ADDRESS}/members.txt      a group's members (one a line; 2021)
 * protected/{ADDRESS}/administrators.js
 * ```
 *
 * Each account is checked as `dim register import` checks it (the meta
 * matches the ID, documents verify, private keys pair with the meta and the
 * visa) and stored whole or not at all. An ID whose private keys in the store
 * differ from the files is refused (nothing of it written). What was taken
 * and what was skipped, and why, is reported; the exit status is 1 when
 * anything was refused.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parsePrivateKey } from "../dimp/crypto/mod.ts";
import { EntityType, type ID, parseId } from "../dimp/identity/mod.ts";
import { type AccountRecord, Accounts, Store } from "../store/mod.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

/**
 * The directory is not the Python station's data (no `public/` in it).
 *
 * @example
 * ```ts
 * import { PythonDataError } from "./import_python.ts";
 * new PythonDataError("/tmp/x has no public/ directory");
 * ```
 */
export class PythonDataError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PythonDataError";
  }
}

/** What an import took, skipped and refused. */
export interface PythonImport {
  /** Accounts stored: ID, documents, private keys. */
  readonly accounts: {
    readonly id: ID;
    readonly documents: number;
    readonly privateKeys: number;
  }[];
  /** Groups whose lists were stored: ID, members, administrators. */
  readonly groups: {
    readonly id: ID;
    readonly members: number;
    readonly administrators: number;
  }[];
  /** What was left out and why, one sentence each (file first). */
  readonly skipped: string[];
  /** IDs not written because the store holds other keys for them. */
  readonly refused: string[];
}

type Json = Record<string, unknown>;

function readJson(path: string): unknown | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return JSON.parse(text);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function directories(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].filter((e) => e.isDirectory)
      .map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** The documents of one address, newest layout first. */
function readDocuments(dir: string): { file: string; documents: Json[] } {
  for (const file of ["documents.js", "document.js", "profile.js"]) {
    const value = readJson(join(dir, file));
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    return { file, documents: list.filter(isObject) };
  }
  return { file: "", documents: [] };
}

/** The ID of an address: a document's `did` / `ID`, else the meta's seed. */
function accountId(address: string, meta: Json, documents: Json[]): ID {
  for (const doc of documents) {
    const named = doc.did ?? doc.ID ?? doc.id;
    if (typeof named === "string") return parseId(named).withoutTerminal();
  }
  const seed = typeof meta.seed === "string" && meta.seed !== ""
    ? `${meta.seed}@`
    : "";
  return parseId(`${seed}${address}`);
}

/** Whether the store holds keys for `id` that the files would replace. */
function otherKeys(
  accounts: Accounts,
  id: ID,
  record: AccountRecord,
): string | undefined {
  const stored = accounts.identityKey(id);
  if (stored !== undefined && record.id_private_key !== undefined) {
    const given = parsePrivateKey(record.id_private_key);
    if (!stored.publicKey.equals(given.publicKey)) {
      return "the store holds another ID private key for it";
    }
  }
  const messages = accounts.messageKeys(id);
  const newest = record.msg_private_keys?.[0];
  if (messages.length > 0 && newest !== undefined) {
    const given = parsePrivateKey(newest);
    if (!messages.some((key) => key.publicKey.equals(given.publicKey))) {
      return "the store holds other message private keys for it";
    }
  }
  return undefined;
}

function idList(path: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new PythonDataError(`${path} is not a list of IDs`);
  }
  return value.map(String);
}

/** A group's list: `NAME.js` (JSON) or, for members, `members.txt` (2021). */
function readList(dir: string, name: string): string[] | undefined {
  const js = join(dir, `${name}.js`);
  const list = idList(js, readJson(js));
  if (list !== undefined || name !== "members") return list;
  try {
    return Deno.readTextFileSync(join(dir, "members.txt")).split(/\r?\n/)
      .map((line) => line.trim()).filter((line) => line !== "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Imports the Python station's data under `root` into the store of
 * `accounts` (see the module notes).
 *
 * @throws {PythonDataError} `root` has no `public/` directory
 * @example
 * ```ts ignore
 * const result = await importPythonData("/var/dim", new Accounts(store));
 * result.accounts.length;
 * ```
 */
export async function importPythonData(
  root: string,
  accounts: Accounts,
): Promise<PythonImport> {
  const publicDir = join(root, "public");
  try {
    if (!Deno.statSync(publicDir).isDirectory) throw new Deno.errors.NotFound();
  } catch {
    throw new PythonDataError(
      `${root} has no public/ directory: name the Python station's [database] root (it holds public/, private/, protected/)`,
    );
  }
  const result: PythonImport = {
    accounts: [],
    groups: [],
    skipped: [],
    refused: [],
  };
  const ids = new Map<string, ID>();
  for (const address of directories(publicDir)) {
    const dir = join(publicDir, address);
    const where = `public/${address}`;
    try {
      const meta = readJson(join(dir, "meta.js"));
      if (!isObject(meta)) {
        result.skipped.push(`${where}: no meta.js: skipped`);
        continue;
      }
      const { documents } = readDocuments(dir);
      const id = accountId(address, meta, documents);
      ids.set(address, id);
      const record: AccountRecord = { id: id.value, meta, documents };
      const secret = join(root, "private", address);
      const idKey = readJson(join(secret, "secret.js"));
      if (isObject(idKey)) record.id_private_key = idKey;
      const msgKeys = readJson(join(secret, "secret_keys.js"));
      if (Array.isArray(msgKeys) && msgKeys.length > 0) {
        record.msg_private_keys = msgKeys.filter(isObject);
      }
      const conflict = otherKeys(accounts, id, record);
      if (conflict !== undefined) {
        result.refused.push(
          `${id.value}: ${conflict}: refused (nothing of it written)`,
        );
        continue;
      }
      const saved = await accounts.saveAccount(record);
      result.accounts.push({
        id: saved.id,
        documents: saved.documents.length,
        privateKeys: saved.privateKeys,
      });
    } catch (error) {
      result.skipped.push(`${where}: ${(error as Error).message}: skipped`);
    }
  }
  for (const address of directories(join(root, "protected"))) {
    const dir = join(root, "protected", address);
    const where = `protected/${address}`;
    const group = ids.get(address);
    try {
      const members = readList(dir, "members");
      const admins = readList(dir, "administrators");
      if (members === undefined && admins === undefined) {
        result.skipped.push(`${where}: no group lists in it: skipped`);
        continue;
      }
      if (group === undefined || group.type === EntityType.USER) {
        result.skipped.push(
          `${where}: no group meta in public/${address}: its lists are skipped`,
        );
        continue;
      }
      const valid = (list: string[] = []) =>
        list.map((text) => parseId(text).value);
      const store = accounts.store;
      store.groupMembers.save(group.value, valid(members));
      if (admins !== undefined) {
        store.groupAdmins.save(group.value, valid(admins));
      }
      result.groups.push({
        id: group,
        members: members?.length ?? 0,
        administrators: admins?.length ?? 0,
      });
    } catch (error) {
      result.skipped.push(`${where}: ${(error as Error).message}: skipped`);
    }
  }
  for (const top of directories(root)) {
    if (!["public", "private", "protected"].includes(top)) {
      result.skipped.push(`${top}/: not station data dim keeps: skipped`);
    }
  }
  return result;
}

const HELP = `usage: dim import python DIR

Imports the Python station's data from DIR, its [database] root (/var/dim,
~/.dim; it holds public/, private/, protected/), into the store: the
station's own identity (same ID, same keys: run dim station with [station]
id = that ID), every account's meta and documents (visas), and the groups'
member and administrator lists — from today's layout (documents.js,
secret_keys.js, members.js) or the 2021 one (profile.js, members.txt).
Accounts are checked as dim register import checks them. An ID whose
private keys in the store differ from the files is refused. Prints each
imported ID on stdout; what was taken and skipped on stderr; exit 1 when
anything was refused.`;

function describe(item: PythonImport["accounts"][number]): string {
  const parts = [`meta`, `${item.documents} document(s)`];
  if (item.privateKeys > 0) parts.push(`${item.privateKeys} private key(s)`);
  return parts.join(", ");
}

async function runImport(
  ctx: CommandContext,
  args: string[],
): Promise<number> {
  const [format, ...rest] = args;
  if (format === undefined || format === "--help" || format === "-h") {
    printOut(HELP);
    return format === undefined ? 2 : 0;
  }
  if (format !== "python") {
    throw new UsageError(
      `import: unknown format "${format}" (dim import python DIR; dim register import reads dim's own JSON)`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs("import python", e);
  }
  if (parsed.values.help) {
    printOut(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      "import python takes one directory: the Python station's [database] root",
    );
  }
  const store = Store.open({ path: ctx.storePath });
  try {
    const result = await importPythonData(
      parsed.positionals[0],
      new Accounts(store),
    );
    for (const item of result.accounts) {
      printOut(item.id.value);
      const station = item.id.type === EntityType.STATION &&
          item.privateKeys > 0
        ? ` — this station: keep [station] id = ${item.id.value}`
        : "";
      printErr(`dim: imported ${item.id.value} (${describe(item)})${station}`);
    }
    for (const group of result.groups) {
      printErr(
        `dim: imported the lists of group ${group.id.value} (${group.members} members, ${group.administrators} administrators)`,
      );
    }
    for (const line of result.skipped) printErr(`dim: ${line}`);
    for (const line of result.refused) printErr(`dim: ${line}`);
    const keys = result.accounts.filter((a) => a.privateKeys > 0).length;
    printErr(
      `dim: took ${result.accounts.length} accounts (${keys} with private keys) and ${result.groups.length} groups into ${ctx.storePath}; skipped ${result.skipped.length}, refused ${result.refused.length}`,
    );
    return result.refused.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

/**
 * The `import` subcommand (`dim import python DIR`).
 *
 * @example
 * ```ts ignore
 * await importCommand.run(ctx, ["python", "/var/dim"]);
 * ```
 */
export const importCommand: Subcommand = {
  summary:
    "import the Python station's data (identity, accounts, groups): import python DIR",
  run: runImport,
};
