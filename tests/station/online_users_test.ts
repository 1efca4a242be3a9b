/**
 * What the station shares with the bots through the store: who is online
 * (station.md §5.2 "active users", read by the archivist) and ANS records a
 * bot wrote after the station started (§2.5).
 */
import assert from "node:assert/strict";
import { ReportCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { EntityType, parseId } from "../../dimp/identity/mod.ts";
import { OnlinePublisher, Station } from "../../station/mod.ts";
import { Store } from "../../store/mod.ts";
import {
  accounts,
  closeAll,
  newAccount,
  online,
  sleep,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob] = await accounts(2);
const neighbour = await newAccount(EntityType.STATION, "gsp-s002");
const archivist = await newAccount(EntityType.BOT, "archivist");
const OTHER = parseId("gsp-s009@wpjUWg1oYDnkHh74tHQFPxii6q9j3ymnyW");

Deno.test("online users: active user sessions are published (stations left out); reports and closes take them out; the heartbeat is written when due", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    let clock = 1_000_000;
    // a publisher of its own, driven by hand (the station's runs on a timer)
    const publisher = new OnlinePublisher(
      station.center,
      station.store,
      OTHER,
      { heartbeat: 60_000, now: () => clock },
    );
    publisher.start();
    const online_ = station.store.onlineUsers;
    const rows = () => online_.list(OTHER.value, 0, 100);
    try {
      assert.deepEqual(rows(), []);
      const started = online_.updatedAt(OTHER.value);
      assert.ok(started !== undefined, "start writes the heartbeat");
      assert.equal(publisher.publish(), false, "nothing changed, no beat due");
      const [a, b, n] = await online(port, [alice, bob, neighbour], { world });
      assert.equal(publisher.publish(), true);
      assert.deepEqual(rows().sort(), [alice.id.value, bob.id.value].sort());
      assert.equal(publisher.publish(), false);
      // report offline (no answer): once processed, alice is not online
      await a.sendContent(station.id, ReportCommand.offline());
      const deadline = Date.now() + 5_000;
      while (!publisher.publish()) {
        assert.ok(Date.now() < deadline, "the report is processed");
        await sleep(20);
      }
      assert.deepEqual(rows(), [bob.id.value]);
      await b.close();
      assert.equal(publisher.publish(), true);
      assert.deepEqual(rows(), []);
      clock += 59_000;
      assert.equal(publisher.publish(), false);
      clock += 1_000;
      assert.equal(publisher.publish(), true, "the heartbeat is due");
      await closeAll([a, n]);
    } finally {
      publisher.stop();
    }
    assert.equal(online_.updatedAt(OTHER.value), undefined);
  });
});

Deno.test("online users: the station publishes its own sessions under its ID and clears them when it stops", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-station-test-" });
  try {
    const storePath = `${dir}/dim.db`;
    const station = await Station.start({
      storePath,
      hostname: "127.0.0.1",
      port: 0,
    });
    const id = station.id.value;
    let peers: Awaited<ReturnType<typeof online>> = [];
    try {
      peers = await online(station.port, [alice]);
      const deadline = Date.now() + 10_000;
      while (
        !station.store.onlineUsers.list(id, 0, 10).includes(alice.id.value)
      ) {
        assert.ok(Date.now() < deadline, "published within 10 s");
        await sleep(100);
      }
      assert.ok(station.store.onlineUsers.updatedAt(id) !== undefined);
    } finally {
      await closeAll(peers);
      await station.stop();
    }
    const store = Store.open({ path: storePath });
    try {
      assert.equal(store.onlineUsers.updatedAt(id), undefined);
      assert.deepEqual(store.onlineUsers.list(id, 0, 10), []);
    } finally {
      store.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ans: a record a bot writes into the store after the start routes name@anywhere to it", async () => {
  await withStation({}, async ({ station, port }) => {
    const world = new World();
    const [a, bot] = await online(port, [alice, archivist], { world });
    const isText = (r: { instant?: { content: unknown } }) =>
      r.instant?.content instanceof TextContent;
    await a.sendContent(parseId("archivist@anywhere"), TextContent.create("1"));
    assert.deepEqual(await bot.quiet(isText, 200), [], "no record yet");
    station.store.ans.set("archivist", archivist.id.value);
    const sent = await a.sendContent(
      parseId("archivist@anywhere"),
      TextContent.create("2"),
    );
    const got = await bot.next(isText);
    assert.equal(got.msg.signature, sent.signature);
    await closeAll([a, bot]);
  });
});
