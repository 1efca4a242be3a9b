/**
 * What waits for the bridge's neighbours: a message for a neighbour that
 * is down is kept in the store (under the neighbour's ID, fsynced, 7 days
 * like offline messages) and sent, oldest first, when its link is up again
 * — each deleted once the neighbour took it.
 *
 * @module
 */
import type { ID } from "../../dimp/identity/mod.ts";
import type { ReliableMessage } from "../../dimp/message/mod.ts";
import { MessageWriteQueue, type Store } from "../../store/mod.ts";
import type { StationLog } from "../../client/log.ts";
import type { SendResult } from "../transport/mod.ts";
import type { StationLink } from "./link.ts";

/** Messages sent at once while a neighbour's queue is emptied. */
const DRAIN_WINDOW = 64;

/** The counters the backlog keeps up to date (the bridge's). */
export interface BacklogStats {
  /** Messages given to a neighbour. */
  sent: number;
  /** Messages kept for a neighbour that was down. */
  queued: number;
  /** Messages that could not be kept. */
  dropped: number;
}

/**
 * The store-backed queues of the neighbours that are down.
 *
 * @example
 * ```ts ignore
 * const backlog = new NeighbourBacklog(store, bridge.stats, log);
 * if (await backlog.keep(neighbour, msg, payload)) backlog.drain(link, neighbour);
 * backlog.close();
 * ```
 */
export class NeighbourBacklog {
  readonly #store: Store;
  readonly #writes: MessageWriteQueue;
  readonly #stats: BacklogStats;
  readonly #log: StationLog;
  readonly #draining = new Set<string>();
  readonly #redrain = new Set<string>();
  #closed = false;

  /** Keeps messages in `store`, counting in `stats`. */
  constructor(store: Store, stats: BacklogStats, log: StationLog) {
    this.#store = store;
    this.#writes = new MessageWriteQueue(store.messages);
    this.#stats = stats;
    this.#log = log;
  }

  /** Whether the queue of `neighbour` is being sent now (new messages wait behind it). */
  draining(neighbour: ID): boolean {
    return this.#draining.has(neighbour.value);
  }

  /**
   * Keeps a message for `neighbour` (fsynced); `false` when the store
   * failed (logged, counted as dropped).
   */
  async keep(
    neighbour: ID,
    msg: ReliableMessage,
    payload: string,
  ): Promise<boolean> {
    try {
      await this.#writes.store({
        receiver: neighbour.value,
        signature: msg.signature,
        time: msg.time ?? Date.now() / 1000,
        msg: JSON.parse(payload),
      }, { durable: true });
    } catch (error) {
      this.#log.error(
        `bridge: message for ${neighbour.value} not kept: ${error}`,
      );
      this.#stats.dropped++;
      return false;
    }
    this.#stats.queued++;
    this.#log.debug(
      `bridge: message ${msg.sender.value} -> ${msg.receiver.value} kept for ${neighbour.value}`,
    );
    return true;
  }

  /** Sends what waits for a neighbour on its link, oldest first, deleting what it took. */
  drain(link: StationLink, id: ID): void {
    if (this.#draining.has(id.value)) {
      this.#redrain.add(id.value);
      return;
    }
    this.#draining.add(id.value);
    this.#drainAll(link, id).catch((error) =>
      this.#log.error(`bridge: queue for ${id.value} not sent: ${error}`)
    ).finally(() => this.#draining.delete(id.value));
  }

  /** Commits what is queued and stops sending (before the store closes). */
  close(): void {
    this.#closed = true;
    this.#writes.close();
  }

  async #drainAll(link: StationLink, id: ID): Promise<void> {
    do {
      this.#redrain.delete(id.value);
      const waiting = this.#store.messages.load(id.value);
      if (waiting.length > 0) {
        this.#log.info(
          `bridge: sending ${waiting.length} kept message(s) to ${id.value}`,
        );
      }
      const inFlight = new Set<Promise<SendResult>>();
      for (const item of waiting) {
        if (!link.running || this.#closed) return;
        const sent = link.send(JSON.stringify(item.msg));
        inFlight.add(sent);
        sent.then((result) => {
          inFlight.delete(sent);
          if (!result.sent) return;
          this.#stats.sent++;
          this.#writes.delete({ receiver: id.value, signature: item.signature })
            .catch((error) =>
              this.#log.error(`bridge: kept message not deleted: ${error}`)
            );
        });
        if (inFlight.size >= DRAIN_WINDOW) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } while (this.#redrain.has(id.value) && link.running);
  }
}
