/**
 * What a client (and the group assistant) knows of groups, and the group
 * commands that change it (messages.md §8.11, station.md §6.3): the owner
 * (the bulletin's founder — or, before the bulletin is known, the user
 * whose meta key is the group's), the members (owner first), the
 * administrators, and the history of the commands applied. Who may do what
 * follows the reference group bot (dimpart/group-py README, "Permissions"):
 *
 * | command          | who                                   | effect                     |
 * | ---------------- | ------------------------------------- | -------------------------- |
 * | `reset`, `found` | owner, administrators                 | the whole list, owner first, administrators kept |
 * | `invite`         | owner, administrators / members       | added / kept for review    |
 * | `expel`          | owner, administrators                 | removed (not owner or administrators) |
 * | `join`           | anyone not a member                   | kept for review            |
 * | `quit`           | members (not owner, administrators)   | removed                    |
 * | `hire`, `fire`   | owner                                 | administrators (members only) |
 * | `resign`         | administrators                        | no longer administrator    |
 * | `query`          | members                               | (the caller answers with the history) |
 *
 * A command older than the group's last reset is expired. A refusal is the
 * receipt text with `template` / `replacements` the caller sends back.
 *
 * @module
 */
import type { GroupCommand } from "../dimp/command/mod.ts";
import { CommandName } from "../dimp/command/mod.ts";
import { type ID, parseId, tryParseId } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import type { Accounts, StoredGroupCommand } from "../store/mod.ts";

/**
 * The receipt text of a group command the assistant applied (or kept for
 * review): a "… received." like the station's acknowledgements. The
 * reference bot answers nothing, so its senders can only tell a refusal
 * from a loss by waiting.
 */
export const GROUP_COMMAND_RECEIVED = "Group command received.";

/**
 * A command that was not applied: the receipt text (`Permission denied.`,
 * `Command expired.`, …) with its `template` and `replacements`.
 *
 * @example
 * ```ts
 * const refusal: GroupRefusal = {
 *   text: "Permission denied.",
 *   template: "Not allowed to reset members of group: ${gid}",
 *   replacements: { gid: "team@…" },
 * };
 * ```
 */
export interface GroupRefusal {
  /** The receipt text. */
  readonly text: string;
  /** What happened, with `${…}` placeholders. */
  readonly template: string;
  /** The placeholder values. */
  readonly replacements: Readonly<Record<string, string>>;
}

/**
 * What {@link GroupBook.apply} did.
 *
 * @example
 * ```ts ignore
 * const result = book.apply(command, msg);
 * if (!result.ok) await session.send(sender, refusalReceipt(result.refusal));
 * ```
 */
export type GroupCommandResult =
  | {
    readonly ok: true;
    /** The group. */
    readonly group: ID;
    /** Members or administrators changed. */
    readonly changed: boolean;
    /** Kept for the owner or an administrator to review (invite by a member, join). */
    readonly review: boolean;
    /** The members before the command. */
    readonly before: readonly ID[];
  }
  | { readonly ok: false; readonly refusal: GroupRefusal };

function ids(values: readonly string[]): ID[] {
  return values.map((value) => parseId(value));
}

function has(list: readonly ID[], id: ID): boolean {
  return list.some((item) => item.equals(id));
}

function without(list: readonly ID[], gone: readonly ID[]): ID[] {
  return list.filter((item) => !has(gone, item));
}

/**
 * Groups as this store knows them, and the group commands that change
 * them.
 *
 * @example
 * ```ts ignore
 * const book = new GroupBook(accounts);
 * const result = book.apply(resetCommand, reliable); // checked against the owner
 * book.members(team).map((id) => id.value);
 * ```
 */
export class GroupBook {
  /** The account facade (bulletins and metas) and its store (group tables). */
  readonly accounts: Accounts;

  /** A book over `accounts` and its store. */
  constructor(accounts: Accounts) {
    this.accounts = accounts;
  }

  /**
   * The owner: the bulletin's `owner`, else its `founder`; without a
   * bulletin, `candidate` when its meta key is the group's meta key (the
   * founder signs the group's meta).
   */
  owner(group: ID, candidate?: ID): ID | undefined {
    const bulletin = this.accounts.document(group);
    if (bulletin !== undefined) {
      const owner = bulletin.getProperty("owner");
      return (typeof owner === "string" ? tryParseId(owner) : undefined) ??
        bulletin.founder();
    }
    if (candidate === undefined) return undefined;
    const groupMeta = this.accounts.meta(group);
    const userMeta = this.accounts.meta(candidate);
    return groupMeta !== undefined && userMeta !== undefined &&
        groupMeta.key.equals(userMeta.key)
      ? candidate.withoutTerminal()
      : undefined;
  }

  /** The members, owner first (just the owner when none are stored). */
  members(group: ID): ID[] {
    const stored = ids(this.accounts.store.groupMembers.get(group.value));
    if (stored.length > 0) return stored;
    const owner = this.owner(group);
    return owner === undefined ? [] : [owner];
  }

  /** The administrators. */
  administrators(group: ID): ID[] {
    return ids(this.accounts.store.groupAdmins.get(group.value));
  }

  /** Whether `user` is a member (the owner is one). */
  isMember(group: ID, user: ID): boolean {
    return has(this.members(group), user.withoutTerminal());
  }

  /** The commands applied (and kept for review), in the order stored. */
  history(group: ID): StoredGroupCommand[] {
    return this.accounts.store.groupHistory.list(group.value);
  }

  /**
   * Applies a group command `msg` carried (its sender is the author: the
   * caller has verified the message), or refuses it.
   */
  apply(command: GroupCommand, msg: ReliableMessage): GroupCommandResult {
    const sender = msg.sender.withoutTerminal();
    const name = command.name;
    const group = command.group;
    if (group === undefined || !group.isGroup || group.isBroadcast) {
      return refuse(
        "Command error.",
        "Group command without a group: ${cmd}.",
        {
          cmd: name,
        },
      );
    }
    const gid = { gid: group.value };
    const resetAt = this.accounts.store.groupHistory.resetTime(group.value);
    const time = command.time ?? msg.time;
    if (resetAt !== undefined && time !== undefined && time < resetAt) {
      return refuse(
        "Command expired.",
        "Group command expired: ${cmd}, group: ${gid}.",
        { cmd: name, ...gid },
      );
    }
    const owner = this.owner(group, sender);
    if (owner === undefined) {
      return refuse("Group empty.", "Group empty: ${gid}.", gid);
    }
    const before = this.members(group);
    const admins = this.administrators(group);
    const isOwner = sender.equals(owner);
    const isAdmin = has(admins, sender);
    const isMember = has(before, sender);
    const listed = command.members;
    const denied = (template: string) =>
      refuse("Permission denied.", template, gid);
    const done = (changed: boolean, review = false): GroupCommandResult => {
      this.#record(group, name, sender, time, command, msg);
      return { ok: true, group, changed, review, before };
    };
    switch (name) {
      case CommandName.RESET:
      case CommandName.FOUND: {
        if (listed.length === 0) {
          return refuse("Command error.", "Group members empty: ${gid}.", gid);
        }
        if (!isOwner && !isAdmin) {
          return denied("Not allowed to reset members of group: ${gid}");
        }
        if (!listed[0].equals(owner)) {
          return denied("Owner must be the first member of group: ${gid}");
        }
        if (admins.some((admin) => !has(listed, admin))) {
          return denied("Not allowed to expel administrator of group: ${gid}");
        }
        return done(this.#saveMembers(group, listed));
      }
      case CommandName.INVITE: {
        if (listed.length === 0) {
          return refuse("Command error.", "Group members empty: ${gid}.", gid);
        }
        if (!isMember && !isOwner) {
          return denied("Not allowed to invite member into group: ${gid}");
        }
        if (!isOwner && !isAdmin) return done(false, true);
        return done(this.#saveMembers(group, [...before, ...listed]));
      }
      case CommandName.EXPEL: {
        if (listed.length === 0) {
          return refuse("Command error.", "Group members empty: ${gid}.", gid);
        }
        if (!isOwner && !isAdmin) {
          return denied("Not allowed to expel member from group: ${gid}");
        }
        if (has(listed, owner) || admins.some((admin) => has(listed, admin))) {
          return denied(
            "Not allowed to expel owner or administrator of group: ${gid}",
          );
        }
        return done(this.#saveMembers(group, without(before, listed)));
      }
      case CommandName.JOIN:
        return isMember
          ? { ok: true, group, changed: false, review: false, before }
          : done(false, true);
      case CommandName.QUIT: {
        if (isOwner) return denied("Owner cannot quit from group: ${gid}");
        if (isAdmin) {
          return denied("Administrator cannot quit from group: ${gid}");
        }
        if (!isMember) return denied("Not a member of group: ${gid}");
        return done(this.#saveMembers(group, without(before, [sender])));
      }
      case CommandName.HIRE:
      case CommandName.FIRE: {
        if (!isOwner) {
          return denied(
            "Not allowed to hire or fire administrators of group: ${gid}",
          );
        }
        const staff = command.administrators;
        if (name === CommandName.FIRE) {
          return done(this.#saveAdmins(group, without(admins, staff)));
        }
        if (staff.some((admin) => !has(before, admin) || admin.equals(owner))) {
          return denied(
            "Only members other than the owner can administer group: ${gid}",
          );
        }
        return done(this.#saveAdmins(group, [...admins, ...staff]));
      }
      case CommandName.RESIGN: {
        if (isOwner) return denied("Owner cannot resign from group: ${gid}");
        if (!isAdmin) return denied("Not an administrator of group: ${gid}");
        return done(this.#saveAdmins(group, without(admins, [sender])));
      }
      case CommandName.QUERY:
        // answered by the caller with the history; nothing to record
        return isMember || isOwner
          ? { ok: true, group, changed: false, review: false, before }
          : denied("Not allowed to query members of group: ${gid}");
      default:
        return refuse(
          "Command not support.",
          "Group command (name: ${command}) not support yet!",
          { command: name },
        );
    }
  }

  #saveMembers(group: ID, members: readonly ID[]): boolean {
    return this.accounts.store.groupMembers.save(
      group.value,
      members.map((id) => id.withoutTerminal().value),
    );
  }

  #saveAdmins(group: ID, admins: readonly ID[]): boolean {
    return this.accounts.store.groupAdmins.save(
      group.value,
      admins.map((id) => id.withoutTerminal().value),
    );
  }

  #record(
    group: ID,
    name: string,
    sender: ID,
    time: number | undefined,
    command: GroupCommand,
    msg: ReliableMessage,
  ): void {
    this.accounts.store.groupHistory.append({
      group: group.value,
      command: name,
      sender: sender.value,
      time,
      cmd: command.dictionary,
      msg: msg.dictionary,
    });
  }
}

function refuse(
  text: string,
  template: string,
  replacements: Record<string, string>,
): GroupCommandResult {
  return { ok: false, refusal: { text, template, replacements } };
}
