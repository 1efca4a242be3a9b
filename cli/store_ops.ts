/**
 * The operator's commands on the store file (the station may be running:
 * SQLite WAL, one transaction each):
 *
 * ```sh
 * dim store stats            # size, free pages, WAL, accounts, documents, queue
 * dim store vacuum           # give free pages back to the file system
 * dim queue show ID [--json] # a user's offline messages, oldest first
 * dim queue purge ID         # drop them
 * dim register delete ID     # an account and everything kept for it
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseId } from "../dimp/identity/mod.ts";
import { deleteAccount, Store, storeStats, vacuumStore } from "../store/mod.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";

/**
 * The store file does not exist (nothing to show or change).
 *
 * @example
 * ```ts
 * import { NoStoreError } from "./store_ops.ts";
 * new NoStoreError("/var/lib/dim/dim.db");
 * ```
 */
export class NoStoreError extends Error {
  /** Creates the error for `path`. */
  constructor(path: string) {
    super(
      `there is no store at ${path}: name it with --data-dir or --db (see dim help)`,
    );
    this.name = "NoStoreError";
  }
}

/** Opens the existing store at `ctx.storePath`. */
function openExisting(ctx: CommandContext): Store {
  try {
    Deno.statSync(ctx.storePath);
  } catch {
    throw new NoStoreError(ctx.storePath);
  }
  return Store.open({ path: ctx.storePath });
}

function withStore<T>(ctx: CommandContext, fn: (store: Store) => T): T {
  const store = openExisting(ctx);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

const STORE_HELP = `usage: dim store stats [--json]
       dim store vacuum

stats   the store's size (and free pages, WAL), accounts (with private keys
        here), documents, offline messages and their receivers, groups
vacuum  gives the free pages back to the file system (VACUUM; safe while the
        station runs, which waits for it)`;

function runStore(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals, values } = parse("store", args, { json: true });
  const [action] = positionals;
  if (values.help || action === undefined) {
    printOut(STORE_HELP);
    return Promise.resolve(values.help ? 0 : 2);
  }
  if (action === "stats" && positionals.length === 1) {
    const stats = withStore(ctx, storeStats);
    if (values.json) {
      printOut(JSON.stringify({ path: ctx.storePath, ...stats }));
    } else {
      printOut(`store             ${ctx.storePath}`);
      printOut(
        `size              ${mib(stats.bytes)} (${
          mib(stats.freeBytes)
        } free; WAL ${mib(stats.walBytes)})`,
      );
      printOut(
        `accounts          ${stats.accounts} (${stats.localAccounts} with private keys here)`,
      );
      printOut(`documents         ${stats.documents}`);
      printOut(
        `offline messages  ${stats.offlineMessages} for ${stats.offlineReceivers} receivers`,
      );
      printOut(`groups            ${stats.groups}`);
    }
    return Promise.resolve(0);
  }
  if (action === "vacuum" && positionals.length === 1) {
    const { before, after } = withStore(ctx, vacuumStore);
    printOut(`vacuumed ${ctx.storePath}: ${mib(before)} → ${mib(after)}`);
    return Promise.resolve(0);
  }
  throw new UsageError(
    `store: unknown action "${positionals.join(" ")}" (stats or vacuum)`,
  );
}

const QUEUE_HELP = `usage: dim queue show ID [--json]
       dim queue purge ID

show   a user's offline messages (kept for them until they come online),
       oldest first: time, sender, signature; --json: one message per line
purge  drops them all (the senders got "Message cached." receipts: say so)`;

function parse(
  command: string,
  args: string[],
  extra: { json?: boolean } = {},
) {
  try {
    return parseArgs({
      args,
      options: {
        help: { type: "boolean", short: "h" },
        ...(extra.json ? { json: { type: "boolean" as const } } : {}),
      },
      allowPositionals: true,
      strict: true,
    }) as {
      positionals: string[];
      values: { help?: boolean; json?: boolean };
    };
  } catch (e) {
    throw UsageError.fromParseArgs(command, e);
  }
}

function userArgument(command: string, text: string | undefined): string {
  if (text === undefined) {
    throw new UsageError(`${command} needs an ID`);
  }
  try {
    return parseId(text).withoutTerminal().value;
  } catch (error) {
    throw new UsageError(
      `${command}: "${text}" is not an ID (${(error as Error).message})`,
    );
  }
}

function runQueue(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals, values } = parse("queue", args, { json: true });
  const [action, idText, ...more] = positionals;
  if (values.help || action === undefined) {
    printOut(QUEUE_HELP);
    return Promise.resolve(values.help ? 0 : 2);
  }
  if (more.length > 0 || (action !== "show" && action !== "purge")) {
    throw new UsageError(
      `queue: unknown action "${positionals.join(" ")}" (show ID or purge ID)`,
    );
  }
  const id = userArgument(`queue ${action}`, idText);
  return Promise.resolve(withStore(ctx, (store) => {
    const messages = store.messages.load(id);
    if (action === "show") {
      for (const m of messages) {
        const msg = m.msg as Record<string, unknown>;
        printOut(
          values.json
            ? JSON.stringify({
              receiver: m.receiver,
              time: m.time,
              expires: m.expiresAt,
              msg,
            })
            : `${new Date(m.time * 1000).toISOString()}  from ${msg.sender}  ${
              m.signature.slice(-16)
            }`,
        );
      }
      printErr(`dim: ${messages.length} offline message(s) for ${id}`);
      return 0;
    }
    const dropped = store.messages.deleteMany(
      messages.map((m) => ({ receiver: m.receiver, signature: m.signature })),
    );
    printOut(`purged ${dropped} offline message(s) for ${id}`);
    return 0;
  }));
}

/**
 * `dim register delete ID`: the account and everything kept for it;
 * prints what was removed. Exit 1 when the store has no such account.
 *
 * @example
 * ```ts ignore
 * deleteRegistered(ctx, ["alice@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk"]);
 * ```
 */
export function deleteRegistered(ctx: CommandContext, args: string[]): number {
  const id = userArgument("register delete", args[0]);
  return withStore(ctx, (store) => {
    if (!store.metas.has(id) && store.privateKeys.load(id, "M").length === 0) {
      printErr(`dim: unknown ID ${id}: not in the store ${ctx.storePath}`);
      return 1;
    }
    const { rows } = deleteAccount(store, id);
    printOut(
      `deleted ${id}: ${
        Object.entries(rows).map(([table, n]) => `${table} ${n}`).join(", ")
      }`,
    );
    return 0;
  });
}

/**
 * The `store` subcommand (`dim store stats|vacuum`).
 *
 * @example
 * ```ts ignore
 * await storeCommand.run(ctx, ["stats"]);
 * ```
 */
export const storeCommand: Subcommand = {
  summary: "the store file: stats | vacuum",
  run: runStore,
};

/**
 * The `queue` subcommand (`dim queue show|purge ID`).
 *
 * @example
 * ```ts ignore
 * await queueCommand.run(ctx, ["show", "bob@…"]);
 * ```
 */
export const queueCommand: Subcommand = {
  summary: "a user's offline messages: show ID | purge ID",
  run: runQueue,
};
