/**
 * How the group assistant hands members what is theirs (issue 15): a
 * `forward` sent now when the member's visa is known and nothing of the
 * member's waits; else kept in the store (`group_pending`, durably, with
 * the bounds of offline messages) while the visa is asked for — of the
 * station, which asks its neighbours — and sent, in the order kept, once
 * the visa is stored: at the member's first handshake or upload here, an
 * answer of a neighbour, or a query of the assistant. What was kept goes
 * with the assistant's meta and visa on the forward and each sender's on
 * the messages it carries, so that a member who just arrived reads it
 * without asking (the reference client cannot ask before its handshake is
 * done). A check every few
 * seconds sends what waits for members whose visa came in another way
 * (another process on the store) and asks again for the others (once a
 * minute); what outlives `offline_retention` (or is pushed out by
 * `offline_cap`) is dropped with a log line and counted, never delivered
 * late.
 *
 * @module
 */
import { ForwardContent } from "../dimp/content/mod.ts";
import { type ID, parseId } from "../dimp/identity/mod.ts";
import { ReliableMessage } from "../dimp/message/mod.ts";
import { BoundedMap } from "../dimp/bounded_map.ts";
import type { StationLog } from "../client/log.ts";
import type {
  Accounts,
  DroppedPending,
  GroupPending,
  JsonObject,
} from "../store/mod.ts";
import {
  type ClientSession,
  ClientSessionError,
  type OutgoingMessage,
} from "../client/mod.ts";

/** Why kept messages were dropped: retention ran out, or the per-member cap. */
export type PendingDropReason = "expired" | "offline_cap";

/** How a {@link GroupDelivery} runs. */
export interface GroupDeliveryOptions {
  /** Where it logs. */
  readonly log: StationLog;
  /** How often waiting members are looked at (ms; default 5 s). */
  readonly checkMs?: number;
  /** How often a missing visa is asked for again (ms; default one minute). */
  readonly askMs?: number;
  /** How long the station's receipt of a kept message is waited for (ms; default 30 s). */
  readonly receiptMs?: number;
  /** Told how many kept messages were dropped, and why (for a metric). */
  readonly onDropped?: (count: number, reason: PendingDropReason) => void;
}

/** Kept messages sent in one go. */
const BATCH = 64;
/** Waiting members looked at per check. */
const MEMBERS_PER_CHECK = 256;

/**
 * Sends to group members through a session; keeps what must wait for a
 * member's visa and sends it when the visa comes.
 *
 * @example
 * ```ts ignore
 * const delivery = new GroupDelivery(session, accounts, { log });
 * await delivery.send(carol, team, [copy], copy.signature, copy.time);
 * delivery.close();
 * ```
 */
export class GroupDelivery {
  readonly #session: ClientSession;
  readonly #accounts: Accounts;
  readonly #pending: GroupPending;
  readonly #log: StationLog;
  readonly #askMs: number;
  readonly #receiptMs: number;
  readonly #onDropped: (count: number, reason: PendingDropReason) => void;
  readonly #flushing = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #asked = new BoundedMap<string, number>(
    MEMBERS_PER_CHECK * 4,
  );
  readonly #stopListening: () => void;
  readonly #timer: ReturnType<typeof setInterval>;

  /** Delivery through `session`, kept in the store of `accounts`. */
  constructor(
    session: ClientSession,
    accounts: Accounts,
    options: GroupDeliveryOptions,
  ) {
    this.#session = session;
    this.#accounts = accounts;
    this.#pending = accounts.store.groupPending;
    this.#log = options.log;
    this.#askMs = options.askMs ?? 60_000;
    this.#receiptMs = options.receiptMs ?? 30_000;
    this.#onDropped = options.onDropped ?? (() => {});
    this.#stopListening = accounts.onVisa((id) => {
      if (this.#pending.count(id.value) > 0) this.#flush(id);
    });
    this.#timer = setInterval(() => this.#check(), options.checkMs ?? 5_000);
  }

  /**
   * Sends `messages` to `member` in a `forward` now, or keeps them (as
   * `ref`, at `time`) until its visa is known. Returns whether they went
   * now.
   */
  async send(
    member: ID,
    group: ID,
    messages: readonly ReliableMessage[],
    ref: string,
    time?: number,
  ): Promise<boolean> {
    const naked = member.withoutTerminal();
    // after what waits, in order: a new message never overtakes kept ones
    if (
      this.#pending.count(naked.value) === 0 &&
      this.#accounts.encryptionKey(naked) !== undefined
    ) {
      try {
        await this.#session.send(naked, ForwardContent.create(messages));
        return true;
      } catch (error) {
        if (!(error instanceof ClientSessionError)) throw error;
        this.#log.warn(`cannot send to ${naked.value} now: ${error.message}`);
      }
    }
    const { kept, dropped } = this.#pending.keep({
      member: naked.value,
      group: group.value,
      ref,
      time,
      messages: messages.map((msg) => this.#withSender(msg)),
    }, { durable: true });
    this.#dropped(dropped, "offline_cap");
    if (kept) {
      this.#log.info(
        `kept a message of ${group.value} for ${naked.value} until its visa is known (${
          this.#pending.count(naked.value)
        } waiting)`,
      );
    }
    if (this.#accounts.encryptionKey(naked) === undefined) this.#ask(naked);
    else this.#flush(naked);
    return false;
  }

  /** Stops listening and checking (what waits stays in the store). */
  close(): void {
    clearInterval(this.#timer);
    this.#stopListening();
  }

  /**
   * The message with its sender's meta and visa attached (outside the
   * signature): a member who arrives late likely knows no other member, and
   * its client would hold each message back while asking for them — out of
   * the order kept.
   */
  #withSender(msg: ReliableMessage): JsonObject {
    const dict: JsonObject = { ...msg.dictionary };
    const sender = msg.sender.withoutTerminal();
    if (msg.meta === undefined) {
      const meta = this.#accounts.meta(sender);
      if (meta !== undefined) dict.meta = meta.toDictionary();
    }
    if (msg.visa === undefined) {
      const visa = this.#accounts.visa(sender);
      if (visa !== undefined) dict.visa = visa.toDictionary();
    }
    return dict;
  }

  /** Sends what waits for members whose visa is known; asks for the others. */
  #check(): void {
    this.#purge();
    if (this.#session.state !== "running") return;
    for (const { member } of this.#pending.waiting(MEMBERS_PER_CHECK)) {
      const id = parseId(member);
      if (this.#accounts.encryptionKey(id) !== undefined) this.#flush(id);
      else this.#ask(id);
    }
  }

  /** Drops what outlived the retention, with a log line and a count. */
  #purge(): void {
    try {
      this.#dropped(this.#pending.purgeExpired(), "expired");
    } catch (error) {
      this.#log.error(`purging kept group messages failed: ${error}`);
    }
  }

  #dropped(
    dropped: readonly DroppedPending[],
    reason: PendingDropReason,
  ): void {
    let total = 0;
    for (const { member, group, count } of dropped) {
      total += count;
      this.#log.warn(
        `dropped ${count} message(s) of ${group} kept for ${member}: ${
          reason === "expired"
            ? "no visa within offline_retention"
            : "over offline_cap"
        }`,
      );
    }
    if (total > 0) this.#onDropped(total, reason);
  }

  /** Asks the station for the visa (at most once per `askMs`). */
  #ask(member: ID): void {
    const now = Date.now();
    const last = this.#asked.get(member.value);
    if (last !== undefined && now - last < this.#askMs) return;
    this.#asked.set(member.value, now);
    // a visa that comes is stored through the accounts: onVisa sends
    this.#session.fetchVisa(member).catch((error) =>
      this.#log.debug(`visa of ${member.value} not fetched: ${error}`)
    );
  }

  /** Sends what waits for `member`, one flush per member at a time. */
  #flush(member: ID): void {
    const key = member.value;
    if (this.#flushing.has(key)) {
      this.#again.add(key);
      return;
    }
    const task = this.#drain(member).catch((error) =>
      this.#log.warn(`kept messages for ${key} not sent: ${error}`)
    ).finally(() => {
      this.#flushing.delete(key);
      if (this.#again.delete(key)) this.#flush(member);
    });
    this.#flushing.set(key, task);
  }

  async #drain(member: ID): Promise<void> {
    this.#purge(); // what expired is dropped, not delivered late
    for (;;) {
      if (this.#accounts.encryptionKey(member) === undefined) return;
      const rows = this.#pending.list(member.value, BATCH);
      if (rows.length === 0) return;
      const sent: { seq: number; out: OutgoingMessage }[] = [];
      try {
        for (const row of rows) {
          const messages = row.messages.map((dict) =>
            ReliableMessage.parse(dict)
          );
          // with the assistant's meta and visa: a member that just arrived
          // may not be able to ask for them yet (the reference client drops
          // queries until its handshake is done)
          const out = await this.#session.send(
            member,
            ForwardContent.create(messages),
            { attach: true },
          );
          sent.push({ seq: row.seq, out });
        }
      } catch (error) {
        if (!(error instanceof ClientSessionError)) throw error;
        this.#log.warn(`cannot send to ${member.value} now: ${error.message}`);
      }
      // gone once the station answered for it (stored or delivered there)
      const done: number[] = [];
      for (const { seq, out } of sent) {
        try {
          await out.stationReceipt(this.#receiptMs);
        } catch {
          break;
        }
        done.push(seq);
      }
      this.#pending.remove(done);
      if (done.length > 0) {
        this.#log.info(
          `sent ${done.length} kept message(s) to ${member.value}: its visa came`,
        );
      }
      if (done.length < rows.length) return; // the next check tries again
    }
  }
}
