/**
 * A real station in this process (temp store, free loopback port) and
 * clients of it on the client runtime, each with a store of its own — for
 * the runtime's and the bots' tests. Everything is closed and removed when
 * disposed.
 *
 * @module
 */
import {
  ClientSession,
  type ClientSessionOptions,
  GroupBook,
  GroupClient,
  type ReceivedMessage,
} from "../../client/mod.ts";
import type { RunningBot } from "../../bots/mod.ts";
import {
  startStationBots,
  type StationBotsOptions,
} from "../../cli/station_bots.ts";
import type { GeneratedAccount } from "../../dimp/identity/mod.ts";
import { Station, type StationOptions } from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { storeAccount } from "../client/_accounts.ts";

/** A station running in a temp directory. */
export interface TestStation extends AsyncDisposable {
  readonly station: Station;
  readonly port: number;
  readonly dir: string;
}

/** Starts a station on 127.0.0.1 with a fresh store. */
export async function startStation(
  options: Partial<StationOptions> = {},
): Promise<TestStation> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-bots-test-" });
  const station = await Station.start({
    hostname: "127.0.0.1",
    port: 0,
    ...options,
    storePath: `${dir}/dim.db`,
  });
  return {
    station,
    port: station.port,
    dir,
    async [Symbol.asyncDispose]() {
      await station.stop();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** A connected client with its own store and the messages it received. */
export interface TestClient extends AsyncDisposable {
  readonly session: ClientSession;
  readonly accounts: Accounts;
  readonly received: ReceivedMessage[];
  /**
   * Waits for a message matching `match` received since index `from`
   * (default 0; 5 s by default).
   */
  next(
    match: (msg: ReceivedMessage) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<ReceivedMessage>;
  /** What matched within `ms` (to check that nothing came). */
  quiet(
    match: (msg: ReceivedMessage) => boolean,
    ms?: number,
  ): Promise<ReceivedMessage[]>;
}

/**
 * Connects `account` to the station on `port` with a store of its own (or
 * `accounts`, shared), handshaken.
 */
export async function connectClient(
  port: number,
  account: GeneratedAccount,
  options: Partial<ClientSessionOptions> = {},
  observe?: (msg: ReceivedMessage) => void,
): Promise<TestClient> {
  const dir = options.accounts === undefined
    ? Deno.makeTempDirSync({ prefix: "dim-client-test-" })
    : undefined;
  const accounts = options.accounts ??
    new Accounts(Store.open({ dataDir: dir! }));
  await storeAccount(accounts, account);
  const received: ReceivedMessage[] = [];
  let wake: () => void = () => {};
  const session = new ClientSession({
    user: account.id,
    port,
    keepOnlineInterval: 0,
    ...options,
    accounts,
    onMessage: (msg) => {
      received.push(msg);
      observe?.(msg);
      wake();
    },
  });
  await session.connect();
  const seen = (match: (msg: ReceivedMessage) => boolean, from: number) =>
    received.slice(from).find(match);
  return {
    session,
    accounts,
    received,
    async next(match, timeoutMs = 5_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen(match, from);
        if (found !== undefined) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${account.id.value}: nothing matched within ${timeoutMs} ms; got ${
              received.map((m) => JSON.stringify(m.content.dictionary)).join(
                " | ",
              )
            }`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async quiet(match, ms = 300) {
      const from = received.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return received.slice(from).filter(match);
    },
    async [Symbol.asyncDispose]() {
      await session.close();
      if (dir !== undefined) {
        accounts.store.close();
        Deno.removeSync(dir, { recursive: true });
      }
    },
  };
}

/** A client with a group book and group operations. */
export interface TestMember extends TestClient {
  readonly groups: GroupClient;
}

/**
 * Connects `account` as a group member: its own store, a group book the
 * session applies received group commands to, and group operations.
 */
export async function connectMember(
  port: number,
  account: GeneratedAccount,
  options: Partial<ClientSessionOptions> = {},
): Promise<TestMember> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-member-test-" });
  const accounts = new Accounts(Store.open({ dataDir: dir }));
  const book = new GroupBook(accounts);
  const holder: { groups?: GroupClient } = {};
  const client = await connectClient(port, account, {
    ...options,
    accounts,
    groups: book,
    onForward: (sender, messages) =>
      holder.groups?.observeForward(sender, messages),
  }, (msg) => holder.groups?.observe(msg));
  const groups = new GroupClient(client.session, book, { timeoutMs: 10_000 });
  holder.groups = groups;
  return {
    ...client,
    groups,
    async [Symbol.asyncDispose]() {
      await client[Symbol.asyncDispose]();
      accounts.store.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** A station with the archivist and the assistant in its process. */
export interface StationWithBots {
  readonly port: number;
  readonly bots: readonly RunningBot[];
  readonly archivist: RunningBot;
  readonly assistant: RunningBot;
  /** The station's (and the bots') account facade. */
  readonly accounts: Accounts;
}

/** Runs `fn` with a fresh station and its bots; closes them afterwards. */
export async function withStationBots(
  fn: (world: StationWithBots) => Promise<void>,
  options: {
    readonly station?: Partial<StationOptions>;
    readonly bots?: StationBotsOptions;
  } = {},
): Promise<void> {
  await using s = await startStation(options.station);
  const bots = await startStationBots(s.station, {
    session: { keepOnlineInterval: 0 },
    ...options.bots,
  });
  try {
    await fn({
      port: s.port,
      bots,
      archivist: bots.find((bot) => bot.kind === "archivist")!,
      assistant: bots.find((bot) => bot.kind === "assistant")!,
      accounts: s.station.accounts,
    });
  } finally {
    for (const bot of bots) await bot.close();
  }
}
