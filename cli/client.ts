/**
 * `dim client`: try any DIM station as a user — register, send, listen,
 * chat — on the same client runtime the bots use (`client/`).
 *
 * ```sh
 * dim client register alice                     # prints the new ID last
 * dim client --station 127.0.0.1:9394 send --from alice --to bob@… hi
 * dim client listen --as bob --count 1 --json
 * dim client chat --as alice --to bob@…
 * ```
 *
 * Messages go to stdout, logs, receipts and prompts to stderr. Exit status
 * 0 on success, 1 on failure (no receipt, unknown receiver, no handshake,
 * timeout), 2 on a bad command line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { GroupBook, type ReceivedMessage } from "../client/mod.ts";
import { Command, TextContent } from "../dimp/mod.ts";
import {
  EntityType,
  generateAccount,
  type ID,
  MetaType,
  tryParseId,
} from "../dimp/identity/mod.ts";
import { AccountError, accountRecord, type Accounts } from "../store/mod.ts";
import {
  connect,
  handshakeWithin,
  localNamed,
  openAccounts,
  openSession,
  parseEndpoint,
  parsePositive,
  resolveAccount,
  resolveLocal,
} from "./_client_common.ts";
import { group, GROUP_USAGE, sendToGroup } from "./client_group.ts";
import { search, SEARCH_USAGE } from "./client_search.ts";
import { UsageError } from "./context.ts";
import {
  CHAT_COMMANDS,
  CLEAR_LINE,
  LineEditor,
  parseChatLine,
  redrawLine,
} from "./chat_input.ts";
import { printErr, printOut, writeErr, writeOut } from "./output.ts";
import type { CommandContext, Subcommand } from "./subcommand.ts";
import { installCryptoEngine } from "../station/crypto_engine.ts";
import { installEcdsaChoice } from "../station/ecdsa_choice.ts";

const HELP =
  `usage: dim client [--station HOST:PORT] [--framing mtp|ws|plain] <action> [options]

actions:
  register <name>            a new user in the local store (ECC ID key, ETH meta,
                             RSA visa key, visa named <name>); prints its ID last.
                             Its meta and visa go to the station at its first
                             handshake.
  send --from A --to B <text...>
                             connect, handshake, fetch B's visa from the station
                             when unknown, send one end-to-end encrypted text;
                             exit 0 once the station's receipt came (printed on
                             stderr). --wait-peer: also wait for B's receipt.
  listen --as A [--count N] [--timeout S] [--json] [--all]
                             print each message received (--json: one object per
                             line); exit 0 after N messages, 1 on timeout; without
                             --count until SIGINT or the timeout. --all: also
                             commands and station replies.
  chat --as A [--to B]       interactive: lines are sent as texts to B; incoming
                             messages are printed. /to ID, /who, /help, /quit.
  search --as A [--archivist ID] [--start N] [--limit N] [--json] <keywords...>
                             ask the archivist (archivist@anywhere, or the bot
                             given) for users whose name or ID contains every
                             keyword; prints ID<TAB>name per user (--json:
                             {"id", "name"} per line). --online instead of
                             keywords: the users online.
  group create --as A --name TITLE [--assistant ID] <member...>
                             a new group of A (the owner) and the members, kept
                             by the group assistant (the station's ANS
                             "assistant" unless given); prints its ID last
  group members|add|remove|quit --as A <group> [member...]
                             the members as the assistant keeps them, ID<TAB>name
                             (+ <TAB>waiting for a visa: the group's messages
                             wait until the member first connects; --json:
                             id, name, waiting_for_visa); add or remove members (owner, administrators;
                             a member's add is an invite for review); leave
  send --from A --to <group> <text...>
                             a text to the group, split by its assistant; exit 0
                             once the assistant's receipt came

A and B are IDs, or names of accounts registered in this store (dim client
register). Options:
  --station HOST:PORT  the station (default [station] host:port of the config,
                       else 127.0.0.1:9394)
  --framing F          mtp (default), ws (WebSocket), plain (JSON lines), mars
  --timeout S          seconds (send, search, group: 30; listen, chat: none)
  --no-login           send, listen, chat: no login broadcast at the handshake,
                       only the keep-online one 5 minutes later (what the
                       reference client does); the station's own presence
                       notices must make the user reachable meanwhile
  --verbose            log the session on stderr`;

const OPTIONS = {
  station: { type: "string" },
  framing: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  as: { type: "string" },
  count: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  all: { type: "boolean" },
  "wait-peer": { type: "boolean" },
  "no-login": { type: "boolean" },
  archivist: { type: "string" },
  start: { type: "string" },
  limit: { type: "string" },
  online: { type: "boolean" },
  name: { type: "string" },
  assistant: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

interface Flags {
  station?: string;
  framing?: string;
  from?: string;
  to?: string;
  as?: string;
  count?: string;
  timeout?: string;
  json?: boolean;
  all?: boolean;
  "wait-peer"?: boolean;
  "no-login"?: boolean;
  archivist?: string;
  start?: string;
  limit?: string;
  online?: boolean;
  name?: string;
  assistant?: string;
  verbose?: boolean;
  help?: boolean;
}

type OptionName = keyof typeof OPTIONS;

const COMMON: OptionName[] = ["station", "framing", "verbose", "timeout"];

const ACTIONS: Record<
  string,
  { options: OptionName[]; args: [min: number, max: number]; usage: string }
> = {
  register: {
    options: ["station", "framing", "verbose"],
    args: [1, 1],
    usage: "register <name>",
  },
  send: {
    options: [...COMMON, "from", "to", "json", "wait-peer", "no-login"],
    args: [1, Infinity],
    usage: "send --from A --to B|<group> <text...>",
  },
  listen: {
    options: [...COMMON, "as", "count", "json", "all", "no-login"],
    args: [0, 0],
    usage: "listen --as A [--count N] [--timeout S] [--json] [--all]",
  },
  chat: {
    options: [...COMMON, "as", "to", "no-login"],
    args: [0, 0],
    usage: "chat --as A [--to B]",
  },
  search: {
    options: [
      ...COMMON,
      "as",
      "archivist",
      "start",
      "limit",
      "online",
      "json",
    ],
    args: [0, Infinity],
    usage: SEARCH_USAGE,
  },
  group: {
    options: [...COMMON, "as", "name", "assistant", "json"],
    args: [1, Infinity],
    usage: GROUP_USAGE.join("\n       dim client "),
  },
};

const SEND_TIMEOUT_S = 30;

/** `--no-login`: the first login only with the keep-online period. */
function loginOption(flags: Flags): { loginOnConnect?: false } {
  return flags["no-login"] === true ? { loginOnConnect: false } : {};
}

async function register(ctx: CommandContext, name: string): Promise<number> {
  if (name.trim() === "") throw new UsageError("register needs a name");
  const accounts = openAccounts(ctx);
  try {
    const taken = localNamed(accounts, name);
    if (taken.length > 0) {
      throw new AccountError(
        `a local account is named "${name}" already: ${taken[0].value}`,
      );
    }
    const account = await generateAccount({
      type: EntityType.USER,
      metaType: MetaType.ETH,
      properties: { name },
    });
    await accounts.saveAccount(accountRecord(account));
    printErr(
      `dim client: registered "${name}" in ${ctx.storePath}; its meta and visa go to the station at the first handshake`,
    );
    printOut(account.id.value);
    return 0;
  } finally {
    accounts.store.close();
  }
}

async function send(
  ctx: CommandContext,
  flags: Flags,
  words: string[],
): Promise<number> {
  if (flags.from === undefined || flags.to === undefined) {
    throw new UsageError(`usage: dim client ${ACTIONS.send.usage}`);
  }
  const group = tryParseId(flags.to.trim());
  if (group !== undefined && group.isGroup && !group.isBroadcast) {
    if (flags["wait-peer"]) {
      throw new UsageError("send: --wait-peer is for a user, not a group");
    }
    return await sendToGroup(ctx, flags, words.join(" "));
  }
  const endpoint = parseEndpoint(ctx, flags);
  const timeout = flags.timeout === undefined
    ? SEND_TIMEOUT_S
    : parsePositive(flags.timeout, "--timeout");
  const accounts = openAccounts(ctx);
  try {
    const from = resolveLocal(accounts, flags.from, "--from");
    const to = resolveAccount(accounts, flags.to, "--to");
    const session = openSession(
      accounts,
      from,
      endpoint,
      flags.verbose === true,
      {
        ...handshakeWithin(timeout),
        ...loginOption(flags),
        receiptTimeout: timeout * 1000,
        queryTimeout: Math.min(10, timeout) * 1000,
        sendReceipts: false,
      },
    );
    try {
      const started = Date.now();
      await connect(session, endpoint);
      const sent = await session.send(to, TextContent.create(words.join(" ")));
      const left = Math.max(1, timeout * 1000 - (Date.now() - started));
      const receipt = await sent.stationReceipt(left);
      printErr(
        `dim client: station receipt from ${receipt.from.value}: ${receipt.text} (${
          receipt.receivedAt - sent.sentAt
        } ms)`,
      );
      const result: Record<string, unknown> = {
        event: "receipt",
        sender: from.value,
        receiver: to.value,
        sn: sent.sn,
        signature: sent.message.signature,
        station: receipt.from.value,
        text: receipt.text,
        ms: receipt.receivedAt - sent.sentAt,
      };
      if (flags["wait-peer"]) {
        const peer = await sent.peerReceipt(
          Math.max(1, timeout * 1000 - (Date.now() - started)),
        );
        printErr(`dim client: receipt from ${peer.from.value}: ${peer.text}`);
        result.peer = peer.text;
      }
      if (flags.json) printOut(JSON.stringify(result));
      return 0;
    } finally {
      await session.close();
    }
  } finally {
    accounts.store.close();
  }
}

/** The JSON form of a received message (`--json`). */
export function messageJson(msg: ReceivedMessage): Record<string, unknown> {
  const content = msg.content;
  const json: Record<string, unknown> = {
    sender: msg.sender.value,
    receiver: msg.receiver.value,
    time: msg.time,
    type: content.type,
    sn: content.sn,
  };
  if (msg.group !== undefined) json.group = msg.group.value;
  if (content instanceof TextContent) {
    json.text = content.text;
  } else {
    if (content instanceof Command) json.command = content.name;
    json.content = content.dictionary;
  }
  return json;
}

function clock(seconds: number | undefined): string {
  const date = seconds === undefined ? new Date() : new Date(seconds * 1000);
  return date.toTimeString().slice(0, 8);
}

/** One line for people: `[12:00:01] alice@… (Alice): hi`. */
function messageLine(accounts: Accounts, msg: ReceivedMessage): string {
  const name = accounts.visa(msg.sender)?.name;
  const who = name === undefined
    ? msg.sender.value
    : `${msg.sender.value} (${name})`;
  const content = msg.content;
  const group = msg.group === undefined ? "" : ` [${msg.group.value}]`;
  const body = content instanceof TextContent
    ? content.text
    : content instanceof Command
    ? `<command ${content.name}> ${JSON.stringify(content.dictionary)}`
    : `<content type ${content.type}> ${JSON.stringify(content.dictionary)}`;
  return `[${clock(msg.time)}] ${who}${group}: ${body}`;
}

/** Whether `listen` shows it: user messages, or everything with --all. */
function shown(msg: ReceivedMessage, all: boolean): boolean {
  return all || (!msg.fromStation && !(msg.content instanceof Command));
}

/** Resolves on SIGINT / SIGTERM (the listener is removed by `dispose`). */
function interrupted(): { promise: Promise<"signal"> } & Disposable {
  let fire!: (value: "signal") => void;
  const promise = new Promise<"signal">((resolve) => fire = resolve);
  const handler = () => fire("signal");
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    promise,
    [Symbol.dispose]() {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}

async function listen(ctx: CommandContext, flags: Flags): Promise<number> {
  if (flags.as === undefined) {
    throw new UsageError(`usage: dim client ${ACTIONS.listen.usage}`);
  }
  const endpoint = parseEndpoint(ctx, flags);
  const count = flags.count === undefined
    ? undefined
    : parsePositive(flags.count, "--count");
  const timeout = flags.timeout === undefined
    ? undefined
    : parsePositive(flags.timeout, "--timeout");
  const accounts = openAccounts(ctx);
  try {
    const as = resolveLocal(accounts, flags.as, "--as");
    const session = openSession(
      accounts,
      as,
      endpoint,
      flags.verbose === true,
      {
        ...(timeout === undefined ? {} : handshakeWithin(timeout)),
        ...loginOption(flags),
        // what the group histories received say is kept (group send)
        groups: new GroupBook(accounts),
      },
    );
    using stop = interrupted();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timed out">((resolve) => {
      if (timeout !== undefined) {
        timer = setTimeout(() => resolve("timed out"), timeout * 1000);
      }
    });
    const interruptedBy = stop.promise.then(() => "interrupted" as const);
    const inbox = session.messages()[Symbol.asyncIterator]() as AsyncGenerator<
      ReceivedMessage
    >;
    let got = 0;
    const show = (msg: ReceivedMessage): void => {
      if (!shown(msg, flags.all === true)) return;
      printOut(
        flags.json
          ? JSON.stringify(messageJson(msg))
          : messageLine(accounts, msg),
      );
      got++;
    };
    let ended: string | undefined;
    try {
      const connecting = connect(session, endpoint).then(() => undefined);
      connecting.catch(() => {}); // lost the race: the close below ends it
      ended = await Promise.race([
        connecting,
        timedOut,
        interruptedBy,
      ]);
      while (ended === undefined && (count === undefined || got < count)) {
        const next = await Promise.race([
          inbox.next(),
          timedOut,
          interruptedBy,
        ]);
        if (typeof next === "string") ended = next;
        else if (next.done) ended = "the connection closed";
        else show(next.value);
      }
    } finally {
      clearTimeout(timer);
      await session.close();
    }
    // what arrived meanwhile was taken from the station: show it too
    for await (const msg of inbox) show(msg);
    if (count !== undefined && got < count) {
      printErr(`dim client: ${ended} after ${got} of ${count} message(s)`);
      return 1;
    }
    if (
      ended !== undefined && ended !== "timed out" && ended !== "interrupted"
    ) {
      // the station dropped us: a script watching the exit status must know
      printErr(`dim client: ${ended}`);
      return 1;
    }
    return 0;
  } finally {
    accounts.store.close();
  }
}

/** The lines of stdin, as they come (not a terminal). */
async function* stdinLines(): AsyncGenerator<string> {
  let buffer = "";
  for await (
    const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  ) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
    }
  }
  if (buffer !== "") yield buffer;
}

/**
 * The lines typed on a terminal in raw mode, through `editor` (echoed by
 * `redraw` on each key); ends at Ctrl-D on an empty line or Ctrl-C.
 */
async function* terminalLines(
  editor: LineEditor,
  redraw: () => void,
): AsyncGenerator<string> {
  Deno.stdin.setRaw(true);
  try {
    for await (
      const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
    ) {
      const { lines, eof, interrupt } = editor.feed(chunk);
      for (const line of lines) {
        writeErr("\r\n");
        yield line;
      }
      if (eof || interrupt) return;
      redraw();
    }
  } finally {
    Deno.stdin.setRaw(false);
  }
}

/** The receiver as the prompt shows it: its visa's name, else its ID's name. */
function promptName(accounts: Accounts, to: ID | undefined): string {
  if (to === undefined) return "(no receiver)";
  return accounts.visa(to)?.name ?? to.name ?? to.value;
}

async function chat(ctx: CommandContext, flags: Flags): Promise<number> {
  if (flags.as === undefined) {
    throw new UsageError(`usage: dim client ${ACTIONS.chat.usage}`);
  }
  const endpoint = parseEndpoint(ctx, flags);
  const accounts = openAccounts(ctx);
  try {
    const as = resolveLocal(accounts, flags.as, "--as");
    let to = flags.to === undefined
      ? undefined
      : resolveAccount(accounts, flags.to, "--to");
    const tty = Deno.stdin.isTerminal();
    const editor = new LineEditor();
    const prompt = () => `${promptName(accounts, to)}> `;
    const redraw = () => writeErr(redrawLine(prompt(), editor.buffer));
    /** A line above the input line (stdout for messages, stderr for notes). */
    const show = (text: string, out = false) => {
      if (!tty) return (out ? printOut : printErr)(text);
      writeErr(CLEAR_LINE);
      (out ? writeOut : writeErr)(`${text}\r\n`);
      redraw();
    };
    const session = openSession(
      accounts,
      as,
      endpoint,
      flags.verbose === true,
      {
        ...loginOption(flags),
        onMessage: (msg) => {
          if (shown(msg, false)) show(messageLine(accounts, msg), true);
        },
      },
    );
    const pending = new Set<Promise<void>>();
    try {
      await connect(session, endpoint);
      show(CHAT_COMMANDS);
      if (tty) redraw();
      for await (
        const raw of tty ? terminalLines(editor, redraw) : stdinLines()
      ) {
        const line = parseChatLine(raw);
        if (line.kind === "quit") break;
        if (line.kind === "help") show(CHAT_COMMANDS);
        else if (line.kind === "unknown") {
          show(
            `dim client: ${line.command} is not a command; ${CHAT_COMMANDS}`,
          );
        } else if (line.kind === "who") {
          show(`you are ${as.value}; lines go to ${to?.value ?? "nobody yet"}`);
        } else if (line.kind === "to") {
          try {
            to = resolveAccount(accounts, line.who, "/to");
          } catch (error) {
            show(`dim client: ${(error as Error).message}`);
          }
        } else if (line.kind === "text" && to === undefined) {
          show("dim client: no receiver yet: /to ID");
        } else if (line.kind === "text") {
          const receiver = to!;
          const task = session.send(receiver, TextContent.create(line.text))
            .then((sent) => sent.stationReceipt())
            .then(
              (receipt) => show(`  ✓ ${receipt.text}`),
              (error) => show(`  ✗ ${error.message}`),
            ).finally(() => pending.delete(task));
          pending.add(task);
        }
        if (tty) redraw();
      }
      await Promise.allSettled([...pending]);
      if (tty) writeErr("\r\n");
      return 0;
    } finally {
      await session.close();
    }
  } finally {
    accounts.store.close();
  }
}

function parseFlags(args: string[]): {
  action: string | undefined;
  flags: Flags;
  positionals: string[];
} {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw UsageError.fromParseArgs("client", e);
  }
  const [action, ...positionals] = parsed.positionals;
  return { action, flags: parsed.values as Flags, positionals };
}

/**
 * Runs `dim client ...`; returns the exit status.
 *
 * @example
 * ```ts ignore
 * await runClient(ctx, ["listen", "--as", "bob", "--count", "1"]);
 * ```
 */
export async function runClient(
  ctx: CommandContext,
  args: readonly string[],
): Promise<number> {
  const { action, flags, positionals } = parseFlags([...args]);
  if (action === undefined || action === "help") {
    (action === undefined && !flags.help ? printErr : printOut)(HELP);
    return action === undefined && !flags.help ? 2 : 0;
  }
  if (!Object.hasOwn(ACTIONS, action)) {
    throw new UsageError(`unknown client action: ${action}`);
  }
  if (flags.help) {
    printOut(HELP);
    return 0;
  }
  const spec = ACTIONS[action];
  for (const name of Object.keys(flags) as OptionName[]) {
    if (!spec.options.includes(name)) {
      throw new UsageError(`client ${action} takes no --${name}`);
    }
  }
  const [min, max] = spec.args;
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`usage: dim client ${spec.usage}`);
  }
  // [station] crypto_engine: the same RSA engine as a station on this host
  installCryptoEngine(ctx.config.station.cryptoEngine);
  // [station] ecdsa_engine: the same ECDSA engine as a station on this host
  installEcdsaChoice(ctx.config.station.ecdsaEngine);
  switch (action) {
    case "register":
      return await register(ctx, positionals[0]);
    case "send":
      return await send(ctx, flags, positionals);
    case "listen":
      return await listen(ctx, flags);
    case "search":
      return await search(ctx, flags, positionals);
    case "group":
      return await group(ctx, flags, positionals);
    default:
      return await chat(ctx, flags);
  }
}

/**
 * The `client` subcommand.
 *
 * @example
 * ```ts ignore
 * const status = await client.run(ctx, ["register", "alice"]);
 * ```
 */
export const client: Subcommand = {
  summary: "try a station as a user: register | send | listen | chat",
  run: (ctx, args) => runClient(ctx, args),
};
