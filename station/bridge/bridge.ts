/**
 * The bridge ("octopus", station.md §6.6, §2.4, §4.6, §4.7): in the
 * station's process, but on the wire exactly what the reference runs as a
 * separate program —
 *
 * - an **inner** client connection to the local station, logged in as the
 *   station's own ID: the station pushes to it what it routes to other
 *   stations (`neighbor` set: one station; none: a broadcast);
 * - one **outer** client connection per neighbour in the station table,
 *   logged in as the station's ID too (offer with meta and visa to
 *   `station@anywhere`, `report online` every 5 minutes, no receipts); the
 *   neighbour's ID is learned from its handshake and written to the table.
 *
 * Outgoing (local station → bridge): handshake replies stay with the inner
 * client; a cycled message (sender = receiver) is dropped; otherwise it goes
 * to `neighbor` (the field removed) or to every neighbour that is up,
 * skipping the stations in `recipients` (and, for broadcasts, in `traces`)
 * and appending those it is given to; a user's message without attachments
 * gets its sender's meta and visa. Incoming (neighbour → bridge):
 * messages from this station are dropped, handshake replies stay with that
 * outer client, everything else is sent into the local station through the
 * inner connection, which the station trusts (a station session).
 *
 * Beyond the reference: a message for a neighbour that is down is kept in
 * the store (under the neighbour's ID, 7 days, like offline messages) and
 * sent when the neighbour is up again. The station hands the bridge only
 * messages for neighbours it knows ({@link Bridge.reaches}); a message for
 * another station stays stored for its receiver at the station.
 *
 * Why in-process but over a real connection: the station needs no special
 * case (the bridge is a trusted station session whose replies for others
 * are routed, §4.1 step 8), and the same code would bridge any station —
 * the wire toward neighbours is the reference's either way.
 *
 * @module
 */
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import { ContentType } from "../../dimp/content/mod.ts";
import { EntityType, type ID, tryParseId } from "../../dimp/identity/mod.ts";
import {
  type LocalUser,
  MemoryCipherKeyCache,
  MessagePacker,
  type ReliableMessage,
} from "../../dimp/message/mod.ts";
import type { Store } from "../../store/mod.ts";
import { AccountsDirectory, loadLocalUser } from "../../client/mod.ts";
import { silentLog, type StationLog } from "../../client/log.ts";
import { type NeighbourAddress, withoutSelf } from "../neighbours.ts";
import { attachSender } from "../attachments.ts";
import type { Station } from "../station.ts";
import { broadcastRecipients, tracedStations } from "../traces.ts";
import type { Framing, TransportLimits } from "../transport/mod.ts";
import type { PresenceEntry } from "../presence.ts";
import { NeighbourBacklog } from "./backlog.ts";
import { StationLink } from "./link.ts";
import { PresenceOutbox } from "./presence_outbox.ts";

/**
 * The service provider the neighbour table belongs to (station.md §2.4).
 *
 * @example
 * ```ts
 * DEFAULT_PROVIDER; // "gsp@everywhere"
 * ```
 */
export const DEFAULT_PROVIDER = "gsp@everywhere";

/** How a bridge is made. Times in milliseconds. */
export interface BridgeOptions {
  /** The running station it bridges for. */
  readonly station: Station;
  /**
   * The configured neighbours (command line, config, `stations.json`),
   * read at start, on {@link Bridge.reload} and every `refreshInterval`;
   * this station is left out. Without it the station table is used as it
   * is.
   */
  readonly neighbours?: () =>
    | readonly NeighbourAddress[]
    | Promise<readonly NeighbourAddress[]>;
  /** The provider of the station table (default {@link DEFAULT_PROVIDER}). */
  readonly provider?: string;
  /** The framing toward neighbours (default `"mtp"`, what every station speaks). */
  readonly framing?: Framing;
  /** How often the table is compared with the connections (default 60 s). */
  readonly checkInterval?: number;
  /** How often the neighbour list is read again (default 600 s). */
  readonly refreshInterval?: number;
  /** First delay before a neighbour is tried again (default 1 s, doubling). */
  readonly retryDelay?: number;
  /** Longest delay before a neighbour is tried again (default 60 s). */
  readonly maxRetryDelay?: number;
  /** How long a handshake offer waits for its answer (default 30 s). */
  readonly handshakeTimeout?: number;
  /** Transport limits of the bridge's connections. */
  readonly limits?: TransportLimits;
  /** Messages from neighbours held while the local station link is down (default 1024). */
  readonly maxBacklog?: number;
  /** Where to log (default: nowhere). */
  readonly log?: StationLog;
}

/** Counters of the bridge. */
export interface BridgeStats {
  /** Messages given to a neighbour. */
  sent: number;
  /** Messages from neighbours given to the local station. */
  received: number;
  /** Messages kept for a neighbour that was down. */
  queued: number;
  /** Messages dropped (cycled, from ourselves, not a neighbour, backlog full). */
  dropped: number;
}

/** One neighbour as the bridge sees it. */
export interface NeighbourStatus {
  /** Where it listens. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Its ID, once learned. */
  readonly id?: string;
  /** The connection: `running` when up. */
  readonly state: string;
}

/**
 * The bridge of a station.
 *
 * @example
 * ```ts ignore
 * let bridge: Bridge | undefined;
 * const station = await Station.start({ storePath, neighbours: () => bridge?.neighbourIds() ?? [] });
 * bridge = await Bridge.start({ station, neighbours: () => [{ host: "10.0.0.2", port: 9394 }] });
 * await bridge.reload(); // SIGHUP
 * await bridge.stop();
 * await station.stop();
 * ```
 */
export class Bridge {
  /** Counters. */
  readonly stats: BridgeStats = {
    sent: 0,
    received: 0,
    queued: 0,
    dropped: 0,
  };
  readonly #options: BridgeOptions;
  readonly #station: Station;
  readonly #self: ID;
  readonly #user: LocalUser;
  readonly #store: Store;
  readonly #backlog: NeighbourBacklog;
  readonly #provider: string;
  readonly #log: StationLog;
  readonly #directory: AccountsDirectory;
  readonly #cipherKeys = new MemoryCipherKeyCache();
  readonly #peek: MessagePacker;
  readonly #links = new Map<string, StationLink>();
  readonly #byId = new Map<string, StationLink>();
  readonly #known = new Map<string, ID>();
  readonly #ourselves = new Set<string>();
  readonly #relays: string[] = [];
  readonly #maxBacklog: number;
  readonly #presence: PresenceOutbox;
  readonly #unsubscribe: () => void;
  #inner: StationLink | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  #reloading: Promise<void> | undefined;
  #stopped = false;

  private constructor(options: BridgeOptions) {
    this.#options = options;
    const station = options.station;
    this.#station = station;
    this.#self = station.id;
    this.#store = station.store;
    this.#provider = options.provider ?? DEFAULT_PROVIDER;
    this.#log = options.log ?? silentLog();
    this.#backlog = new NeighbourBacklog(station.store, this.stats, this.#log);
    this.#maxBacklog = Math.max(1, options.maxBacklog ?? 1024);
    this.#directory = new AccountsDirectory(station.accounts);
    this.#user = loadLocalUser(station.accounts, station.id);
    this.#peek = new MessagePacker({
      user: this.#user,
      directory: this.#directory,
      cipherKeys: this.#cipherKeys,
    });
    this.#presence = new PresenceOutbox({
      self: this.#self,
      pack: (receiver, content) => this.#peek.packContent(receiver, content),
      log: this.#log,
    });
    this.#unsubscribe = station.dispatcher.presence.onArrival((entry) =>
      this.#presence.add(entry)
    );
  }

  /**
   * Reads the neighbours into the station table and connects to them (and
   * to the local station, once there is a neighbour).
   *
   * @throws {LocalUserError} the station's keys are not in its store
   */
  static async start(options: BridgeOptions): Promise<Bridge> {
    const bridge = new Bridge(options);
    await bridge.reload();
    bridge.#timers = [
      setInterval(() => bridge.#check(), options.checkInterval ?? 60_000),
      setInterval(
        () => void bridge.reload(),
        options.refreshInterval ?? 600_000,
      ),
    ];
    return bridge;
  }

  /**
   * The neighbour stations known by ID (the table's, learned from
   * handshakes or named by the list): where broadcasts go, besides the
   * stations logged in to us (§2.4 `all_neighbors`).
   */
  neighbourIds(): ID[] {
    return [...this.#known.values()];
  }

  /**
   * Whether messages for `station` can be given to the bridge: it is a
   * neighbour known by ID (connected or kept for). The station keeps
   * messages for other stations' users stored for them instead.
   */
  reaches(station: ID): boolean {
    return this.#known.has(station.value);
  }

  /** The neighbours in the table and their connections. */
  status(): NeighbourStatus[] {
    return this.#store.stations.list(this.#provider).map((row) => {
      const link = this.#links.get(`${row.host}:${row.port}`);
      return {
        host: row.host,
        port: row.port,
        ...(row.id === undefined ? {} : { id: row.id }),
        state: this.#ourselves.has(`${row.host}:${row.port}`)
          ? "ourselves"
          : link?.state ?? "idle",
      };
    });
  }

  /**
   * Reads the neighbour list again (SIGHUP, and every 10 minutes): the
   * table gets the listed stations (learned IDs kept, stations no longer
   * listed removed), new neighbours are connected, removed ones closed. A
   * list that cannot be read leaves the table as it is (logged).
   */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** Closes every connection (reporting offline) and commits what is kept. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#unsubscribe();
    this.#presence.stop();
    await this.#reloading?.catch(() => {});
    const links = [...this.#links.values()];
    this.#links.clear();
    this.#byId.clear();
    await Promise.all([...links, this.#inner].map((link) => link?.close()));
    this.#backlog.close();
  }

  // ------------------------------------------------------------ the table

  async #reload(): Promise<void> {
    const source = this.#options.neighbours;
    if (source !== undefined) {
      let listed: readonly NeighbourAddress[];
      try {
        listed = await source();
      } catch (error) {
        this.#log.warn(
          `bridge: neighbour list not read, table kept: ${
            (error as Error).message
          }`,
        );
        this.#check();
        return;
      }
      if (this.#stopped) return;
      this.#sync(listed);
    }
    this.#check();
  }

  #sync(listed: readonly NeighbourAddress[]): void {
    const station = this.#station;
    const visa = station.identity.visa;
    const neighbours = withoutSelf(listed, {
      id: this.#self,
      hosts: [station.hostname, String(visa.getProperty("host") ?? "")],
      ports: [station.port, Number(visa.getProperty("port") ?? 0)],
    });
    const table = this.#store.stations;
    const { added, removed } = table.sync(this.#provider, neighbours);
    // an ID the list names is a hint until a handshake tells the real one
    const stored = new Map(
      table.list(this.#provider).map((row) => [`${row.host}:${row.port}`, row]),
    );
    for (const item of neighbours) {
      const row = stored.get(`${item.host}:${item.port}`);
      if (item.id !== undefined && row !== undefined && row.id === undefined) {
        table.save({ ...row, id: item.id.value });
      }
    }
    if (added + removed > 0) {
      this.#log.info(
        `bridge: ${neighbours.length} neighbour(s) (${added} new, ${removed} removed)`,
      );
    }
  }

  /** Connects new neighbours, closes removed ones, retries what is waiting. */
  #check(): void {
    if (this.#stopped) return;
    const rows = this.#store.stations.list(this.#provider);
    const wanted = new Set<string>();
    this.#known.clear();
    for (const row of rows) {
      const address = `${row.host}:${row.port}`;
      if (this.#ourselves.has(address)) continue;
      wanted.add(address);
      const id = tryParseId(row.id);
      if (id !== undefined && !id.isBroadcast && !id.equals(this.#self)) {
        this.#known.set(id.value, id);
      }
      if (!this.#links.has(address)) this.#connect(row.host, row.port);
    }
    for (const [address, link] of this.#links) {
      if (wanted.has(address)) continue;
      this.#links.delete(address);
      this.#unindex(link);
      this.#log.info(`bridge: neighbour ${address} no longer listed`);
      void link.close();
    }
    if (wanted.size > 0) this.#connectInner();
    for (const link of this.#links.values()) {
      const id = link.id;
      if (link.running && id !== undefined) this.#backlog.drain(link, id);
    }
  }

  #connect(host: string, port: number): void {
    const link = this.#newLink(host, port, `neighbour ${host}:${port}`, {
      onReliable: (msg, from) => this.#incoming(msg, from),
      onRunning: (from) => this.#neighbourUp(from),
    });
    this.#links.set(link.address, link);
    link.start();
  }

  #connectInner(): void {
    if (this.#inner !== undefined) return;
    const station = this.#station;
    const host = station.hostname === "0.0.0.0"
      ? "127.0.0.1"
      : station.hostname === "::"
      ? "::1"
      : station.hostname;
    this.#inner = this.#newLink(host, station.port, "local station", {
      station: this.#self,
      onReliable: (msg) => this.#outgoing(msg),
      onRunning: () => this.#flushRelays(),
    });
    this.#inner.start();
  }

  #newLink(
    host: string,
    port: number,
    name: string,
    parts: Pick<
      ConstructorParameters<typeof StationLink>[0],
      "station" | "onReliable" | "onRunning"
    >,
  ): StationLink {
    const options = this.#options;
    return new StationLink({
      ...parts,
      accounts: this.#station.accounts,
      user: this.#user,
      directory: this.#directory,
      cipherKeys: this.#cipherKeys,
      host,
      port,
      framing: options.framing,
      limits: options.limits,
      handshakeTimeout: options.handshakeTimeout,
      retryDelay: options.retryDelay,
      maxRetryDelay: options.maxRetryDelay,
      log: this.#log,
      name,
    });
  }

  /** A neighbour accepted us: record its ID, index it, send what waits for it. */
  #neighbourUp(link: StationLink): void {
    const id = link.id;
    if (id === undefined || this.#links.get(link.address) !== link) return;
    if (id.equals(this.#self)) {
      this.#log.warn(
        `bridge: neighbour ${link.address} is this station: not connected again`,
      );
      this.#ourselves.add(link.address);
      this.#links.delete(link.address);
      void link.close();
      return;
    }
    this.#unindex(link);
    this.#byId.set(id.value, link);
    this.#known.set(id.value, id);
    try {
      this.#store.stations.setId(
        this.#provider,
        { host: link.host, port: link.port },
        id.value,
      );
    } catch (error) {
      this.#log.error(`bridge: neighbour ID not stored: ${error}`);
    }
    if (link.takesPresence) this.#presence.open(link, this.#onlineHere());
    this.#backlog.drain(link, id);
  }

  /** The users online here now, each with the time it arrived. */
  #onlineHere(): PresenceEntry[] {
    const station = this.#station;
    const book = station.dispatcher.presence;
    const online = new Map<string, PresenceEntry>();
    for (const session of station.center.all()) {
      const user = session.identifier;
      if (user === undefined || session.isStation || !session.active) continue;
      const time = book.hereSince(user);
      if (time !== undefined) online.set(user.value, { user, time });
    }
    return [...online.values()];
  }

  #unindex(link: StationLink): void {
    for (const [id, indexed] of this.#byId) {
      if (indexed === link) this.#byId.delete(id);
    }
  }

  // ------------------------------------------------------------- outgoing

  /** What the local station pushes to the bridge. */
  async #outgoing(msg: ReliableMessage): Promise<boolean> {
    // the link's own business: handshake replies, replies to its reports
    if (msg.receiver.equals(this.#self)) return false;
    if (msg.sender.equals(msg.receiver)) {
      this.#drop(msg, "cycled");
      return true;
    }
    const field = msg.get("neighbor");
    const directed = field !== undefined && field !== null;
    let targets: ID[];
    if (directed) {
      msg.set("neighbor", undefined);
      const target = tryParseId(field);
      if (target === undefined || target.type !== EntityType.STATION) {
        this.#drop(msg, `no station "${String(field)}"`);
        return true;
      }
      targets = [target];
    } else {
      targets = [];
      for (const link of this.#byId.values()) {
        const id = link.id;
        if (link.running && id !== undefined) targets.push(id);
      }
    }
    const old = broadcastRecipients(msg);
    const skip = new Set(old);
    // a broadcast is dropped by a station it passed (§4.3): not sent back
    // and never back to the station that sent it (its own carries no trace)
    if (!directed) {
      for (const station of tracedStations(msg)) skip.add(station);
      skip.add(msg.sender.withoutTerminal().value);
    }
    const fresh = targets.filter((id) =>
      !id.equals(this.#self) && !skip.has(id.value)
    );
    if (fresh.length === 0) return true;
    msg.set("recipients", [...old, ...fresh.map((id) => id.value)]);
    attachSender(msg, this.#station.accounts);
    const payload = msg.serialize();
    for (const target of fresh) {
      await this.#sendTo(target, msg, payload, directed);
    }
    return true;
  }

  async #sendTo(
    target: ID,
    msg: ReliableMessage,
    payload: string,
    directed: boolean,
  ): Promise<void> {
    const link = this.#byId.get(target.value);
    if (link === undefined) {
      // a neighbour not connected since the start: its messages wait for it
      if (directed && this.#known.has(target.value)) {
        await this.#queue(target, msg, payload);
      } else if (directed) {
        // the station asks reaches() first: only a table that just changed
        this.#drop(msg, `${target.value} is not a neighbour`);
      }
      return;
    }
    if (link.running && !this.#backlog.draining(target)) {
      this.stats.sent++;
      void link.send(payload).then((result) => {
        if (!result.sent && directed) void this.#queue(target, msg, payload);
      });
      return;
    }
    // a broadcast goes to the neighbours that are up (like the reference);
    // a message for one station waits for it
    if (directed) await this.#queue(target, msg, payload);
  }

  /** Keeps a message for a neighbour that is down; sent at once if it is up now. */
  async #queue(
    target: ID,
    msg: ReliableMessage,
    payload: string,
  ): Promise<void> {
    if (!await this.#backlog.keep(target, msg, payload)) return;
    const link = this.#byId.get(target.value);
    if (link?.running) this.#backlog.drain(link, target);
  }

  // ------------------------------------------------------------- incoming

  /** What a neighbour pushes to our outer client. */
  async #incoming(msg: ReliableMessage, link: StationLink): Promise<boolean> {
    // first: a listed address may be this station, which says so in its handshake
    if (await this.#isHandshake(msg)) return false;
    const sender = msg.sender;
    if (sender.equals(this.#self)) {
      this.#drop(msg, `came back from ${link.address}`);
      return true;
    }
    if (sender.equals(msg.receiver)) {
      this.#drop(msg, "cycled");
      return true;
    }
    this.#relayIn(msg.serialize());
    return true;
  }

  /** A handshake from a station to us (decrypted to tell, like the reference). */
  async #isHandshake(msg: ReliableMessage): Promise<boolean> {
    if (!msg.receiver.equals(this.#self)) return false;
    if (msg.sender.type !== EntityType.STATION) return false;
    const type = msg.type;
    if (type !== undefined && type !== ContentType.COMMAND) return false;
    try {
      const instant = await this.#peek.decrypt(msg);
      return instant.content instanceof HandshakeCommand;
    } catch {
      return false; // the station reads it (and answers with its visa)
    }
  }

  #relayIn(payload: string): void {
    const inner = this.#inner;
    if (inner === undefined || !inner.running || this.#relays.length > 0) {
      this.#hold(payload);
      return;
    }
    this.stats.received++;
    void inner.send(payload).then((result) => {
      if (!result.sent) this.#hold(payload);
    });
  }

  #hold(payload: string): void {
    this.#relays.push(payload);
    if (this.#relays.length > this.#maxBacklog) {
      this.#relays.shift();
      this.stats.dropped++;
      this.#log.warn("bridge: local station unreachable, oldest relay dropped");
    }
  }

  #flushRelays(): void {
    const inner = this.#inner;
    if (inner === undefined) return;
    const held = this.#relays.splice(0);
    for (const payload of held) {
      this.stats.received++;
      void inner.send(payload).then((result) => {
        if (!result.sent) this.#hold(payload);
      });
    }
  }

  #drop(msg: ReliableMessage, why: string): void {
    this.stats.dropped++;
    this.#log.debug(
      `bridge: dropped ${msg.sender.value} -> ${msg.receiver.value}: ${why}`,
    );
  }
}
