/**
 * The ANS command (station.md §4.9): resolves space-separated names to IDs
 * (`records`) and lists the names it cannot resolve (`missed`). A query
 * is answered for its first {@link MAX_ANS_NAMES} names only: a lookup per
 * name, 50,000 names in one message held the station up for seconds.
 *
 * @module
 */
import type { Content } from "../../dimp/content/mod.ts";
import { AnsCommand } from "../../dimp/command/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { respond } from "./_receipt.ts";

/**
 * The most names of one ANS query that are looked up.
 *
 * @example
 * ```ts
 * MAX_ANS_NAMES; // 64
 * ```
 */
export const MAX_ANS_NAMES = 64;

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
  const asked = cmd.names;
  if (asked.length === 0) {
    return [respond("ANS command error.", request, content)];
  }
  const names = asked.slice(0, MAX_ANS_NAMES);
  if (asked.length > names.length) {
    core.log.warn(
      `ANS query of ${request.sender.value} with ${asked.length} names: ` +
        `the first ${MAX_ANS_NAMES} looked up`,
    );
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
