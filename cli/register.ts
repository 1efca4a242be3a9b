/**
 * `dim register`: make, edit, show, list, export and import accounts in
 * the store (station.md §7; identity.md §7.6, §9.4).
 *
 * ```sh
 * dim register generate station --seed gsp-s001 --name "My Station" --host 192.0.2.1
 * dim register modify gsp-s001@… --port 9395
 * dim register export gsp-s001@… > station.json
 * ```
 *
 * Results go to stdout (the ID as the last line, JSON, list lines);
 * questions and summaries to stderr. Questions are asked only on a
 * terminal; otherwise options and defaults decide.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generatePrivateKey, type PrivateKey } from "../dimp/crypto/mod.ts";
import {
  AccountOptionError,
  checkSeed,
  defaultSeed,
  Document,
  EntityType,
  generateAccount,
  type GeneratedAccount,
  type ID,
  isGroupType,
  type Meta,
  MetaType,
} from "../dimp/identity/mod.ts";
import {
  AccountError,
  AccountFormatError,
  accountRecord,
  Accounts,
  PrivateKeyMismatchError,
  Store,
  UnknownAccountError,
} from "../store/mod.ts";
import { UsageError } from "./context.ts";
import { makeStdoutFilePrivate, printErr, printOut } from "./output.ts";
import { type Prompter, terminalPrompter } from "./prompt.ts";
import {
  parseMetaOption,
  parseType,
  TYPE_MENU,
  typeName,
} from "./_account_types.ts";
import {
  askValid,
  documentProperties,
  editProperties,
  parseIdArgument,
  propertyEdits,
  recordProperties,
} from "./_register_properties.ts";
import { deleteRegistered } from "./store_ops.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

const HELP = `usage: dim register <action> [options]

actions:
  generate <type>    make an account: keys, meta and first document, stored;
                     prints the new ID as the last line of stdout
  modify <ID>        edit the newest document of an account and sign it again
  show <ID>          print an account (never its private keys)
  list [--local]     every stored account, one per line: ID<TAB>type<TAB>name
                     (--local: only those whose private key is here)
  export <ID>        print the account as one JSON object
                     {"id", "meta", "documents"}; --private adds
                     "id_private_key" and "msg_private_keys"
  import <FILE|->... store exported accounts, one per file, each after
                     checking all of it (nothing of a refused file is stored;
                     the first refused file stops the import); prints each ID
  delete <ID>        remove the account and everything kept for it (meta,
                     documents, private keys, logins, offline messages,
                     group places); prints what was removed

types (generate):
  user               new ECC ID key, meta ETH (or --meta btc), RSA message key
  station, bot       new ECC ID key, meta MKM with --seed, RSA message key
  group              --founder ID: the founder's private key (stored here)
                     signs the meta and the bulletin
  isp, icp           like a station; with --founder, like a group
  0..5               the same by entity type number
  The 2021 words USER, GROUP, STATION, ROBOT are accepted; they make accounts
  of today's types and keys (station 0x02, bot 0x04, never 0x88 / 0xC8).

options of generate and modify:
  --meta eth|btc|mkm   meta type: users eth (default) or btc; others mkm
  --seed NAME          the ID name of an MKM meta (default test_station,
                       test_bot, test_group, test_user; no spaces)
  --founder ID         group founder; for modify, who signs (2021: --owner)
  --name TEXT  --avatar URL  --host HOST  --port N  --assistant ID (groups,
                       repeatable); an empty TEXT removes the property
  --set KEY=VALUE      any other document property (VALUE as JSON if it
                       parses, else text; repeatable)
  --unset KEY          remove a property (modify)
  -y, --yes            never ask; take the defaults

On a terminal, every value not given as an option is asked for (with its
default, or for modify the current value); otherwise nothing is asked.
The store: --db FILE, else --data-dir DIR, else DIM_DB / DIM_DATA_DIR, else
[database] path / root of the --config file, else ~/.local/share/dim/dim.db.`;

const OPTIONS = {
  meta: { type: "string" },
  seed: { type: "string" },
  founder: { type: "string" },
  owner: { type: "string" },
  name: { type: "string" },
  avatar: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  assistant: { type: "string", multiple: true },
  set: { type: "string", multiple: true },
  unset: { type: "string", multiple: true },
  yes: { type: "boolean", short: "y" },
  local: { type: "boolean" },
  private: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type OptionName = keyof typeof OPTIONS;

/** The parsed options of one action. */
interface Flags {
  meta?: string;
  seed?: string;
  founder?: string;
  owner?: string;
  name?: string;
  avatar?: string;
  host?: string;
  port?: string;
  assistant?: string[];
  set?: string[];
  unset?: string[];
  yes?: boolean;
  local?: boolean;
  private?: boolean;
  help?: boolean;
}

const EDIT_OPTIONS: OptionName[] = [
  "name",
  "avatar",
  "host",
  "port",
  "assistant",
  "set",
  "yes",
];

/** Each action: its options and how many arguments it takes. */
const ACTIONS: Record<
  string,
  { options: OptionName[]; args: [min: number, max: number]; usage: string }
> = {
  generate: {
    options: ["meta", "seed", "founder", ...EDIT_OPTIONS],
    args: [0, 1],
    usage: "generate <type> [options]",
  },
  modify: {
    options: ["founder", "owner", "unset", ...EDIT_OPTIONS],
    args: [1, 1],
    usage: "modify <ID> [options]",
  },
  show: { options: [], args: [1, 1], usage: "show <ID>" },
  list: { options: ["local"], args: [0, 0], usage: "list [--local]" },
  export: {
    options: ["private"],
    args: [1, 1],
    usage: "export <ID> [--private]",
  },
  import: { options: [], args: [1, Infinity], usage: "import <FILE|->..." },
  delete: { options: [], args: [1, 1], usage: "delete <ID>" },
};

function storeExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Opens the store; `existing`: only when its file is there (else `undefined`). */
function openAccounts(
  ctx: CommandContext,
  existing = false,
): Accounts | undefined {
  if (existing && !storeExists(ctx.storePath)) return undefined;
  return new Accounts(Store.open({ path: ctx.storePath }));
}

function close(accounts: Accounts | undefined): void {
  accounts?.store.close();
}

/** The account stored for `id`, else {@link UnknownAccountError}. */
function requireMeta(
  accounts: Accounts | undefined,
  id: ID,
  path: string,
): Meta {
  const meta = accounts?.meta(id);
  if (meta === undefined) {
    throw new UnknownAccountError(id.value, `not in the store ${path}`);
  }
  return meta;
}

function requireKey(
  accounts: Accounts,
  id: ID,
  path: string,
  why: string,
): PrivateKey {
  const key = accounts.identityKey(id);
  if (key === undefined) {
    throw new AccountError(
      `the private key of ${id.value} is not in the store ${path} (${why})`,
    );
  }
  return key;
}

function summary(accounts: Accounts, id: ID, verb: string): void {
  const meta = accounts.meta(id);
  const document = id.isGroup ? accounts.document(id) : accounts.visa(id);
  const idKey = accounts.identityKey(id)?.algorithm ?? "none here";
  const msgKeys = accounts.messageKeys(id).map((key) => key.algorithm);
  printErr(
    `dim register: ${verb} ${
      typeName(id.type)
    } ${id.value}: meta type ${meta?.type}, ` +
      `${document?.type ?? "no document"}${
        document?.name === undefined ? "" : ` "${document.name}"`
      }, ID key ${idKey}, message keys [${msgKeys.join(", ")}]`,
  );
}

async function generate(
  ctx: CommandContext,
  flags: Flags,
  args: string[],
  prompter: Prompter,
): Promise<number> {
  let type: number;
  if (args[0] !== undefined) {
    type = parseType(args[0]);
  } else if (prompter.interactive) {
    printErr(`--- address types ---\n${TYPE_MENU.join("\n")}`);
    type = await askValid(prompter, "please input address type", "", parseType);
  } else {
    throw new UsageError(
      "generate needs a type: user, group, station, isp, bot or icp",
    );
  }
  let metaType: 1 | 2 | 4 = MetaType.MKM;
  if (flags.meta !== undefined) {
    metaType = parseMetaOption(flags.meta);
  } else if (type === EntityType.USER) {
    metaType = await askValid(
      prompter,
      "please input meta type (2: BTC, 4: ETH)",
      "4",
      parseMetaOption,
    );
  }
  let seed = flags.seed;
  const checkedSeed = (text: string) => {
    try {
      checkSeed(text);
      return text;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  };
  if (seed !== undefined) checkedSeed(seed);
  else if (metaType === MetaType.MKM) {
    seed = await askValid(
      prompter,
      "please input ID.name (meta seed)",
      defaultSeed(type),
      checkedSeed,
    );
  }
  const edits = propertyEdits(flags);
  let founderText = flags.founder;
  if (founderText === undefined && isGroupType(type) && prompter.interactive) {
    founderText = await prompter.ask(
      type === EntityType.GROUP
        ? "please input group founder (an ID whose private key is here)"
        : "please input founder (an ID whose private key is here; empty: own keys)",
      "",
    );
  }
  if (founderText === "") founderText = undefined;
  if (founderText === undefined && type === EntityType.GROUP) {
    throw new UsageError(
      "a group needs --founder ID (a user whose private key is in the store)",
    );
  }
  if (founderText !== undefined && !isGroupType(type)) {
    throw new UsageError("--founder is for group, isp and icp accounts");
  }
  const founderId = founderText === undefined
    ? undefined
    : parseIdArgument(founderText, "--founder");
  const properties: Record<string, unknown> = {};
  await editProperties(
    recordProperties(properties),
    type,
    edits,
    prompter,
    true,
  );

  const accounts = openAccounts(ctx)!;
  try {
    const founder = founderId === undefined ? undefined : {
      id: founderId,
      key: requireKey(accounts, founderId, ctx.storePath, "the founder signs"),
    };
    let account: GeneratedAccount;
    try {
      account = await generateAccount({
        type,
        metaType,
        seed,
        founder,
        properties,
      });
    } catch (e) {
      if (e instanceof AccountOptionError) throw new UsageError(e.message);
      throw e;
    }
    if (accounts.meta(account.id) !== undefined) {
      throw new AccountError(
        `${account.id.value} is in the store already (choose another --seed)`,
      );
    }
    await accounts.saveAccount(accountRecord(account));
    summary(accounts, account.id, "new");
    printOut(account.id.value);
    return 0;
  } finally {
    close(accounts);
  }
}

async function modify(
  ctx: CommandContext,
  flags: Flags,
  args: string[],
  prompter: Prompter,
): Promise<number> {
  const id = parseIdArgument(args[0], "the argument").withoutTerminal();
  if (flags.founder !== undefined && flags.owner !== undefined) {
    throw new UsageError("give --founder or --owner, not both");
  }
  const signerText = flags.founder ?? flags.owner;
  const signerId = signerText === undefined
    ? undefined
    : parseIdArgument(signerText, "--founder");
  const edits = propertyEdits(flags);
  const accounts = openAccounts(ctx, true);
  try {
    const meta = requireMeta(accounts, id, ctx.storePath);
    const store = accounts!;
    const newest = id.isGroup ? store.document(id) : store.visa(id);
    // edit a copy: the facade's documents are shared (cached)
    const document = newest === undefined
      ? Document.create(id)
      : Document.parse(newest.toDictionary());
    const founder = document.founder();
    const signer = signerId ??
      (id.isGroup && founder !== undefined &&
          store.identityKey(id) === undefined
        ? founder
        : id);
    const key = requireKey(
      store,
      signer,
      ctx.storePath,
      "it signs the document",
    );
    if (!await meta.matchPublicKey(key.publicKey)) {
      throw new PrivateKeyMismatchError(
        `the key of ${signer.value} does not sign for ${id.value}`,
      );
    }
    await editProperties(
      documentProperties(document),
      id.type,
      edits,
      prompter,
      newest === undefined,
    );
    if (id.isGroup && founder === undefined && !signer.equals(id)) {
      document.setProperty("founder", signer.value);
    }
    // the visa key: the newest message key; a user without one gets one
    const messageKeys = store.messageKeys(id);
    const newKeys: PrivateKey[] = [];
    if (messageKeys.length === 0 && !id.isGroup && key.decrypt === undefined) {
      newKeys.push(await generatePrivateKey("RSA"));
    }
    const visaKey = newKeys[0] ?? messageKeys[0];
    if (visaKey !== undefined) document.setVisaKey(visaKey.publicKey);
    await document.sign(key);
    await store.saveAccount({
      id: id.value,
      meta: meta.toDictionary(),
      documents: [document.toDictionary()],
      msg_private_keys: newKeys.map((k) => k.toDictionary()),
    });
    summary(store, id, "signed");
    printOut(id.value);
    return 0;
  } finally {
    close(accounts);
  }
}

function show(ctx: CommandContext, args: string[]): number {
  const id = parseIdArgument(args[0], "the argument").withoutTerminal();
  const accounts = openAccounts(ctx, true);
  try {
    const meta = requireMeta(accounts, id, ctx.storePath);
    const store = accounts!;
    const lines = [
      `ID: ${id.value}`,
      `type: ${typeName(id.type)} (${id.type})`,
      `meta: type ${meta.type}${
        meta.seed === undefined ? "" : `, seed "${meta.seed}"`
      }, ${meta.key.algorithm} key`,
    ];
    const idKey = store.identityKey(id);
    const msgKeys = store.messageKeys(id);
    lines.push(
      idKey === undefined && msgKeys.length === 0
        ? "private keys: none here"
        : `private keys: ID key ${
          idKey?.algorithm ?? "none here"
        }, message keys [${msgKeys.map((key) => key.algorithm).join(", ")}]`,
    );
    for (const document of store.documents(id)) {
      const time = document.time === undefined
        ? "no time"
        : new Date(document.time * 1000).toISOString();
      lines.push(`document: ${document.type}, signed ${time}`);
      for (const [key, value] of Object.entries(document.properties)) {
        if (key === "type" || key === "time") continue;
        lines.push(
          key === "key"
            ? `  key: ${document.visaKey()?.algorithm} public key`
            : `  ${key}: ${JSON.stringify(value)}`,
        );
      }
    }
    for (const line of lines) printOut(line);
    return 0;
  } finally {
    close(accounts);
  }
}

function list(ctx: CommandContext, flags: Flags): number {
  const accounts = openAccounts(ctx, true);
  try {
    for (const id of accounts?.ids({ localOnly: flags.local }) ?? []) {
      const document = id.isGroup ? accounts!.document(id) : accounts!.visa(id);
      printOut(`${id.value}\t${typeName(id.type)}\t${document?.name ?? ""}`);
    }
    return 0;
  } finally {
    close(accounts);
  }
}

function exportAccount(
  ctx: CommandContext,
  flags: Flags,
  args: string[],
): number {
  const id = parseIdArgument(args[0], "the argument").withoutTerminal();
  const accounts = openAccounts(ctx, true);
  try {
    requireMeta(accounts, id, ctx.storePath);
    const record = accounts!.exportAccount(id, { privateKeys: flags.private });
    if (flags.private) makeStdoutFilePrivate();
    printOut(JSON.stringify(record, null, 2));
    return 0;
  } finally {
    close(accounts);
  }
}

/** An account file that cannot be imported; the message names the file. */
class AccountFileError extends Error {
  constructor(file: string, cause: Error) {
    super(`${file}: ${cause.message}`, { cause });
    this.name = "AccountFileError";
  }
}

async function readRecord(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(file);
  } catch (e) {
    throw new AccountFormatError(
      `cannot read ${file}: ${(e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AccountFormatError(
      `${file} is not JSON: ${(e as Error).message}`,
    );
  }
}

async function importAccounts(
  ctx: CommandContext,
  files: string[],
): Promise<number> {
  const accounts = openAccounts(ctx)!;
  try {
    for (const file of files) {
      let saved;
      try {
        saved = await accounts.saveAccount(await readRecord(file));
      } catch (error) {
        if (!(error instanceof Error) || error.message.includes(file)) {
          throw error;
        }
        // the sentence names the file at fault
        throw new AccountFileError(file === "-" ? "stdin" : file, error);
      }
      summary(accounts, saved.id, "imported");
      printOut(saved.id.value);
    }
    return 0;
  } finally {
    close(accounts);
  }
}

function parseFlags(action: string, args: string[]): {
  flags: Flags;
  positionals: string[];
} {
  const spec = ACTIONS[action];
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs(`register ${action}`, e);
  }
  const flags = parsed.values as Flags;
  for (const name of Object.keys(flags) as OptionName[]) {
    if (name !== "help" && !spec.options.includes(name)) {
      throw new UsageError(`register ${action} takes no --${name}`);
    }
  }
  const [min, max] = spec.args;
  const count = parsed.positionals.length;
  if (!flags.help && (count < min || count > max)) {
    throw new UsageError(`usage: dim register ${spec.usage}`);
  }
  return { flags, positionals: parsed.positionals };
}

/**
 * Runs `dim register <action> ...` with a given prompter (tests pass a
 * scripted one); returns the exit status.
 */
export async function runRegister(
  ctx: CommandContext,
  args: readonly string[],
  prompter?: Prompter,
): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined) {
    printErr(HELP);
    return 2;
  }
  if (action === "help" || action === "--help" || action === "-h") {
    printOut(HELP);
    return 0;
  }
  if (!Object.hasOwn(ACTIONS, action)) {
    throw new UsageError(`unknown register action: ${action}`);
  }
  const { flags, positionals } = parseFlags(action, rest);
  if (flags.help) {
    printOut(HELP);
    return 0;
  }
  const ask = prompter ?? terminalPrompter({ interactive: !flags.yes });
  switch (action) {
    case "generate":
      return await generate(ctx, flags, positionals, ask);
    case "modify":
      return await modify(ctx, flags, positionals, ask);
    case "show":
      return show(ctx, positionals);
    case "list":
      return list(ctx, flags);
    case "export":
      return exportAccount(ctx, flags, positionals);
    case "delete":
      return deleteRegistered(ctx, positionals);
    default:
      return await importAccounts(ctx, positionals);
  }
}

/**
 * The `register` subcommand.
 */
export const register: Subcommand = {
  summary:
    "accounts: generate | modify | show | list | export | import | delete",
  run: (ctx, args) => runRegister(ctx, args),
};
