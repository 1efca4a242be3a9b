/**
 * The report command (station.md §3.6): `online` re-activates the session
 * (stored messages follow) and is answered "Online received."; `offline`
 * deactivates it (pushes stop; new messages are stored) without a reply.
 * Only the session's own bound user may report. Also read: the legacy
 * command names `online` / `offline` and the oldest `state` form.
 *
 * @module
 */
import type { Content } from "../../dimp/content/mod.ts";
import { ReportCommand } from "../../dimp/command/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { respond } from "./_receipt.ts";

/**
 * Processes a report.
 *
 * @example
 * ```ts ignore
 * await processReport(ReportCommand.online(), request, core); // ["Online received."]
 * ```
 */
export function processReport(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] {
  const cmd = content instanceof ReportCommand
    ? content
    : new ReportCommand(content.dictionary);
  const { session, sender } = request;
  const user = session.identifier;
  if (user === undefined || !user.equals(sender)) {
    core.log.warn(`report from ${sender.value} on an unbound or other session`);
    return [];
  }
  switch (cmd.presence) {
    case "online":
      if (session.setActive(true, cmd.time)) core.activated(session);
      return [
        respond(
          "Online received.",
          request,
          content,
          "Online command received: ${did}.",
          { did: sender.value },
        ),
      ];
    case "offline":
      session.setActive(false, cmd.time);
      return [];
  }
  return [
    respond(
      "Command not support.",
      request,
      content,
      "Report command (title: ${title}) not support yet!",
      { title: cmd.title ?? cmd.name },
    ),
  ];
}
