/**
 * The ANS command (spec messages.md §8.8, station.md §4.9): resolve short
 * names such as `archivist` to IDs.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { isRecord, readString, readStringList } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/**
 * `{"command": "ans", "names": "a b", "records": {name: ID}, "missed": [...]}`.
 *
 * @example
 * ```ts
 * const query = AnsCommand.query(["archivist", "announcer"]);
 * query.names; // ["archivist", "announcer"]
 * ```
 */
export class AnsCommand extends Command {
  /** Asks for the IDs of `names`. */
  static query(
    names: readonly string[],
    options: ContentOptions = {},
  ): AnsCommand {
    return new AnsCommand(
      Command.buildCommand(
        CommandName.ANS,
        { names: names.join(" ") },
        options,
      ),
    );
  }

  /** Answers with the resolved `records` and the `missed` names. */
  static response(
    names: readonly string[],
    records: Readonly<Record<string, ID | string>>,
    missed: readonly string[] = [],
    options: ContentOptions = {},
  ): AnsCommand {
    const found: Record<string, string> = {};
    for (const [name, id] of Object.entries(records)) found[name] = String(id);
    return new AnsCommand(
      Command.buildCommand(CommandName.ANS, {
        names: names.join(" "),
        records: found,
        missed: missed.length === 0 ? undefined : [...missed],
      }, options),
    );
  }

  /** The names asked for (`names` split on spaces, empties dropped). */
  get names(): string[] {
    return (readString(this.dictionary.names) ?? "").split(" ")
      .filter((name) => name !== "");
  }

  /** `records` {name: ID string}, if present (a response). */
  get records(): Record<string, string> | undefined {
    const records = this.dictionary.records;
    if (!isRecord(records)) return undefined;
    const out: Record<string, string> = {};
    for (const [name, id] of Object.entries(records)) {
      if (typeof id === "string") out[name] = id;
    }
    return out;
  }

  /** The names that did not resolve. */
  get missed(): string[] {
    return readStringList(this.dictionary.missed);
  }
}
