/**
 * The archivist: the search bot (station.md §6.2, messages.md §8.9, §8.10).
 * It answers, as a DIM client of any station:
 *
 * - `search` (`keywords`, `start`, `limit`): the users and bots whose
 *   stored document text `"<name>, <ID>"` contains every keyword, ignoring
 *   case (the store's trigram index: no scan of files), with a meta stored,
 *   each once, paged (`limit` 0 → 50, negative → up to 10240, more is cut
 *   to 10240). The answer is a `search` command with the request's members
 *   (but `type`, `sn`, `time`, `cmd`, `command`, `keywords`, `users`), the
 *   `keywords`, the `users` found and `station` = the archivist's ID, as the
 *   reference does. No keywords, or a `start` / `limit` that is not a
 *   number ≥ 0 (limit: any number): the receipt `Search command error.`.
 * - `users` (or `search` with the keywords `users`): who is online at the
 *   station, from the store the station writes (station.md §5.2), paged
 *   (`limit` 0 → 100). On a store no station of this session writes (a
 *   station that is not ours), it can only answer the users it has heard
 *   from in the last five minutes.
 * - `storage` with title `contacts` (or command `contacts`): with `data` /
 *   `contacts` the whole command is stored for the sender (`Contacts
 *   received.` / `Contacts not changed.`), without it the stored command is
 *   sent back (or `Contacts not found.`); other titles → `Command not
 *   support.`.
 *
 * Other commands from users get `Command not support.`; receipts, texts and
 * anything from a station get nothing. A `search` that carries `users` is
 * an answer and is ignored.
 *
 * @module
 */
import type { ReceivedMessage } from "../client/mod.ts";
import {
  Command,
  ReceiptCommand,
  SearchCommand,
  StorageCommand,
} from "../dimp/command/mod.ts";
import { CommandName } from "../dimp/command/mod.ts";
import type { Content } from "../dimp/content/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import {
  EntityType,
  type ID,
  parseId,
  tryParseId,
} from "../dimp/identity/mod.ts";
import { type Accounts, ONLINE_HEARTBEAT_MS } from "../store/mod.ts";

/** Results of a search when `limit` is 0. */
export const SEARCH_PAGE = 50;

/** Online users listed when `limit` is 0. */
export const USERS_PAGE = 100;

/** The most results one answer carries (a negative `limit` asks for it). */
export const MAX_RESULTS = 10240;

/** How long a user the archivist heard from counts as online (no station table). */
const SEEN_MS = 300_000;

/** Users remembered as seen. */
const SEEN_LIMIT = 10_000;

/** How the archivist knows which station's online table to read. */
export interface ArchivistOptions {
  /** The archivist's own ID (`station` of its answers). */
  readonly id: ID;
  /** The station its session is connected to, once known. */
  readonly station: () => ID | undefined;
  /** The clock (ms; default `Date.now`). */
  readonly now?: () => number;
}

/** Stored IDs are read as they are (the store checked them when saved). */
const STORED = { allowUnknown: true } as const;

/** Users and bots: what a search finds (not groups, not stations). */
function findable(text: string): boolean {
  const type = tryParseId(text, STORED)?.type;
  return type === EntityType.USER || type === EntityType.BOT;
}

/** A `start` or `limit` member: absent → `fallback`; else a finite number. */
function paging(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && value.trim() !== ""
    ? Number(value)
    : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/**
 * The search bot's answers; {@link Archivist.answer} is pure over the
 * store, the bot runner sends what it returns.
 *
 * @example
 * ```ts ignore
 * const archivist = new Archivist(accounts, { id: botId, station: () => session.station });
 * for (const reply of archivist.answer(received)) await session.send(received.sender, reply);
 * ```
 */
export class Archivist {
  readonly #accounts: Accounts;
  readonly #id: ID;
  readonly #station: () => ID | undefined;
  readonly #now: () => number;
  readonly #seen = new BoundedMap<string, number>(SEEN_LIMIT);

  /** An archivist over the store of `accounts`. */
  constructor(accounts: Accounts, options: ArchivistOptions) {
    this.#accounts = accounts;
    this.#id = options.id;
    this.#station = options.station;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether `users` is answered from the station's table (the station of
   * this session writes it into this store and did so recently).
   */
  get onlineTableFresh(): boolean {
    const station = this.#station();
    if (station === undefined) return false;
    const at = this.#accounts.store.onlineUsers.updatedAt(station.value);
    return at !== undefined &&
      this.#now() - at * 1000 < 3 * ONLINE_HEARTBEAT_MS;
  }

  /** The replies to one received message (none for most). */
  answer(msg: ReceivedMessage): Content[] {
    if (msg.fromStation) return [];
    this.#remember(msg.sender);
    const content = msg.content;
    if (content instanceof SearchCommand) return this.#search(content, msg);
    if (content instanceof StorageCommand) return this.#storage(content, msg);
    if (content instanceof ReceiptCommand || !(content instanceof Command)) {
      return [];
    }
    return [
      receipt("Command not support.", msg, {
        template: "Command (name: ${command}) not support yet!",
        replacements: { command: content.name },
      }),
    ];
  }

  #search(request: SearchCommand, msg: ReceivedMessage): Content[] {
    if (request.isResponse) return [];
    const online = request.name === CommandName.USERS ||
      request.keywords === CommandName.USERS;
    const keywords = request.dictionary.keywords;
    if (
      !online && (typeof keywords !== "string" || keywords.trim() === "")
    ) {
      return [searchError(msg, "no keywords")];
    }
    const start = paging(request.dictionary.start, 0);
    const limit = paging(
      request.dictionary.limit,
      online ? USERS_PAGE : SEARCH_PAGE,
    );
    if (start === undefined || start < 0) {
      return [searchError(msg, "start must be a number from 0")];
    }
    if (limit === undefined) {
      return [searchError(msg, "limit must be a number")];
    }
    const count = limit === 0
      ? (online ? USERS_PAGE : SEARCH_PAGE)
      : limit < 0
      ? MAX_RESULTS
      : Math.min(limit, MAX_RESULTS);
    const found = online
      ? this.#online(start, count)
      : this.#accounts.store.search.searchUsers(
        (keywords as string).split(/\s+/),
        start,
        count,
        findable,
      );
    return [
      SearchCommand.response(
        request,
        found.map((id) => parseId(id, STORED)),
        this.#id,
      ),
    ];
  }

  #online(start: number, count: number): string[] {
    const station = this.#station();
    if (station !== undefined && this.onlineTableFresh) {
      return this.#accounts.store.onlineUsers.list(station.value, start, count);
    }
    const since = this.#now() - SEEN_MS;
    return [...this.#seen].filter(([, at]) => at >= since)
      .map(([id]) => id).slice(start, start + count);
  }

  #storage(command: StorageCommand, msg: ReceivedMessage): Content[] {
    const title = command.title;
    if (title !== CommandName.CONTACTS) {
      return [
        receipt("Command not support.", msg, {
          template: "Storage command (title: ${title}) not support yet!",
          replacements: { title },
        }),
      ];
    }
    const did = { did: msg.sender.value };
    const contacts = this.#accounts.store.userCommands;
    if (!command.isUpload) {
      const stored = contacts.get(msg.sender.value, "contacts");
      return stored === undefined
        ? [
          receipt("Contacts not found.", msg, {
            template: "Contacts not found: ${did}.",
            replacements: did,
          }),
        ]
        : [new StorageCommand(stored)];
    }
    const saved = contacts.save({
      user: msg.sender.value,
      kind: "contacts",
      time: command.time,
      cmd: command.dictionary,
    });
    const text = saved ? "Contacts received." : "Contacts not changed.";
    return [
      receipt(text, msg, {
        template: `${text.slice(0, -1)}: \${did}.`,
        replacements: did,
      }),
    ];
  }

  /** A user heard from (the `users` answer without a station table). */
  #remember(sender: ID): void {
    if (sender.type !== EntityType.USER) return;
    this.#seen.set(sender.value, this.#now());
  }
}

function receipt(
  text: string,
  msg: ReceivedMessage,
  extra: Record<string, unknown>,
): ReceiptCommand {
  return ReceiptCommand.create(text, msg.reliable, {
    originSn: msg.content.sn,
    group: msg.content.group,
    extra,
  });
}

function searchError(msg: ReceivedMessage, error: string): ReceiptCommand {
  return receipt("Search command error.", msg, {
    template: "Search command error: ${error}.",
    replacements: { error },
  });
}
