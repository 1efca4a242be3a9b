/**
 * Delivery (station.md §4.5–§4.7): a message for a user or bot is stored,
 * then pushed to every active session of the receiver; a message for
 * another station is pushed to that station's session here, else handed to
 * the bridge (a session bound to this station's own ID); broadcasts to
 * `stations@everywhere` / `everyone@everywhere` go to every neighbour once.
 * Each delivery answers with the receipt contents of the pseudo-code
 * ("Message delivered.", "Message cached.", "Message redirected.", …).
 *
 * Hooks for the bridge and neighbour issue: the neighbour list is
 * injected ({@link DispatcherOptions.neighbours}); stations logged in here
 * (neighbours' bridges) and a local bridge session are found in the
 * session registry; {@link DispatcherOptions.onRoaming} is told when a
 * login says a user moved to another station.
 *
 * @module
 */
import { purifyEnvelope, ReceiptCommand } from "../dimp/command/mod.ts";
import type { Content } from "../dimp/content/mod.ts";
import { EntityType, type ID, tryParseId } from "../dimp/identity/mod.ts";
import { Envelope, ReliableMessage } from "../dimp/message/mod.ts";
import type { TextParts } from "../dimp/transport/mod.ts";
import type {
  Accounts,
  HeldStore,
  OfflineMessage,
  Store,
} from "../store/mod.ts";
import { attachSender } from "./attachments.ts";
import { HeldTexts, textAt } from "./_held_texts.ts";
import type { StationLog } from "../client/log.ts";
import { messageKey, type OfflineDelivery } from "./offline.ts";
import { PresenceBook } from "./presence.ts";
import { PRIORITY_NORMAL, type PushItem } from "./push_queue.ts";
import type { Session } from "./session.ts";
import type { SessionCenter } from "./session_center.ts";
import type { StationStats } from "./stats.ts";
import { broadcastRecipients, tracedStations } from "./traces.ts";
import type { SendResult } from "./transport/mod.ts";

/**
 * The delivery receipt texts (station.md §9).
 *
 * @example
 * ```ts
 * DeliveryText.CACHED; // "Message cached."
 * ```
 */
export const DeliveryText = {
  DELIVERED: "Message delivered.",
  REDIRECTED: "Message redirected.",
  BRIDGED: "Message redirected via station bridge.",
  CACHED: "Message cached.",
  RECEIVED: "Message received.",
  FORWARDED: "Message forwarded.",
  GROUP_NOT_ALLOWED: "Group message not allow for this station",
} as const;

/**
 * How a delivery ended — what the sender's receipt says:
 * - `sent`: a session took it (its receiver's, another station's or the
 *   local bridge's); `receipt` is "Message delivered.", "Message
 *   redirected." or "Message redirected via station bridge.";
 * - `kept`: no session took it now; it is stored for its receiver
 *   (fsynced: "Message cached."), or it is for this station;
 * - `unreachable`: for a station neither logged in here nor behind the
 *   bridge ("Message received.");
 * - `failed`: the store failed — no receipt, the sender sends it again.
 *
 * @example
 * ```ts ignore
 * const delivery = await dispatcher.deliver(msg, msg.receiver);
 * if (delivery.kind === "failed") log.warn("not stored");
 * const receipts = receiptsFor(delivery, msg);
 * ```
 */
export type Delivery =
  | {
    readonly kind: "sent";
    /** The receipt's text ("Message delivered.", …). */
    readonly text: string;
    /** The receipt's members besides text and origin (`recipient`, …). */
    readonly extra: Record<string, unknown>;
  }
  | { readonly kind: "kept" }
  | { readonly kind: "unreachable" }
  | { readonly kind: "failed" };

const KEPT: Delivery = { kind: "kept" };
const UNREACHABLE: Delivery = { kind: "unreachable" };
const FAILED: Delivery = { kind: "failed" };

/**
 * The receipts a delivery answers its sender with (station.md §4.5): none
 * when the store failed.
 *
 * @example
 * ```ts ignore
 * receiptsFor({ kind: "kept" }, msg)[0].text; // "Message cached."
 * ```
 */
export function receiptsFor(
  delivery: Delivery,
  msg: Envelope,
): ReceiptCommand[] {
  const says = receiptSays(delivery);
  return says === undefined ? [] : [receipt(says.text, msg, says.extra)];
}

/** What a delivery's receipt says besides its origin. */
export interface ReceiptSays {
  /** The receipt's text ("Message delivered.", …). */
  readonly text: string;
  /** The receipt's members besides text and origin (`recipient`, …). */
  readonly extra?: Record<string, unknown>;
}

const SAYS_CACHED: ReceiptSays = { text: DeliveryText.CACHED };
const SAYS_RECEIVED: ReceiptSays = { text: DeliveryText.RECEIVED };

/**
 * The text and members of the receipt a delivery answers its sender with
 * ({@link receiptsFor}); `undefined` when the store failed.
 *
 * @example
 * ```ts ignore
 * receiptSays({ kind: "kept" })?.text; // "Message cached."
 * ```
 */
export function receiptSays(delivery: Delivery): ReceiptSays | undefined {
  switch (delivery.kind) {
    case "sent":
      return delivery;
    case "kept":
      return SAYS_CACHED;
    case "unreachable":
      return SAYS_RECEIVED;
    case "failed":
      return undefined;
  }
}

/**
 * Told how a delivery ended ({@link Dispatcher.deliverThen}), with the
 * envelope its receipt answers — the message itself, or, for a text pushed
 * live whose store was held, its envelope alone (what a receipt's `origin`
 * carries), the message having been let go of — and the context the
 * delivery was given: one listener for every message, no closure each.
 *
 * @example
 * ```ts ignore
 * const answers: DeliveryListener<Session> = {
 *   settled: (delivery, origin, session) => outbox.send(session, origin, delivery),
 * };
 * dispatcher.deliverThen(msg, msg.receiver, answers, session);
 * ```
 */
export interface DeliveryListener<T> {
  /** The delivery of the message whose envelope is `origin` ended. */
  settled(delivery: Delivery, origin: Envelope, context: T): void;
}

/** {@link Dispatcher.deliver}'s listener: its context is the promise's `resolve`. */
const _RESOLVE: DeliveryListener<(delivery: Delivery) => void> = {
  settled: (delivery, _origin, resolve) => resolve(delivery),
};

/** What the dispatcher needs besides the sessions and the store. */
export interface DispatcherOptions {
  /** This station. */
  readonly station: ID;
  /** The neighbour stations of the service provider (default: none). */
  readonly neighbours?: () => Iterable<ID>;
  /** A login says `user` is now at `station` (≠ this); its stored messages were sent on. */
  readonly onRoaming?: (user: ID, station: ID) => void;
  /**
   * Whether the local bridge can take messages for a station not logged in
   * here (default: any). `false`: a message for it stays stored for its
   * receiver ("Message received.", §4.5 `redirect` without a route).
   */
  readonly bridged?: (station: ID) => boolean;
  /**
   * Where the senders' metas and visas are (attached to a user's message
   * pushed to another station's session; default: nothing attached).
   */
  readonly accounts?: Accounts;
}

/**
 * Routes messages to sessions.
 *
 * @example
 * ```ts ignore
 * const receipts = receiptsFor(await dispatcher.deliver(msg, msg.receiver), msg);
 * ```
 */
export class Dispatcher {
  /** Where each user was last seen (handshakes, neighbours' notices, logins). */
  readonly presence: PresenceBook;
  readonly #station: ID;
  readonly #center: SessionCenter;
  readonly #offline: OfflineDelivery;
  readonly #store: Store;
  readonly #stats: StationStats;
  readonly #log: StationLog;
  readonly #neighbours: () => Iterable<ID>;
  readonly #onRoaming: (user: ID, station: ID) => void;
  readonly #bridged: (station: ID) => boolean;
  readonly #accounts: Accounts | undefined;
  /** Where the texts of held pushes are kept (off the V8 heap). */
  readonly #heldTexts = new HeldTexts();

  /** Wires the registry, the offline store and the hooks. */
  constructor(
    center: SessionCenter,
    offline: OfflineDelivery,
    store: Store,
    stats: StationStats,
    log: StationLog,
    options: DispatcherOptions,
  ) {
    this.#station = options.station;
    this.#center = center;
    this.#offline = offline;
    this.#store = store;
    this.#stats = stats;
    this.#log = log;
    this.#neighbours = options.neighbours ?? (() => []);
    this.#onRoaming = options.onRoaming ?? (() => {});
    this.#bridged = options.bridged ?? (() => true);
    this.#accounts = options.accounts;
    // a stored message that did not leave after all: the user's sessions here get it
    offline.onMoveFailed = (user) => {
      for (const session of center.active(user)) offline.load(session);
    };
    this.presence = new PresenceBook({
      self: options.station,
      login: (user) => store.logins.newest(user),
    });
  }

  /**
   * Delivers to a user, bot or station (§4.5). Stores the message (not for
   * station senders or receivers, nor when the message's own receiver is a
   * broadcast alias) before it resolves: fsynced when no session of the
   * receiver takes it (`kept`: "Message cached."); when it is pushed live
   * (`sent`: "Message delivered.") it resolves once the receiver took it
   * or, after the store's hold time, once it is committed and fsynced —
   * neither a `kill -9` nor a power loss after the receipt loses it; the
   * stored copy is deleted once the receiver took it. `failed`: the store
   * failed.
   */
  deliver(
    msg: ReliableMessage,
    receiver: ID,
    via: "local" | "bot" = "local",
  ): Promise<Delivery> {
    return new Promise((resolve) =>
      this.deliverThen(msg, receiver, _RESOLVE, resolve, via)
    );
  }

  /**
   * {@link Dispatcher.deliver} telling `listener` (once, maybe before this
   * returns) instead of resolving a promise: the routed path keeps one
   * record per message while it waits for its receiver or the store, no
   * promise chain — and not the message: a text pushed live keeps its
   * text as bytes (for the store) and its envelope (for the receipt).
   * `context` is given back to `listener`.
   */
  deliverThen<T>(
    msg: ReliableMessage,
    receiver: ID,
    listener: DeliveryListener<T>,
    context: T,
    via: "local" | "bot" = "local",
  ): void {
    this.#stats.routed++;
    if (receiver.type === EntityType.STATION) {
      return listener.settled(this.redirect(msg, receiver), msg, context);
    }
    const cache = msg.sender.type !== EntityType.STATION &&
      !msg.receiver.isBroadcast;
    // one key string for every lookup of this message (hashed once)
    const key = cache ? messageKey(receiver, msg.signature) : undefined;
    // taken here already (a copy that came again, e.g. moved back and forth
    // between stations or resent after a late acknowledgement): not twice
    if (
      key !== undefined && this.#offline.delivered(receiver, msg.signature, key)
    ) {
      this.#log.debug(
        `message for ${receiver.value} delivered here before: not again`,
      );
      return listener.settled(
        sent(DeliveryText.DELIVERED, { recipient: receiver.value }),
        msg,
        context,
      );
    }
    const pushed = this.#pushTo(
      this.#center.active(receiver),
      msg,
      receiver,
      key,
      via,
    );
    if (key === undefined) {
      return listener.settled(
        this.#counted(pushed ?? this.#roam(msg, receiver, undefined)),
        msg,
        context,
      );
    }
    // taken by the receiver or committed before the receipt (§4.11): held
    // before the push can settle, so its delete when sent comes after it
    if (pushed !== undefined) {
      // its frames are made: what the store and the receipt need is kept,
      // not the parsed message (~1 KB on the heap through many scavenges)
      const text = this.#heldTexts.put(
        msg.serializeInParts(),
        () => msg.serialize(),
      );
      this.#offline.hold(
        key,
        new _HeldPush(
          text.bytes,
          text.at,
          text.length,
          Envelope.parse(purifyEnvelope(msg)),
          receiver,
          listener,
          context,
          this.#stats,
          this.#log,
        ),
      );
      return;
    }
    const stored = this.#offline.store(receiver, msg, { durable: true });
    const result = this.#roam(msg, receiver, receiver);
    stored.then(
      () => listener.settled(this.#counted(result), msg, context),
      (error) =>
        listener.settled(
          _storeFailed(this.#log, receiver, error),
          msg,
          context,
        ),
    );
  }

  /** A delivery that stands: counted when it was kept for later. */
  #counted(result: Delivery): Delivery {
    if (result.kind === "kept") this.#stats.cached++;
    return result;
  }

  /**
   * Sends to another station (§4.5 `redirect`): directly to its session
   * here, else through the local bridge with `neighbor` set (when the
   * bridge reaches it). `kept` when the station is this one. `storedFor`:
   * the user whose stored copy is deleted once the station session took it.
   */
  redirect(msg: ReliableMessage, neighbor: ID, storedFor?: ID): Delivery {
    if (neighbor.equals(this.#station)) return KEPT;
    const direct = this.#center.active(neighbor);
    const payload = direct.length > 0 ? this.#withSender(msg) : "";
    if (this.#send(direct, payload, msg, storedFor) > 0) {
      this.#stats.routedBy.neighbor++;
      return sent(DeliveryText.REDIRECTED, { neighbor: neighbor.value });
    }
    const bridge = this.#center.bridge();
    if (bridge.length === 0 || !this.#bridged(neighbor)) return UNREACHABLE;
    const copy = ReliableMessage.parse({
      ...msg.dictionary,
      neighbor: neighbor.value,
    });
    if (this.#send(bridge, copy.serialize(), msg, storedFor) === 0) {
      return UNREACHABLE;
    }
    this.#stats.routedBy.neighbor++;
    return sent(DeliveryText.BRIDGED, { neighbor: neighbor.value });
  }

  /**
   * Forwards a broadcast to every neighbour once (§4.7), never back to the
   * station that sent it: directly to those logged in here, the rest
   * through the bridge; `recipients` keeps the
   * list of stations already given the message. Returns the
   * `Message forwarded.` receipt (which is not sent to clients).
   */
  broadcast(msg: ReliableMessage, from?: Session): Content[] {
    const old = broadcastRecipients(msg);
    // a station's own broadcast (its queries, §4.13) carries no trace of it;
    // a station in the traces had it already (a user's broadcast that came
    // from a neighbour is not sent back to it)
    const origin = msg.sender.withoutTerminal();
    const seen = new Set([...old, ...tracedStations(msg)]);
    const fresh = new Set<string>();
    const candidates = [...this.#neighbours(), ...this.#center.stations()];
    for (const station of candidates) {
      const value = station.value;
      if (
        !station.equals(this.#station) && !station.equals(origin) &&
        !seen.has(value)
      ) {
        fresh.add(value);
      }
    }
    msg.set("recipients", [...old, ...fresh]);
    const payload = msg.serialize();
    const sent: string[] = [];
    for (const value of fresh) {
      const sessions = this.#center.active(tryParseId(value)!)
        .filter((s) => s !== from);
      if (this.#send(sessions, payload, msg, undefined) > 0) sent.push(value);
    }
    msg.set("recipients", [...old, ...sent]);
    // the bridge gets it even when it brought it: it skips the stations in
    // `recipients` and `traces`, and forwards to the neighbours not logged in here
    this.#send(this.#center.bridge(), msg.serialize(), msg, undefined);
    return [receipt(DeliveryText.FORWARDED, msg, { recipients: sent })];
  }

  /**
   * Whether a broadcast from here reaches another station now: a neighbour
   * is known, or a station (a neighbour's bridge or the local one) is
   * logged in.
   */
  reachesStations(): boolean {
    for (const _ of this.#neighbours()) return true;
    return this.#center.stations().length > 0;
  }

  /**
   * Pushes a broadcast to every active user session except those of its
   * sender (not stored, no receipt); returns how many took it.
   */
  fanOut(msg: ReliableMessage): number {
    const sender = msg.sender.withoutTerminal().value;
    const payload = msg.serialize();
    let count = 0;
    for (const session of this.#center.all()) {
      const id = session.identifier;
      if (
        id === undefined || id.type !== EntityType.USER ||
        id.value === sender || !session.active
      ) continue;
      count += this.#send([session], payload, msg, undefined);
    }
    return count;
  }

  /**
   * A new login of the user was stored: when it is the newest news of the
   * user (by time, against handshakes and neighbours' presence notices)
   * and names another station, the user's stored messages go there.
   */
  loginChanged(user: ID, station: ID | undefined, time?: number): void {
    const naked = user.withoutTerminal();
    if (!this.presence.loginSaved(naked, station, time)) return;
    if (station !== undefined && !station.equals(this.#station)) {
      this.#moved(naked, station);
    }
  }

  /**
   * A neighbour's presence notice: the user is at `station` since `time`.
   * `true` when that is the newest news of the user — then the user's
   * stored messages go there.
   */
  userSeen(user: ID, station: ID, time: number): boolean {
    const naked = user.withoutTerminal();
    if (!this.presence.seen(naked, station, time)) return false;
    this.#moved(naked, station);
    return true;
  }

  /** Whether `station` is one of the neighbours. */
  isNeighbour(station: ID): boolean {
    for (const neighbour of this.#neighbours()) {
      if (neighbour.equals(station)) return true;
    }
    return false;
  }

  /** The station where the user was last seen (handshake, notice or login), if known. */
  loginStation(user: ID): ID | undefined {
    return this.presence.where(user);
  }

  #moved(user: ID, station: ID): void {
    this.#roamStored(user, station);
    this.#onRoaming(user, station);
  }

  /**
   * Sends to the station the receiver's login names — unless the message
   * came through that station already: then the two stations disagree
   * about where the user is (a login still on its way), and sending it
   * back would bounce it between them; it stays stored here until the
   * user's next login moves it (§4.6).
   */
  #roam(
    msg: ReliableMessage,
    receiver: ID,
    storedFor: ID | undefined,
  ): Delivery {
    const station = this.loginStation(receiver);
    if (station === undefined) return KEPT;
    if (
      !station.equals(this.#station) &&
      tracedStations(msg).includes(station.value)
    ) {
      this.#log.debug(
        `message for ${receiver.value} came from ${station.value}: kept here`,
      );
      return KEPT;
    }
    return this.redirect(msg, station, storedFor);
  }

  /**
   * A user's login names another station (§4.6): its stored messages go
   * there (each deleted here once that station's session took it).
   */
  #roamStored(user: ID, station: ID): void {
    if (
      this.#center.active(station).length === 0 &&
      (this.#center.bridge().length === 0 || !this.#bridged(station))
    ) return; // neither the station nor a bridge to it here: they wait
    const here = this.#center.active(user);
    for (const stored of this.#store.messages.load(user.value)) {
      // being delivered here, or leaving already: not sent twice
      const key = messageKey(user, stored.signature);
      if (here.some((session) => session.isQueued(key))) continue;
      if (!this.#offline.markMoving(user, stored.signature)) continue;
      let delivery: Delivery = UNREACHABLE;
      try {
        delivery = this.redirect(
          ReliableMessage.parse(stored.msg),
          station,
          user,
        );
      } catch (error) {
        this.#log.warn(`stored message for ${user.value} unreadable: ${error}`);
      }
      if (delivery.kind !== "sent") {
        this.#offline.unmarkMoving(user, stored.signature);
      }
    }
  }

  /** The message as it leaves for another station: with its sender's meta and visa. */
  #withSender(msg: ReliableMessage): string {
    const accounts = this.#accounts;
    if (accounts === undefined) return msg.serialize();
    const copy = ReliableMessage.parse({ ...msg.dictionary });
    return attachSender(copy, accounts) ? copy.serialize() : msg.serialize();
  }

  /**
   * Pushes to the receiver's sessions: `sent`, or `undefined` when none took
   * it. `storedKey`: the message's key when it is stored for the receiver.
   */
  #pushTo(
    targets: readonly Session[],
    msg: ReliableMessage,
    receiver: ID,
    storedKey: string | undefined,
    via: "local" | "bot",
  ): Delivery | undefined {
    if (targets.length === 0) return undefined;
    const count = this.#send(
      targets,
      msg.serializeInParts(),
      msg,
      storedKey === undefined ? undefined : receiver,
      storedKey,
    );
    if (count === 0) return undefined;
    this.#stats.routedBy[via]++;
    return sent(DeliveryText.DELIVERED, { recipient: receiver.value });
  }

  /**
   * Queues on each session; `storedFor`: delete that copy once sent
   * (`storedKey`: its message key, when known).
   */
  #send(
    sessions: readonly Session[],
    payload: string | TextParts,
    msg: ReliableMessage,
    storedFor: ID | undefined,
    storedKey?: string,
  ): number {
    let count = 0;
    const key = storedFor === undefined
      ? undefined
      : storedKey ?? messageKey(storedFor, msg.signature);
    for (const session of sessions) {
      const item: PushItem = {
        priority: PRIORITY_NORMAL,
        payload,
        key,
        onResult: storedFor === undefined
          ? this.#countLive
          : this.#offline.deleteWhenSent(
            storedFor,
            msg.signature,
            "live",
            !session.isStation,
            key,
          ),
      };
      if (session.push(item) === undefined) {
        count++;
        this.#stats.pushed++;
      }
    }
    return count;
  }

  readonly #countLive = (result: SendResult): void => {
    if (result.sent) this.#stats.deliver("live");
  };
}

/** A store that failed: logged, and no receipt. */
function _storeFailed(log: StationLog, receiver: ID, error: unknown): Delivery {
  log.error(`store for ${receiver.value} failed: ${error}`);
  return FAILED;
}

/**
 * A text pushed live while its stored copy is held: the one record it
 * keeps until its receiver took it or the copy is committed — its text as
 * bytes (parsed again only if it is written after all), its envelope for
 * the receipt and what to tell, not the parsed message.
 */
class _HeldPush<T> implements HeldStore {
  readonly #bytes: Uint8Array;
  readonly #at: number;
  readonly #length: number;
  readonly #origin: Envelope;
  readonly #receiver: ID;
  readonly #listener: DeliveryListener<T>;
  readonly #context: T;
  readonly #stats: StationStats;
  readonly #log: StationLog;
  readonly #heldAt = performance.now();

  constructor(
    bytes: Uint8Array,
    at: number,
    length: number,
    origin: Envelope,
    receiver: ID,
    listener: DeliveryListener<T>,
    context: T,
    stats: StationStats,
    log: StationLog,
  ) {
    this.#bytes = bytes;
    this.#at = at;
    this.#length = length;
    this.#origin = origin;
    this.#receiver = receiver;
    this.#listener = listener;
    this.#context = context;
    this.#stats = stats;
    this.#log = log;
  }

  message(): OfflineMessage {
    const origin = this.#origin;
    return {
      receiver: this.#receiver.withoutTerminal().value,
      signature: origin.get("signature") as string,
      // no time of its own: the time it was held, as a store then would
      time: origin.time ??
        (Date.now() - (performance.now() - this.#heldAt)) / 1000,
      msg: JSON.parse(textAt(this.#bytes, this.#at, this.#length)),
    };
  }

  stored(written: boolean): void {
    if (written) {
      const seconds = (performance.now() - this.#heldAt) / 1000;
      this.#stats.storeLatency?.("store_message", seconds);
    }
    const recipient = this.#receiver.value;
    this.#listener.settled(
      sent(DeliveryText.DELIVERED, { recipient }),
      this.#origin,
      this.#context,
    );
  }

  failed(error: unknown): void {
    this.#listener.settled(
      _storeFailed(this.#log, this.#receiver, error),
      this.#origin,
      this.#context,
    );
  }
}

/** A `sent` delivery: its receipt is made when it is sent, not held meanwhile. */
function sent(text: string, extra: Record<string, unknown>): Delivery {
  return { kind: "sent", text, extra };
}

function receipt(
  text: string,
  msg: Envelope,
  extra?: Record<string, unknown>,
): ReceiptCommand {
  return ReceiptCommand.create(text, msg, { extra });
}
