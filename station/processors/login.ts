/**
 * The login command (station.md §3.5): the newest login of each user is
 * stored with the message that carried it (for roaming and for document
 * queries); a login from the session's own user that names this station
 * re-activates the session and is answered "Login received.".
 *
 * Beyond the reference: the login's `did` must be its sender, and a login
 * relayed by a station session is verified before it is stored (unless the
 * user's meta is unknown here: then the neighbour is trusted, as the
 * reference trusts it always).
 *
 * @module
 */
import type { Content } from "../../dimp/content/mod.ts";
import { LoginCommand } from "../../dimp/command/mod.ts";
import { KeyNotFoundError } from "../../dimp/message/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { respond } from "./_receipt.ts";

/**
 * Processes a login.
 *
 * @example
 * ```ts ignore
 * await processLogin(LoginCommand.create(alice, { station: { id: stationId } }), request, core);
 * ```
 */
export async function processLogin(
  content: Content,
  request: Request,
  core: StationCore,
): Promise<Content[]> {
  const cmd = content instanceof LoginCommand
    ? content
    : new LoginCommand(content.dictionary);
  const { session, sender, msg } = request;
  const user = cmd.identifier;
  if (user === undefined || cmd.station === undefined) {
    core.log.warn(`login from ${sender.value} without did or station`);
    return [];
  }
  const naked = user.withoutTerminal();
  if (!naked.equals(sender)) {
    core.log.warn(`login for ${user.value} sent by ${sender.value}: dropped`);
    return [];
  }
  if (session.isStation && !session.identifier!.equals(sender)) {
    try {
      await core.messenger.verify(msg);
    } catch (error) {
      // a user never seen here: the neighbour is trusted, as the reference does
      if (!(error instanceof KeyNotFoundError)) {
        core.log.warn(`relayed login of ${user.value} refused: ${error}`);
        return [];
      }
    }
  }
  let saved: boolean;
  const done = core.stats.time("save_login");
  try {
    saved = core.store.logins.save({
      user: naked.value,
      terminal: user.terminal ?? cmd.terminal,
      time: cmd.time,
      stationId: cmd.stationId?.value,
      cmd: cmd.dictionary,
      msg: { ...msg.dictionary },
    });
  } catch (error) {
    core.log.warn(`login of ${user.value} not stored: ${error}`);
    return [];
  } finally {
    done();
  }
  if (!saved) return []; // older than the stored one
  const station = cmd.stationId;
  core.dispatcher.loginChanged(naked, station, cmd.time);
  if (station !== undefined && !station.equals(core.identity.id)) return [];
  if (session.identifier === undefined || !session.identifier.equals(naked)) {
    return []; // relayed by a neighbour
  }
  if (session.setActive(true, cmd.time)) core.activated(session);
  return [
    respond(
      "Login received.",
      request,
      content,
      "Login command received: ${did}.",
      { did: user.value },
    ),
  ];
}
