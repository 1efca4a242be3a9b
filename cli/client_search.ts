/**
 * `dim client search`: asks the archivist (`archivist@anywhere`, or the bot
 * named by `--archivist`) for users (station.md §6.2) and prints each one
 * found with its name — with `--json` one object per line with `id` and
 * `name`. `--online` asks for the users online instead (the `users`
 * command).
 *
 * @module
 */
import { ReceiptCommand, SearchCommand } from "../dimp/command/mod.ts";
import { type ID, parseId } from "../dimp/identity/mod.ts";
import { receiptDetail, type ReceivedMessage } from "../client/mod.ts";
import {
  connect,
  handshakeWithin,
  openAccounts,
  openSession,
  parseEndpoint,
  parsePositive,
  resolveAccount,
  resolveLocal,
} from "./_client_common.ts";
import { UsageError } from "./context.ts";
import { printErr, printOut } from "./output.ts";
import type { CommandContext } from "./subcommand.ts";

/** The options `search` reads. */
export interface SearchFlags {
  readonly station?: string;
  readonly framing?: string;
  readonly as?: string;
  readonly archivist?: string;
  readonly start?: string;
  readonly limit?: string;
  readonly online?: boolean;
  readonly json?: boolean;
  readonly timeout?: string;
  readonly verbose?: boolean;
}

/** The usage line of `search`. */
export const SEARCH_USAGE =
  "search --as A [--archivist ID] [--start N] [--limit N] [--json] <keywords...> | --online";

const TIMEOUT_S = 30;

/** The archivist's ANS name as a receiver. */
const ARCHIVIST = parseId("archivist@anywhere");

function parseInteger(
  text: string | undefined,
  what: string,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) {
    throw new UsageError(`${what} must be a whole number, not "${text}"`);
  }
  return Number(text);
}

/**
 * Runs `dim client search`; returns the exit status (1: the archivist
 * refused, or no answer in time).
 *
 * @throws {UsageError} a bad command line
 */
export async function search(
  ctx: CommandContext,
  flags: SearchFlags,
  words: readonly string[],
): Promise<number> {
  const keywords = words.join(" ").trim();
  if (flags.as === undefined || (keywords === "" && !flags.online)) {
    throw new UsageError(`usage: dim client ${SEARCH_USAGE}`);
  }
  if (keywords !== "" && flags.online) {
    throw new UsageError("search: --online takes no keywords");
  }
  const start = parseInteger(flags.start, "--start");
  const limit = parseInteger(flags.limit, "--limit");
  const endpoint = parseEndpoint(ctx, flags);
  const timeout = flags.timeout === undefined
    ? TIMEOUT_S
    : parsePositive(flags.timeout, "--timeout");
  const accounts = openAccounts(ctx);
  try {
    const as = resolveLocal(accounts, flags.as, "--as");
    const to: ID = flags.archivist === undefined
      ? ARCHIVIST
      : resolveAccount(accounts, flags.archivist, "--archivist");
    let signature: string | undefined;
    const { promise: answered, resolve } = Promise.withResolvers<
      ReceivedMessage
    >();
    const session = openSession(
      accounts,
      as,
      endpoint,
      flags.verbose === true,
      {
        ...handshakeWithin(timeout),
        queryTimeout: Math.min(10, timeout) * 1000,
        sendReceipts: false,
        onMessage: (msg) => {
          if (msg.fromStation) return;
          const content = msg.content;
          if (
            (content instanceof SearchCommand && content.isResponse) ||
            (content instanceof ReceiptCommand &&
              content.originalSignature === signature &&
              content.text !== "Message received.")
          ) {
            resolve(msg);
          }
        },
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await connect(session, endpoint);
      const request = flags.online
        ? SearchCommand.onlineUsers({ start, limit })
        : SearchCommand.query(keywords, { start, limit });
      const sent = await session.send(to, request);
      signature = sent.message.signature;
      const timedOut = new Promise<undefined>((done) => {
        timer = setTimeout(() => done(undefined), timeout * 1000);
      });
      const answer = await Promise.race([answered, timedOut]);
      if (answer === undefined) {
        printErr(
          `dim client: no answer from ${to.value} within ${timeout} s (is an archivist running?)`,
        );
        return 1;
      }
      const content = answer.content;
      if (content instanceof ReceiptCommand) {
        printErr(
          `dim client: ${answer.sender.value} answered: ${content.text} ${
            receiptDetail(content)
          }`.trim(),
        );
        return 1;
      }
      const users = (content as SearchCommand).users;
      printErr(
        `dim client: ${users.length} user(s) from ${answer.sender.value}`,
      );
      for (const user of users) {
        const name = (await session.fetchVisa(user).catch(() => undefined))
          ?.name;
        printOut(
          flags.json
            ? JSON.stringify({ id: user.value, name: name ?? null })
            : `${user.value}\t${name ?? ""}`,
        );
      }
      return 0;
    } finally {
      clearTimeout(timer);
      await session.close();
    }
  } finally {
    accounts.store.close();
  }
}
