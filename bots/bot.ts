/**
 * Running a bot: its client session with the station (connect, handshake,
 * keep online with a login every 5 minutes, redial after a loss — station.md
 * §6.1) and its message handling — the same code in its own process
 * (`dim archivist`, `dim assistant`) and inside the station's
 * (`dim station --with-bots`).
 *
 * @module
 */
import type { ID } from "../dimp/identity/mod.ts";
import { silentLog, type StationLog } from "../client/log.ts";
import type { Framing } from "../client/transport/mod.ts";
import type { Accounts } from "../store/mod.ts";
import { Archivist } from "./archivist.ts";
import { Assistant, type AssistantOptions } from "./assistant.ts";
import {
  ClientSession,
  type ClientSessionOptions,
  type ReceivedMessage,
} from "../client/mod.ts";

/**
 * The bots there are, by their ANS name.
 *
 * @example
 * ```ts
 * const kind: BotKind = "archivist";
 * ```
 */
export type BotKind = "archivist" | "assistant";

/**
 * Every bot kind.
 *
 * @example
 * ```ts
 * for (const kind of BOT_KINDS) console.log(kind);
 * ```
 */
export const BOT_KINDS: readonly BotKind[] = ["archivist", "assistant"];

/** How a bot runs. */
export interface BotOptions {
  /** The store facade holding the bot's keys (shared with the station in-process). */
  readonly accounts: Accounts;
  /** The bot's ID (its private keys in `accounts`). */
  readonly id: ID;
  /** The station host (default `127.0.0.1`). */
  readonly host?: string;
  /** The station port (default 9394). */
  readonly port?: number;
  /** The framing (default MTP). */
  readonly framing?: Framing;
  /** Where it logs (default: nowhere). */
  readonly log?: StationLog;
  /** Session settings over the defaults (timeouts, keep-online period). */
  readonly session?: Partial<ClientSessionOptions>;
  /** The assistant's settings (its delivery of kept group messages). */
  readonly assistant?: AssistantOptions;
}

/**
 * A bot connected to its station.
 *
 * @example
 * ```ts ignore
 * const bot = await startBot("archivist", { accounts, id, port: 9394 });
 * await bot.close();
 * ```
 */
export interface RunningBot {
  /** Which bot. */
  readonly kind: BotKind;
  /** Its ID. */
  readonly id: ID;
  /** Its session (state, station). */
  readonly session: ClientSession;
  /** The archivist's handler, for the archivist. */
  readonly archivist?: Archivist;
  /** The assistant's handler, for the assistant. */
  readonly assistant?: Assistant;
  /** Reports offline and closes the session. */
  close(): Promise<void>;
}

/**
 * Starts a bot: connects and handshakes (then keeps the session, redialling
 * after a loss).
 *
 * @throws {DialError} the station cannot be reached
 * @throws {HandshakeTimeoutError} the station does not accept the bot
 */
export async function startBot(
  kind: BotKind,
  options: BotOptions,
): Promise<RunningBot> {
  const log = options.log ?? silentLog();
  const accounts = options.accounts;
  let handle: (msg: ReceivedMessage) => Promise<void> = () => Promise.resolve();
  const session = new ClientSession({
    accounts,
    user: options.id,
    host: options.host,
    port: options.port,
    framing: options.framing,
    reconnect: true,
    // the assistant splits forwarded group messages: it takes forwards whole
    unwrapForwards: kind !== "assistant",
    onMessage: (msg) => handle(msg),
    onLog: (level, text) => log[level](text),
    ...options.session,
  });
  let archivist: Archivist | undefined;
  let assistant: Assistant | undefined;
  if (kind === "archivist") {
    const bot = new Archivist(accounts, {
      id: session.user,
      station: () => session.station,
    });
    archivist = bot;
    handle = async (msg) => {
      for (const reply of bot.answer(msg)) {
        try {
          await session.send(msg.sender, reply);
        } catch (error) {
          log.warn(`cannot answer ${msg.sender.value}: ${error}`);
        }
      }
    };
  } else {
    const bot = new Assistant(session, accounts, {
      ...options.assistant,
      log,
    });
    assistant = bot;
    handle = (msg) => bot.handle(msg);
  }
  try {
    await session.connect();
  } catch (error) {
    assistant?.close();
    await session.close();
    throw error;
  }
  if (archivist !== undefined && !archivist.onlineTableFresh) {
    log.info(
      `${
        session.station?.value ?? "the station"
      } does not write who is online into this store: "users" lists who messaged the archivist in the last 5 minutes`,
    );
  }
  return {
    kind,
    id: session.user,
    session,
    archivist,
    assistant,
    close: () => {
      assistant?.close();
      return session.close();
    },
  };
}
