/**
 * `dim client group …` and `dim client send --to <group>`: groups kept by a
 * group assistant (station.md §6.3), on the wire the reference clients
 * speak (client/group_client.ts).
 *
 * ```sh
 * dim client group create --as alice --name "Team" bob 0x…   # the group ID last
 * dim client group members --as bob <group ID> [--json]
 * dim client group add --as alice <group ID> carol
 * dim client group remove --as alice <group ID> carol
 * dim client group quit --as bob <group ID>
 * dim client send --from bob --to <group ID> "hello all"
 * ```
 *
 * @module
 */
import {
  type ClientSession,
  type ClientSessionOptions,
  GroupBook,
  GroupClient,
  GroupRefusedError,
  receiptDetail,
} from "../client/mod.ts";
import { TextContent } from "../dimp/content/mod.ts";
import { type ID, tryParseId } from "../dimp/identity/mod.ts";
import type { Accounts } from "../store/mod.ts";
import {
  connect,
  type Endpoint,
  handshakeWithin,
  openAccounts,
  openSession,
  parseEndpoint,
  parsePositive,
  resolveAccount,
  resolveLocal,
} from "./_client_common.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext } from "./subcommand.ts";

/** The options the group actions read. */
export interface GroupFlags {
  readonly station?: string;
  readonly framing?: string;
  readonly as?: string;
  readonly from?: string;
  readonly to?: string;
  readonly name?: string;
  readonly assistant?: string;
  readonly json?: boolean;
  readonly timeout?: string;
  readonly verbose?: boolean;
}

/** The usage lines of `group`. */
export const GROUP_USAGE = [
  "group create --as A --name TITLE [--assistant ID] <member...>",
  "group members --as A <group> [--json]",
  "group add --as A <group> <member...>",
  "group remove --as A <group> <member...>",
  "group quit --as A <group>",
];

const TIMEOUT_S = 30;

/** A group ID from the command line. */
function parseGroup(text: string | undefined): ID {
  const id = text === undefined ? undefined : tryParseId(text.trim());
  if (id === undefined || !id.isGroup || id.isBroadcast) {
    throw new UsageError(`"${text ?? ""}" is not a group ID`);
  }
  return id;
}

/** A session with a group book, and the group operations on it. */
interface GroupSession {
  readonly session: ClientSession;
  readonly groups: GroupClient;
}

function openGroupSession(
  accounts: Accounts,
  user: ID,
  endpoint: Endpoint,
  flags: GroupFlags,
  timeout: number,
): GroupSession {
  const book = new GroupBook(accounts);
  const holder: { groups?: GroupClient } = {};
  const options: Partial<ClientSessionOptions> = {
    ...handshakeWithin(timeout),
    queryTimeout: Math.min(10, timeout) * 1000,
    receiptTimeout: timeout * 1000,
    sendReceipts: false,
    groups: book,
    onMessage: (msg) => holder.groups?.observe(msg),
    onForward: (sender, messages) =>
      holder.groups?.observeForward(sender, messages),
  };
  const session = openSession(
    accounts,
    user,
    endpoint,
    flags.verbose === true,
    options,
  );
  const groups = new GroupClient(session, book, { timeoutMs: timeout * 1000 });
  holder.groups = groups;
  return { session, groups };
}

/** Runs `fn` with a connected group session as `user`; refusals exit 1. */
async function withGroups(
  ctx: CommandContext,
  flags: GroupFlags,
  userText: string,
  what: string,
  fn: (
    groups: GroupClient,
    session: ClientSession,
    accounts: Accounts,
  ) => Promise<number>,
): Promise<number> {
  const endpoint = parseEndpoint(ctx, flags);
  const timeout = flags.timeout === undefined
    ? TIMEOUT_S
    : parsePositive(flags.timeout, "--timeout");
  const accounts = openAccounts(ctx);
  try {
    const user = resolveLocal(accounts, userText, what);
    const { session, groups } = openGroupSession(
      accounts,
      user,
      endpoint,
      flags,
      timeout,
    );
    try {
      await connect(session, endpoint);
      return await fn(groups, session, accounts);
    } catch (error) {
      if (!(error instanceof GroupRefusedError)) throw error;
      printErr(`dim client: ${error.message}`);
      return 1;
    } finally {
      await session.close();
    }
  } finally {
    accounts.store.close();
  }
}

/**
 * Prints members: `ID<TAB>name`, with `<TAB>waiting for a visa` for a
 * member the group's messages wait for (its station has no visa of it
 * yet), or JSON objects with `id`, `name` and `waiting_for_visa` (`null`:
 * the station did not say).
 */
async function printMembers(
  session: ClientSession,
  groups: GroupClient,
  members: readonly ID[],
  json: boolean,
): Promise<void> {
  for (const member of members) {
    const name = (await session.fetchVisa(member).catch(() => undefined))
      ?.name;
    const waiting = await groups.waitsForVisa(member);
    printOut(
      json
        ? JSON.stringify({
          id: member.value,
          name: name ?? null,
          waiting_for_visa: waiting ?? null,
        })
        : `${member.value}\t${name ?? ""}${
          waiting === true ? "\twaiting for a visa" : ""
        }`,
    );
  }
}

/**
 * Runs `dim client group <action> …`; returns the exit status.
 *
 * @throws {UsageError} a bad command line
 */
export async function group(
  ctx: CommandContext,
  flags: GroupFlags,
  args: readonly string[],
): Promise<number> {
  const [action, ...rest] = args;
  const usage = () =>
    new UsageError(
      `usage:\n${GROUP_USAGE.map((line) => `  dim client ${line}`).join("\n")}`,
    );
  if (flags.as === undefined) throw usage();
  if (flags.name !== undefined && action !== "create") {
    throw new UsageError(`client group ${action} takes no --name`);
  }
  if (flags.assistant !== undefined && action !== "create") {
    throw new UsageError(`client group ${action} takes no --assistant`);
  }
  switch (action) {
    case "create": {
      if (flags.name === undefined || flags.name.trim() === "") {
        throw usage();
      }
      if (rest.length === 0) throw usage();
      return await withGroups(
        ctx,
        flags,
        flags.as,
        "--as",
        async (groups, _s, accounts) => {
          const members = rest.map((text) =>
            resolveAccount(accounts, text, "member")
          );
          const assistant = flags.assistant === undefined
            ? undefined
            : resolveAccount(accounts, flags.assistant, "--assistant");
          const team = await groups.create(flags.name!, members, assistant);
          printErr(
            `dim client: group "${flags.name}" made with ${
              groups.book.members(team).length
            } member(s), kept by ${(await groups.assistantOf(team)).value}`,
          );
          printOut(team.value);
          return 0;
        },
      );
    }
    case "members": {
      if (rest.length !== 1) throw usage();
      const team = parseGroup(rest[0]);
      return await withGroups(
        ctx,
        flags,
        flags.as,
        "--as",
        async (groups, session) => {
          await printMembers(
            session,
            groups,
            await groups.members(team),
            flags.json === true,
          );
          return 0;
        },
      );
    }
    case "add":
    case "remove": {
      if (rest.length < 2) throw usage();
      const team = parseGroup(rest[0]);
      return await withGroups(
        ctx,
        flags,
        flags.as,
        "--as",
        async (groups, _s, accounts) => {
          const members = rest.slice(1).map((text) =>
            resolveAccount(accounts, text, "member")
          );
          if (action === "remove") {
            await groups.remove(team, members);
          } else if (!await groups.add(team, members)) {
            printErr(
              "dim client: invited; the owner or an administrator reviews it",
            );
            return 0;
          }
          printErr(
            `dim client: ${team.value} has ${
              groups.book.members(team).length
            } member(s)`,
          );
          return 0;
        },
      );
    }
    case "quit": {
      if (rest.length !== 1) throw usage();
      const team = parseGroup(rest[0]);
      return await withGroups(ctx, flags, flags.as, "--as", async (groups) => {
        await groups.quit(team);
        printErr(`dim client: left ${team.value}`);
        return 0;
      });
    }
    default:
      throw usage();
  }
}

/**
 * `dim client send --to <group>`: the text goes to the group's assistant,
 * which splits it; exit 0 once its receipt came.
 *
 * @throws {UsageError} a bad command line
 */
export async function sendToGroup(
  ctx: CommandContext,
  flags: GroupFlags,
  text: string,
): Promise<number> {
  const team = parseGroup(flags.to);
  return await withGroups(
    ctx,
    flags,
    flags.from!,
    "--from",
    async (groups, session) => {
      const started = Date.now();
      const { message, receipt } = await groups.send(
        team,
        TextContent.create(text),
      );
      const ms = receipt.receivedAt - message.sentAt;
      printErr(
        `dim client: group receipt from ${receipt.from.value}: ${receipt.text} ${
          receiptDetail(receipt.command)
        } (${ms} ms)`,
      );
      if (flags.json) {
        printOut(JSON.stringify({
          event: "receipt",
          sender: session.user.value,
          group: team.value,
          sn: message.sn,
          signature: message.message.signature,
          assistant: receipt.from.value,
          text: receipt.text,
          ms: Date.now() - started,
        }));
      }
      return 0;
    },
  );
}
