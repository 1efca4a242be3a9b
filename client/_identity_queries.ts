/**
 * The identity queries of a client session (messages.md §10): the meta
 * and documents of an ID asked from the station at most once per interval,
 * and the sends and opens waiting until a key or a meta came.
 *
 * @module
 */
import { DocumentCommand, MetaCommand } from "../dimp/command/mod.ts";
import type { Content } from "../dimp/content/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import { deferred } from "./_deferred.ts";
import type { AccountsDirectory } from "./directory.ts";
import { ReceiptTimeoutError } from "./errors.ts";
import type { OutgoingMessage } from "./receipts.ts";

/** What the session waits for of an ID: a key to encrypt with, or its meta. */
export type IdentityWanted = "key" | "meta";

/** How {@link IdentityQueries} reach the station. */
export interface IdentityQueriesOptions {
  /** The identity directory the answers are saved to. */
  readonly directory: AccountsDirectory;
  /** Sends a command to the station. */
  readonly sendToStation: (content: Content) => Promise<OutgoingMessage>;
  /** How long an answer is waited for (ms). */
  readonly queryTimeout: number;
  /** How many recent queries are remembered. */
  readonly maxQueries: number;
  /** Sees each query that went out (the session settles it). */
  readonly onQuery: (id: ID, sent: Promise<OutgoingMessage>) => void;
}

/** The queries under way and the waits on their answers. */
export class IdentityQueries {
  readonly #options: IdentityQueriesOptions;
  readonly #queries: BoundedMap<
    string,
    { at: number; sent: Promise<OutgoingMessage> }
  >;
  /** Waits by `key:ID` / `meta:ID`. */
  readonly #waiters = new Map<string, Set<() => void>>();

  /** No query yet. */
  constructor(options: IdentityQueriesOptions) {
    this.#options = options;
    this.#queries = new BoundedMap(options.maxQueries);
  }

  /**
   * Queries the documents (and, when unknown, the meta) of `id` from the
   * station, unless a query went out less than `minInterval` ago (then
   * that one is returned).
   */
  query(id: ID, minInterval: number): Promise<OutgoingMessage> {
    const now = Date.now();
    const last = this.#queries.get(id.value);
    if (last !== undefined && now - last.at < minInterval) return last.sent;
    const { directory, sendToStation } = this.#options;
    const sent = (async () => {
      if (directory.accounts.meta(id) === undefined) {
        await sendToStation(MetaCommand.query(id));
      }
      const visaTime = directory.accounts.visa(id)?.time;
      return await sendToStation(DocumentCommand.query(id, visaTime));
    })();
    this.#queries.set(id.value, { at: now, sent });
    this.#options.onQuery(id, sent);
    return sent;
  }

  /**
   * Queries the station for `id` and waits until its `what` came (see
   * {@link IdentityQueries.wake}), the station said it has none (its
   * answer is returned), or the query time is up.
   */
  async wait(id: ID, what: IdentityWanted): Promise<string | undefined> {
    const name = `${what}:${id.value}`;
    let waiters = this.#waiters.get(name);
    if (waiters === undefined) {
      waiters = new Set();
      this.#waiters.set(name, waiters);
    }
    // resolves with the station's answer ("Document not found."), or
    // undefined when documents came or the time is up
    const timeout = this.#options.queryTimeout;
    const answer = deferred<string | undefined>();
    const wake = () => answer.resolve(undefined);
    waiters.add(wake);
    const timer = setTimeout(wake, timeout);
    try {
      this.query(id, timeout).then(
        (sent) => sent.stationReceipt(timeout),
      ).then((receipt) => answer.resolve(receipt.text), (error) => {
        if (!(error instanceof ReceiptTimeoutError)) answer.reject(error);
      });
      return await answer.promise;
    } finally {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0) this.#waiters.delete(name);
    }
  }

  /**
   * Waits up to `ms` for `what` of `id` to arrive without asking again (a
   * station that had none asked its neighbours and pushes their answer).
   */
  async arrival(id: ID, what: IdentityWanted, ms: number): Promise<void> {
    const name = `${what}:${id.value}`;
    let waiters = this.#waiters.get(name);
    if (waiters === undefined) {
      waiters = new Set();
      this.#waiters.set(name, waiters);
    }
    const arrived = deferred<void>();
    const wake = () => arrived.resolve();
    waiters.add(wake);
    const timer = setTimeout(wake, ms);
    try {
      await arrived.promise;
    } finally {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0) this.#waiters.delete(name);
    }
  }

  /** New identity data of `id` arrived: wakes the waits it satisfies. */
  wake(id: ID): void {
    const key = id.withoutTerminal().value;
    const directory = this.#options.directory;
    if (directory.canEncryptFor(id)) {
      for (const wake of this.#waiters.get(`key:${key}`) ?? []) wake();
    }
    if (directory.accounts.meta(id) !== undefined) {
      for (const wake of this.#waiters.get(`meta:${key}`) ?? []) wake();
    }
  }

  /** Ends every wait (the session closed). */
  wakeAll(): void {
    for (const waiters of this.#waiters.values()) {
      for (const wake of waiters) wake();
    }
    this.#waiters.clear();
  }
}
