/**
 * The report command (spec messages.md §8.3, station.md §3.6, §3.7):
 * online / offline, and device tokens.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { readString } from "../content/_values.ts";
import { Command, CommandName } from "./command.ts";

/**
 * `{"command": "report", "title": "online" | "offline" | "apns" | ...}`.
 * Also parsed as reports: the legacy command names `online`, `offline`,
 * `broadcast` and `apns`, and the oldest form `state: "foreground" |
 * "background"`.
 *
 * @example
 * ```ts
 * ReportCommand.online().title; // "online"
 * ```
 */
export class ReportCommand extends Command {
  /** A report with the given title and extra members. */
  static create(
    title: string,
    members: Record<string, unknown> = {},
    options: ContentOptions = {},
  ): ReportCommand {
    return new ReportCommand(
      Command.buildCommand(CommandName.REPORT, { title, ...members }, options),
    );
  }

  /** `report` titled `online`. */
  static online(options: ContentOptions = {}): ReportCommand {
    return ReportCommand.create(CommandName.ONLINE, {}, options);
  }

  /** `report` titled `offline`. */
  static offline(options: ContentOptions = {}): ReportCommand {
    return ReportCommand.create(CommandName.OFFLINE, {}, options);
  }

  /** The `title` member, if a string (the reference dispatches on it only). */
  get title(): string | undefined {
    return readString(this.dictionary.title);
  }

  /** The oldest form's `state` (`foreground` / `background`), if any. */
  get state(): string | undefined {
    return readString(this.dictionary.state);
  }

  /**
   * Online or offline as meant by any of the forms: `title`, else `state`
   * (`foreground` → online, `background` → offline), else the legacy command
   * name `online` / `offline`; `undefined` for other reports.
   */
  get presence(): "online" | "offline" | undefined {
    const title = this.title;
    if (title === "online" || title === "offline") return title;
    if (title !== undefined) return undefined;
    const state = this.state;
    if (state === "foreground") return "online";
    if (state === "background") return "offline";
    const name = this.name;
    return name === "online" || name === "offline" ? name : undefined;
  }
}
