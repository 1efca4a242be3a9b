/**
 * Which class a command dictionary becomes, by its name (after the incoming
 * compatibility has filled `command` from `cmd`).
 *
 * @module
 */
import { ContentType } from "../content/content_type.ts";
import { firstString } from "../content/_values.ts";
import { AnsCommand } from "./ans.ts";
import { BlockCommand } from "./block.ts";
import { Command, CommandName } from "./command.ts";
import { DocumentCommand } from "./documents.ts";
import {
  ExpelCommand,
  FireCommand,
  GroupCommand,
  HireCommand,
  InviteCommand,
  JoinCommand,
  QueryGroupCommand,
  QuitCommand,
  ResetCommand,
  ResignCommand,
} from "./group.ts";
import { HandshakeCommand } from "./handshake.ts";
import { LoginCommand } from "./login.ts";
import { MetaCommand } from "./meta.ts";
import { MuteCommand } from "./mute.ts";
import { ReceiptCommand } from "./receipt.ts";
import { ReportCommand } from "./report.ts";
import { SearchCommand } from "./search.ts";
import { StorageCommand } from "./storage.ts";

type CommandClass = new (dictionary: Record<string, unknown>) => Command;

const COMMANDS: ReadonlyMap<string, CommandClass> = new Map<
  string,
  CommandClass
>([
  [CommandName.HANDSHAKE, HandshakeCommand],
  [CommandName.LOGIN, LoginCommand],
  [CommandName.REPORT, ReportCommand],
  [CommandName.ONLINE, ReportCommand],
  [CommandName.OFFLINE, ReportCommand],
  [CommandName.BROADCAST, ReportCommand],
  [CommandName.APNS, ReportCommand],
  [CommandName.META, MetaCommand],
  [CommandName.DOCUMENTS, DocumentCommand],
  [CommandName.DOCUMENT, DocumentCommand],
  [CommandName.PROFILE, DocumentCommand],
  [CommandName.VISA, DocumentCommand],
  [CommandName.BULLETIN, DocumentCommand],
  [CommandName.RECEIPT, ReceiptCommand],
  [CommandName.BLOCK, BlockCommand],
  [CommandName.MUTE, MuteCommand],
  [CommandName.ANS, AnsCommand],
  [CommandName.SEARCH, SearchCommand],
  [CommandName.USERS, SearchCommand],
  [CommandName.STORAGE, StorageCommand],
  [CommandName.CONTACTS, StorageCommand],
]);

const GROUP_COMMANDS: ReadonlyMap<string, CommandClass> = new Map<
  string,
  CommandClass
>([
  [CommandName.INVITE, InviteCommand],
  [CommandName.EXPEL, ExpelCommand],
  [CommandName.JOIN, JoinCommand],
  [CommandName.QUIT, QuitCommand],
  [CommandName.QUERY, QueryGroupCommand],
  [CommandName.RESET, ResetCommand],
  [CommandName.HIRE, HireCommand],
  [CommandName.FIRE, FireCommand],
  [CommandName.RESIGN, ResignCommand],
]);

/**
 * Wraps a command dictionary in its class: by `command` (else `cmd`);
 * group command names map to the group classes when the type is 0x89 or a
 * `group` is present; anything else stays a plain {@link Command} (or
 * {@link GroupCommand} for type 0x89) with its dictionary untouched.
 *
 * @example
 * ```ts
 * import { HandshakeCommand } from "./handshake.ts";
 * parseCommand({ type: 136, command: "handshake", title: "DIM?" }) instanceof HandshakeCommand; // true
 * ```
 */
export function parseCommand(
  dictionary: Record<string, unknown>,
  type: number = ContentType.COMMAND,
): Command {
  const name = firstString(dictionary.command, dictionary.cmd) ?? "";
  const isHistory = type === ContentType.HISTORY;
  if (isHistory || dictionary.group !== undefined) {
    const group = GROUP_COMMANDS.get(name);
    if (group !== undefined) return new group(dictionary);
  }
  const known = COMMANDS.get(name);
  if (known !== undefined) return new known(dictionary);
  return isHistory ? new GroupCommand(dictionary) : new Command(dictionary);
}
