/**
 * The command base class: content type 0x88 with the command name in
 * `command` (legacy `cmd`) (spec messages.md §8).
 *
 * @module
 */
import { Content, type ContentOptions } from "../content/content.ts";
import { ContentType } from "../content/content_type.ts";
import { firstString } from "../content/_values.ts";

/**
 * The command names this library knows.
 */
export const CommandName = {
  HANDSHAKE: "handshake",
  LOGIN: "login",
  REPORT: "report",
  ONLINE: "online",
  OFFLINE: "offline",
  BROADCAST: "broadcast",
  APNS: "apns",
  META: "meta",
  DOCUMENTS: "documents",
  DOCUMENT: "document",
  PROFILE: "profile",
  VISA: "visa",
  BULLETIN: "bulletin",
  RECEIPT: "receipt",
  BLOCK: "block",
  MUTE: "mute",
  ANS: "ans",
  SEARCH: "search",
  USERS: "users",
  STORAGE: "storage",
  CONTACTS: "contacts",
  // group commands (type 0x89)
  FOUND: "found",
  ABDICATE: "abdicate",
  INVITE: "invite",
  EXPEL: "expel",
  JOIN: "join",
  QUIT: "quit",
  QUERY: "query",
  RESET: "reset",
  HIRE: "hire",
  FIRE: "fire",
  RESIGN: "resign",
} as const;

/**
 * A command. Unknown command names stay plain `Command` objects.
 *
 * @example
 * ```ts
 * const cmd = Command.named("storage", { title: "contacts" });
 * cmd.name; // "storage"
 * ```
 */
export class Command extends Content {
  /**
   * Builds a command dictionary: `type` (0x88 unless given), `sn`, `time`,
   * `command`, then the members.
   */
  static buildCommand(
    name: string,
    members: Record<string, unknown>,
    options: ContentOptions = {},
    type: number = ContentType.COMMAND,
  ): Record<string, unknown> {
    return Content.build(type, members, options, name);
  }

  /** A new command of any name (for names without their own class). */
  static named(
    name: string,
    members: Record<string, unknown> = {},
    options: ContentOptions = {},
  ): Command {
    return new Command(Command.buildCommand(name, members, options));
  }

  /** The command name: `command`, else the legacy `cmd` ("" when neither). */
  get name(): string {
    return firstString(this.dictionary.command, this.dictionary.cmd) ?? "";
  }
}
