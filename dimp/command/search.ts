/**
 * The search command and its `users` variant (spec messages.md §8.9,
 * station.md §6.2): ask the archivist (or a 2021 station) for users.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import {
  isRecord,
  readId,
  readIdList,
  readNumber,
  readString,
} from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/**
 * Paging of a search.
 *
 * @example
 * ```ts
 * const page: SearchPaging = { start: 0, limit: 20 };
 * ```
 */
export interface SearchPaging extends ContentOptions {
  /** First result (default 0). */
  readonly start?: number;
  /** Result count (0 = server default). */
  readonly limit?: number;
}

/** Request members a response does not copy. */
const NOT_COPIED = [
  "type",
  "sn",
  "time",
  "cmd",
  "command",
  "keywords",
  "users",
];

/**
 * `{"command": "search", "keywords", "start", "limit"}`; the response adds
 * `users` (IDs), `station` (the responder) and, 2021, `results` {ID: meta}.
 * `{"command": "users"}` asks for the online users.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const moky = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const archivistId = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const request = SearchCommand.query("moky", { limit: 20 });
 * const answer = SearchCommand.response(request, [moky], archivistId);
 * answer.isResponse; // true
 * ```
 */
export class SearchCommand extends Command {
  /** Searches users whose name or ID contains every keyword. */
  static query(keywords: string, paging: SearchPaging = {}): SearchCommand {
    return new SearchCommand(
      Command.buildCommand(CommandName.SEARCH, {
        keywords,
        start: paging.start,
        limit: paging.limit,
      }, paging),
    );
  }

  /** Asks for the online users (command `users`). */
  static onlineUsers(paging: SearchPaging = {}): SearchCommand {
    return new SearchCommand(
      Command.buildCommand(CommandName.USERS, {
        start: paging.start,
        limit: paging.limit,
      }, paging),
    );
  }

  /**
   * The answer to `request`: its members (except type, sn, time, cmd,
   * command, keywords, users) with `keywords`, `users` and `station`.
   */
  static response(
    request: SearchCommand,
    users: readonly ID[],
    station: ID,
    options: ContentOptions & {
      readonly results?: Record<string, unknown>;
    } = {},
  ): SearchCommand {
    const copied: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(request.dictionary)) {
      if (!NOT_COPIED.includes(name)) copied[name] = value;
    }
    return new SearchCommand(
      Command.buildCommand(request.name || CommandName.SEARCH, {
        ...copied,
        keywords: request.keywords,
        users: users.map((id) => id.value),
        station: station.value,
        results: options.results,
      }, options),
    );
  }

  /** The keywords ("" when missing; `users` for an online-users request). */
  get keywords(): string {
    return readString(this.dictionary.keywords) ??
      (this.name === CommandName.USERS ? CommandName.USERS : "");
  }

  /** First result (0 when missing). */
  get start(): number {
    return readNumber(this.dictionary.start) ?? 0;
  }

  /** Result count (0 when missing). */
  get limit(): number {
    return readNumber(this.dictionary.limit) ?? 0;
  }

  /** Whether this is an answer (it carries `users`). */
  get isResponse(): boolean {
    return Array.isArray(this.dictionary.users);
  }

  /** The users found. */
  get users(): ID[] {
    return readIdList(this.dictionary.users);
  }

  /** The responder, if any. */
  get station(): ID | undefined {
    return readId(this.dictionary.station);
  }

  /** 2021 `results` {ID: meta}, if any. */
  get results(): Record<string, unknown> | undefined {
    const results = this.dictionary.results;
    return isRecord(results) ? results : undefined;
  }
}
