/**
 * The handshake (station.md §3.2): `Hello world!` with the session key binds
 * the session; without it (or with another key) the station answers `DIM?`
 * with the key; the speed test `Nice to meet you!` is answered with the
 * client's address and binds nothing. Titles are read from `title`, else
 * the 2021 `message`.
 *
 * @module
 */
import { stationBlockList } from "../station_blocks.ts";
import type { Content } from "../../dimp/content/mod.ts";
import { HandshakeCommand, HandshakeTitle } from "../../dimp/command/mod.ts";
import type { Request, StationCore } from "../core.ts";
import { PRESENCE_COMMAND } from "../presence.ts";
import { respond } from "./_receipt.ts";

/**
 * Processes a handshake.
 *
 * @example
 * ```ts ignore
 * await processHandshake(HandshakeCommand.offer(), request, core); // [DIM?]
 * ```
 */
export function processHandshake(
  content: Content,
  request: Request,
  core: StationCore,
): Content[] {
  const cmd = content instanceof HandshakeCommand
    ? content
    : new HandshakeCommand(content.dictionary);
  const { session, sender } = request;
  const remoteAddress = session.conn.remoteAddress;
  const title = cmd.title;
  switch (title) {
    case HandshakeTitle.AGAIN:
    case HandshakeTitle.SUCCESS:
      return [
        respond(
          "Command not support.",
          request,
          content,
          'Handshake command error: title="${title}".',
          { title },
        ),
      ];
    case HandshakeTitle.SPEED_TEST:
      return [
        HandshakeCommand.create(HandshakeTitle.SPEED_TEST_REPLY, undefined, {
          remoteAddress,
        }),
      ];
    case HandshakeTitle.SPEED_TEST_REPLY:
      return [];
    case HandshakeTitle.HELLO:
      break;
    default:
      core.stats.handshakes.failed++;
      core.log.warn("handshake failed", {
        ...where(request),
        reason: `unknown title "${title}"`,
      });
      return [];
  }
  const bound = session.identifier;
  if (bound !== undefined && !bound.equals(sender)) {
    core.stats.handshakes.failed++;
    core.log.warn("handshake failed", {
      ...where(request),
      reason: `the session belongs to ${bound.value}`,
    });
    return [];
  }
  if (cmd.session !== session.key) {
    core.stats.handshakes.again++;
    core.log.debug("handshake: session key sent (DIM?)", where(request));
    return [HandshakeCommand.again(session.key, { remoteAddress })];
  }
  if (
    stationBlockList(core.store, core.center.station).has(
      sender.withoutTerminal().value,
    )
  ) {
    // the operator shut this account out (dim block)
    core.stats.handshakes.failed++;
    core.log.warn("handshake refused", {
      ...where(request),
      reason: "blocked by the station's operator",
    });
    session.conn.close();
    return [];
  }
  core.stats.handshakes.success++;
  if (bound === undefined) core.center.bind(session, sender);
  // a station's session carries other users' messages: their receipts stay single
  session.receiptArrays = cmd.wantsReceiptArrays && !session.isStation;
  session.setActive(true, cmd.time);
  core.log.info("handshake", where(request));
  if (!session.isStation) core.dispatcher.presence.arrived(sender);
  core.bound(session);
  const accepted = HandshakeCommand.success(session.key, { remoteAddress });
  // a station's bridge learns that this station takes presence notices
  if (session.isStation) accepted.dictionary[PRESENCE_COMMAND] = 1;
  return [accepted];
}

/** The fields that say which connection and which ID (never the session key). */
function where(request: Request): Record<string, unknown> {
  const conn = request.session.conn;
  return {
    conn: conn.id,
    remote: request.session.address,
    framing: conn.framing,
    user: request.sender.value,
  };
}
