/**
 * The ANS command (station.md §4.9): resolves space-separated names to IDs
 * (`records`) and lists the names it cannot resolve (`missed`).
 *
 * @module
 */
import type { Content } from "../../dimp/content/mod.ts";
import { AnsCommand } from "../../dimp/command/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { respond } from "./_receipt.ts";

/**
 * Processes an ANS query.
 *
 * @example
 * ```ts ignore
 * await processAns(AnsCommand.query(["archivist", "nobody"]), request, core);
 * // [{command: "ans", names: "archivist nobody", records: {archivist: …}, missed: ["nobody"]}]
 * ```
 */
export function processAns(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] {
  const cmd = content instanceof AnsCommand
    ? content
    : new AnsCommand(content.dictionary);
  const names = cmd.names;
  if (names.length === 0) {
    return [respond("ANS command error.", request, content)];
  }
  const records: Record<string, string> = {};
  const missed: string[] = [];
  for (const name of names) {
    const id = core.ans.resolve(name);
    if (id === undefined) missed.push(name);
    else records[name] = id.value;
  }
  return [AnsCommand.response(names, records, missed)];
}
