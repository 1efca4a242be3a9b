/**
 * Group commands, content type 0x89 (spec messages.md §8.11): invite, expel,
 * join, quit, reset, query, hire, fire, resign. The station routes them like
 * any personal message; the classes are for clients and the group bot.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { ContentType } from "../content/content_type.ts";
import { readId, readIdList } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

function idStrings(ids: readonly ID[] | undefined): string[] | undefined {
  return ids?.map((id) => id.value);
}

/**
 * A group command: `{"type": 137, "command", "group", ...}`. Names without
 * their own class (`found`, `abdicate`, ...) stay plain `GroupCommand`s.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const team = parseId("team@hB3yPLgXFsYHL4QFkDU6syDx6SGL4dmQG");
 * const cmd = GroupCommand.generic("found", team);
 * cmd.group?.value === team.value; // true
 * ```
 */
export class GroupCommand extends Command {
  /** Builds the dictionary of a group command. */
  protected static buildGroup(
    name: string,
    group: ID,
    members: Record<string, unknown>,
    options: ContentOptions,
  ): Record<string, unknown> {
    return Command.buildCommand(
      name,
      { group: group.value, ...members },
      { ...options, group: undefined },
      ContentType.HISTORY,
    );
  }

  /** A group command of any name (for names without their own class). */
  static generic(
    name: string,
    group: ID,
    members: Record<string, unknown> = {},
    options: ContentOptions = {},
  ): GroupCommand {
    return new GroupCommand(
      GroupCommand.buildGroup(name, group, members, options),
    );
  }

  /** The members: `members`, else the 2021 single `member`. */
  get members(): ID[] {
    const { members, member } = this.dictionary;
    if (Array.isArray(members)) return readIdList(members);
    const one = readId(member);
    return one === undefined ? [] : [one];
  }

  /** `administrators` of hire / fire. */
  get administrators(): ID[] {
    return readIdList(this.dictionary.administrators);
  }

  /** `assistants` of hire / fire. */
  get assistants(): ID[] {
    return readIdList(this.dictionary.assistants);
  }
}

/**
 * `invite`: add `members`.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const team = parseId("team@hB3yPLgXFsYHL4QFkDU6syDx6SGL4dmQG");
 * const carol = parseId("carol@1DyyT4LeY77hfqJUZ5F1wLJi2NStsaBkSa");
 * InviteCommand.create(team, [carol]).members.length; // 1
 * ```
 */
export class InviteCommand extends GroupCommand {
  /** Invites `members` into `group`. */
  static create(
    group: ID,
    members: readonly ID[],
    options: ContentOptions = {},
  ): InviteCommand {
    return new InviteCommand(
      GroupCommand.buildGroup(
        CommandName.INVITE,
        group,
        { members: idStrings(members) },
        options,
      ),
    );
  }
}

/**
 * `expel` (deprecated, use reset): remove `members`.
 */
export class ExpelCommand extends GroupCommand {
  /** Expels `members` from `group`. */
  static create(
    group: ID,
    members: readonly ID[],
    options: ContentOptions = {},
  ): ExpelCommand {
    return new ExpelCommand(
      GroupCommand.buildGroup(
        CommandName.EXPEL,
        group,
        { members: idStrings(members) },
        options,
      ),
    );
  }
}

/**
 * `join`: ask to join.
 */
export class JoinCommand extends GroupCommand {
  /** Asks to join `group`. */
  static create(group: ID, options: ContentOptions = {}): JoinCommand {
    return new JoinCommand(
      GroupCommand.buildGroup(CommandName.JOIN, group, {}, options),
    );
  }
}

/**
 * `quit`: leave.
 */
export class QuitCommand extends GroupCommand {
  /** Leaves `group`. */
  static create(group: ID, options: ContentOptions = {}): QuitCommand {
    return new QuitCommand(
      GroupCommand.buildGroup(CommandName.QUIT, group, {}, options),
    );
  }
}

/**
 * `reset`: the whole new member list.
 */
export class ResetCommand extends GroupCommand {
  /** Replaces the members of `group`. */
  static create(
    group: ID,
    members: readonly ID[],
    options: ContentOptions = {},
  ): ResetCommand {
    return new ResetCommand(
      GroupCommand.buildGroup(
        CommandName.RESET,
        group,
        { members: idStrings(members) },
        options,
      ),
    );
  }
}

/**
 * `query` (deprecated in v2.x, sent by 2021 clients): ask for the members.
 */
export class QueryGroupCommand extends GroupCommand {
  /** Asks for the members of `group`. */
  static create(
    group: ID,
    options: ContentOptions = {},
  ): QueryGroupCommand {
    return new QueryGroupCommand(
      GroupCommand.buildGroup(CommandName.QUERY, group, {}, options),
    );
  }
}

/**
 * Who `hire` / `fire` are about.
 */
export interface GroupStaff {
  /** Administrators. */
  readonly administrators?: readonly ID[];
  /** Assistants (bots). */
  readonly assistants?: readonly ID[];
}

function staffMembers(staff: GroupStaff): Record<string, unknown> {
  return {
    administrators: idStrings(staff.administrators),
    assistants: idStrings(staff.assistants),
  };
}

/**
 * `hire`: add administrators and/or assistants.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const team = parseId("team@hB3yPLgXFsYHL4QFkDU6syDx6SGL4dmQG");
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * HireCommand.create(team, { administrators: [bob] }).administrators.length; // 1
 * ```
 */
export class HireCommand extends GroupCommand {
  /** Hires staff for `group`. */
  static create(
    group: ID,
    staff: GroupStaff,
    options: ContentOptions = {},
  ): HireCommand {
    return new HireCommand(
      GroupCommand.buildGroup(
        CommandName.HIRE,
        group,
        staffMembers(staff),
        options,
      ),
    );
  }
}

/**
 * `fire`: remove administrators and/or assistants.
 */
export class FireCommand extends GroupCommand {
  /** Fires staff of `group`. */
  static create(
    group: ID,
    staff: GroupStaff,
    options: ContentOptions = {},
  ): FireCommand {
    return new FireCommand(
      GroupCommand.buildGroup(
        CommandName.FIRE,
        group,
        staffMembers(staff),
        options,
      ),
    );
  }
}

/**
 * `resign`: an administrator steps down.
 */
export class ResignCommand extends GroupCommand {
  /** Resigns from administering `group`. */
  static create(
    group: ID,
    options: ContentOptions = {},
  ): ResignCommand {
    return new ResignCommand(
      GroupCommand.buildGroup(CommandName.RESIGN, group, {}, options),
    );
  }
}
