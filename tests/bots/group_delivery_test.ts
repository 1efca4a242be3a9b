/**
 * Group messages never dropped (issue 15): a member the station has not
 * met yet gets what was sent to the group at its first handshake, each
 * message once and in order; what waits longer than `offline_retention`
 * is dropped with a log line and a metric, not delivered late.
 */
import assert from "node:assert/strict";
import {
  groupDeliveryMetrics,
  startStationBots,
} from "../../cli/station_bots.ts";
import type { ReceivedMessage } from "../../client/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { MetricsRegistry } from "../../station/ops/metrics.ts";
import {
  Bridge,
  type NeighbourAddress,
  Station,
  type StationLog,
} from "../../station/mod.ts";
import { connectMember, startStation, withStationBots } from "./_world.ts";
import { newAccount, storePublic } from "../client/_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");

const textOf = (msg: ReceivedMessage) =>
  msg.content instanceof TextContent ? msg.content.text : undefined;

/** A log that keeps its lines. */
function keptLog(): {
  lines: string[];
  log: (kind: string) => {
    debug(m: string): void;
    info(m: string): void;
    warn(m: string): void;
    error(m: string): void;
  };
} {
  const lines: string[] = [];
  return {
    lines,
    log: (kind) => ({
      debug: () => {},
      info: (m) => lines.push(`${kind} I ${m}`),
      warn: (m) => lines.push(`${kind} W ${m}`),
      error: (m) => lines.push(`${kind} E ${m}`),
    }),
  };
}

async function until(what: string, check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("group delivery: a member who never connected gets the group's message at its first handshake (and the group's history); nothing waits afterwards", async () => {
  const carol = await newAccount("carol");
  const { lines, log } = keptLog();
  await withStationBots(async ({ port, accounts }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    // alice has carol's visa (a contact card); the station has never met her
    await storePublic(a.accounts, carol);
    assert.equal(accounts.visa(carol.id), undefined);
    const team = await a.groups.create("Team", [bob.id, carol.id]);
    const { receipt } = await a.groups.send(
      team,
      TextContent.create("before carol came"),
    );
    assert.equal(receipt.text, "Group message delivering.");
    await b.next((m) => textOf(m) === "before carol came");
    const pending = accounts.store.groupPending;
    await until(
      "carol's message kept",
      () => pending.count(carol.id.value) >= 2,
    );
    assert.deepEqual(
      pending.list(carol.id.value).map((row) => row.group),
      [team.value, team.value],
      "the history and the message",
    );
    assert.ok(
      lines.some((l) =>
        l.includes(`kept a message of ${team.value} for ${carol.id.value}`)
      ),
      lines.join("\n"),
    );
    // carol's first handshake brings her visa: what waited comes
    await using c = await connectMember(port, carol);
    const got = await c.next((m) => textOf(m) === "before carol came", 10_000);
    assert.equal(got.sender.value, alice.id.value);
    assert.equal(got.group?.value, team.value);
    // the history came too: her book knows the group
    await until(
      "carol's book knows the members",
      () => c.groups.book.members(team).length === 3,
    );
    await until("nothing waits", () => pending.count() === 0);
    // and a message now goes straight to her
    await b.groups.send(team, TextContent.create("now"));
    await c.next((m) => textOf(m) === "now");
    assert.equal(
      c.received.filter((m) => textOf(m) === "before carol came").length,
      1,
    );
  }, { bots: { log } });
});

Deno.test("group delivery: many messages kept for one member arrive once each, in the order the assistant took them", async () => {
  const dave = await newAccount("dave");
  await withStationBots(async ({ port, accounts }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    await storePublic(a.accounts, dave);
    await storePublic(b.accounts, dave);
    const team = await a.groups.create("Many", [bob.id, dave.id]);
    await b.groups.members(team); // bob's book knows dave: bob's keys include him
    const texts: string[] = [];
    for (let i = 0; i < 12; i++) {
      const from = i % 3 === 0 ? b : a;
      const text = `m${i}`;
      texts.push(text);
      await from.groups.send(team, TextContent.create(text));
    }
    const pending = accounts.store.groupPending;
    await until("all kept", () => pending.count(dave.id.value) >= 12 + 1);
    await using d = await connectMember(port, dave);
    await d.next((m) => textOf(m) === "m11", 15_000);
    await d.quiet(() => true, 500);
    const got = d.received.map(textOf).filter((t) => t !== undefined);
    assert.deepEqual(got, texts, "each once, in order");
    assert.equal(pending.count(), 0);
  });
});

Deno.test("group delivery: a member whose visa comes after offline_retention gets nothing late; the drop is logged with a count and counted in the metric", async () => {
  const erin = await newAccount("erin");
  const { lines, log } = keptLog();
  await using s = await startStation({ offlineRetention: 3 });
  const registry = new MetricsRegistry();
  const onDropped = groupDeliveryMetrics(registry, s.station.store);
  const bots = await startStationBots(s.station, {
    session: { keepOnlineInterval: 0 },
    log,
    assistant: { checkMs: 200, onDropped },
  });
  try {
    await using a = await connectMember(s.port, alice);
    await using _b = await connectMember(s.port, bob);
    await storePublic(a.accounts, erin);
    const team = await a.groups.create("Late", [bob.id, erin.id]);
    await a.groups.send(team, TextContent.create("too old"));
    await a.groups.send(team, TextContent.create("too old too"));
    const pending = s.station.store.groupPending;
    await until("kept", () => pending.count(erin.id.value) === 3);
    assert.match(registry.expose(), /dim_group_messages_waiting_visa 3\n/);
    // offline_retention is 3 s: erin comes after it
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await using e = await connectMember(s.port, erin);
    const late = await e.quiet((m) => textOf(m) !== undefined, 1_500);
    assert.deepEqual(late, [], "not delivered late");
    const dropped = lines.map((line) =>
      line.match(
        new RegExp(
          `dropped (\\d+) message\\(s\\) of ${team.value} kept for ${erin.id.value}: no visa within offline_retention`,
        ),
      )
    ).filter((match) => match !== null);
    assert.ok(dropped.length > 0, lines.join("\n"));
    assert.equal(
      dropped.reduce((sum, match) => sum + Number(match![1]), 0),
      3,
    );
    const text = registry.expose();
    assert.match(
      text,
      /dim_group_messages_dropped_total\{reason="expired"\} 3\n/,
    );
    assert.match(
      text,
      /dim_group_messages_dropped_total\{reason="offline_cap"\} 0\n/,
    );
    assert.match(text, /dim_group_messages_waiting_visa 0\n/);
    assert.equal(pending.count(), 0);
  } finally {
    for (const bot of bots) await bot.close();
  }
});

/** A station with its bridge to `neighbours` (loopback), its store in a temp dir. */
async function networkStation(
  log: StationLog,
  neighbours: () => NeighbourAddress[],
): Promise<{ station: Station; bridge: Bridge; stop(): Promise<void> }> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-group-net-test-" });
  const holder: { bridge?: Bridge } = {};
  const station = await Station.start({
    storePath: `${dir}/dim.db`,
    hostname: "127.0.0.1",
    port: 0,
    neighbours: () => holder.bridge?.neighbourIds() ?? [],
    bridged: (id) => holder.bridge?.reaches(id) ?? false,
    log,
  });
  const bridge = holder.bridge = await Bridge.start({
    station,
    neighbours,
    retryDelay: 50,
    maxRetryDelay: 200,
    log,
  });
  return {
    station,
    bridge,
    async stop() {
      await bridge.stop();
      await station.stop();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

Deno.test("group delivery: a member whose account lives on a neighbour station gets the group's messages through the network, in order", async () => {
  const frank = await newAccount("frank");
  const { lines, log } = keptLog();
  const s2 = await networkStation(log("s2"), () => []);
  // frank is a user of S2 (he registered there), offline now
  {
    await using _f = await connectMember(s2.station.port, frank);
  }
  // S1 reaches S2 only later (S2 down, or not listed yet)
  let neighbours: NeighbourAddress[] = [];
  const s1 = await networkStation(log("s1"), () => neighbours);
  const bots = await startStationBots(s1.station, {
    session: { keepOnlineInterval: 0, queryTimeout: 1_000 },
    log,
    assistant: { checkMs: 200, askMs: 500 },
  });
  try {
    await using a = await connectMember(s1.station.port, alice);
    await using _b = await connectMember(s1.station.port, bob);
    await storePublic(a.accounts, frank);
    assert.equal(s1.station.accounts.visa(frank.id), undefined);
    const team = await a.groups.create("Net", [bob.id, frank.id]);
    await a.groups.send(team, TextContent.create("over there 1"));
    await a.groups.send(team, TextContent.create("over there 2"));
    await until(
      "kept at S1",
      () => s1.station.store.groupPending.count(frank.id.value) === 3,
    );
    neighbours = [{ host: "127.0.0.1", port: s2.station.port }];
    await s1.bridge.reload();
    await until(
      "S1's bridge up at S2",
      () => s1.bridge.status().some((link) => link.state === "running"),
    );
    // the assistant asks S1 again, S1 asks S2
    await until(
      "frank's visa at S1",
      () => s1.station.accounts.visa(frank.id) !== undefined,
    );
    await using f = await connectMember(s2.station.port, frank);
    await f.next((m) => textOf(m) === "over there 2", 15_000);
    await f.quiet(() => true, 300);
    assert.deepEqual(
      f.received.map(textOf).filter((t) => t !== undefined),
      ["over there 1", "over there 2"],
      lines.join("\n"),
    );
    await until(
      "nothing waits at S1",
      () => s1.station.store.groupPending.count() === 0,
    );
    // a message now goes through the network at once
    await a.groups.send(team, TextContent.create("over there 3"));
    await f.next((m) => textOf(m) === "over there 3", 10_000);
  } finally {
    for (const bot of bots) await bot.close();
    await s1.stop();
    await s2.stop();
  }
});

Deno.test("group delivery: a user of a neighbour station whom neither the sender nor the station has met gets the first direct text and the first group message", async () => {
  const gina = await newAccount("gina");
  const { lines, log } = keptLog();
  const s2 = await networkStation(log("s2"), () => []);
  {
    await using _g = await connectMember(s2.station.port, gina);
  }
  const s1 = await networkStation(
    log("s1"),
    () => [{ host: "127.0.0.1", port: s2.station.port }],
  );
  const bots = await startStationBots(s1.station, {
    session: { keepOnlineInterval: 0 },
    log,
  });
  try {
    await until(
      "S1's bridge up at S2",
      () => s1.bridge.status().some((link) => link.state === "running"),
    );
    await using a = await connectMember(s1.station.port, alice);
    await using _b = await connectMember(s1.station.port, bob);
    assert.equal(a.accounts.visa(gina.id), undefined);
    assert.equal(s1.station.accounts.visa(gina.id), undefined);
    // a direct text: S1 says "Document not found.", asks S2, pushes its
    // answer to alice, whose send was waiting for it
    const direct = await a.session.send(
      gina.id,
      TextContent.create("direct to gina"),
    );
    assert.match((await direct.stationReceipt()).text, /^Message /);
    const team = await a.groups.create("Far", [bob.id, gina.id]);
    const { receipt } = await a.groups.send(
      team,
      TextContent.create("first to gina"),
    );
    // alice's key for gina: S1 asked S2 and pushed its answer to alice
    assert.deepEqual(receipt.command.dictionary.replacements, {
      count: "2",
      total: "2",
    });
    await using g = await connectMember(s2.station.port, gina);
    await g.next((m) => textOf(m) === "direct to gina", 15_000);
    await g.next((m) => textOf(m) === "first to gina", 15_000);
    assert.ok(!lines.some((l) => l.includes("cannot send")), lines.join("\n"));
  } finally {
    for (const bot of bots) await bot.close();
    await s1.stop();
    await s2.stop();
  }
});
