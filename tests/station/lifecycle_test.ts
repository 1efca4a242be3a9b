/**
 * The station's lifecycle: SIGTERM during a load stops accepting, closes
 * sessions politely (WebSocket CLOSE 1001, MTP end of stream), commits the
 * store and exits 0 — every message acknowledged "Message cached." is in
 * the store afterwards; SIGHUP reloads the ANS records from the config
 * file; a stop with a bound does not wait for a peer that never closes.
 */
import assert from "node:assert/strict";
import { AnsCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { parseId } from "../../dimp/identity/mod.ts";
import { Store } from "../../store/mod.ts";
import { startLocalStation, stopStation } from "./_child.ts";
import {
  accounts,
  closeAll,
  online,
  receiptText,
  type Received,
  type TestPeer,
  withStation,
  World,
} from "./_peer.ts";
import { RawClient } from "./transport/_helpers.ts";

const [alice, bob, carol, dave] = await accounts(4);
const isCached = (r: Received) => receiptText(r) === "Message cached.";

Deno.test("SIGTERM under load: exit 0, sessions closed politely (WebSocket 1001, MTP end of stream), every 'Message cached.' message in the store", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-lifecycle-" });
  try {
    const child = await startLocalStation(dir);
    const ws = new WebSocket(`ws://127.0.0.1:${child.port}/`);
    const wsClosed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const world = new World();
    world.know(bob);
    let a: TestPeer | undefined;
    try {
      [a] = await online(child.port, [alice], { world });
      const total = 600;
      for (let i = 0; i < total; i++) {
        void a.send(await a.pack(bob.id, TextContent.create(`n${i}`)));
      }
      // stop while the load is under way
      await a.collect(isCached, 50, 20_000);
      const status = await stopStation(child, "SIGTERM");
      assert.equal(status.code, 0, child.log());
      assert.equal((await a.conn.done).reason, "peer", "MTP: end of stream");
      assert.equal((await wsClosed).code, 1001, "WebSocket: going away");
      const cached = new Set(
        a.inbox.filter(isCached).map((r) =>
          (r.instant!.content.dictionary.origin as { signature: string })
            .signature
        ),
      );
      assert.ok(cached.size >= 50, `${cached.size} acknowledged`);
      assert.match(child.log(), /INFO {2}stopping .*signal=SIGTERM bound=10\n/);
      assert.match(child.log(), /INFO {2}station stopped /);
      assert.doesNotMatch(child.log(), /still open at the shutdown bound/);

      // the store, reopened: every acknowledged message is there
      const store = Store.open({ dataDir: dir });
      try {
        const stored = new Set(
          store.messages.load(bob.id.value).map((m) => m.signature),
        );
        for (const signature of cached) {
          assert.ok(stored.has(signature), "an acknowledged message is lost");
        }
      } finally {
        store.close();
      }
    } finally {
      await a?.close();
      ws.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("SIGHUP: the [ans] records are read again from the config file", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-lifecycle-" });
  const ini = `${dir}/dim.ini`;
  Deno.writeTextFileSync(ini, `[ans]\nmonitor = ${bob.id.value}\n`);
  const child = await startLocalStation(dir, [], ["--config", ini]);
  let a: TestPeer | undefined;
  try {
    [a] = await online(child.port, [alice]);
    const station = parseId(child.id);
    const ask = async () => {
      const from = a!.inbox.length;
      await a!.sendContent(station, AnsCommand.query(["monitor", "archivist"]));
      const reply = await a!.nextCommand("ans", 5000, from);
      const content = reply.instant!.content as AnsCommand;
      return { records: content.records, missed: content.missed };
    };
    assert.deepEqual(await ask(), {
      records: { monitor: bob.id.value },
      missed: ["archivist"],
    });
    Deno.writeTextFileSync(
      ini,
      `[ans]\nmonitor = ${carol.id.value}\narchivist = ${dave.id.value}\n`,
    );
    child.process.kill("SIGHUP");
    const deadline = Date.now() + 5000;
    while (!/reloaded the config .*ans=2/.test(child.log())) {
      assert.ok(Date.now() < deadline, child.log());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(await ask(), {
      records: { monitor: carol.id.value, archivist: dave.id.value },
      missed: [],
    });
    // a config that no longer parses: the records stay
    Deno.writeTextFileSync(ini, "[ans]\nmonitor = not an id\n");
    child.process.kill("SIGHUP");
    while (!/reload failed, settings kept/.test(child.log())) {
      assert.ok(Date.now() < deadline + 5000, child.log());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual((await ask()).records, {
      monitor: carol.id.value,
      archivist: dave.id.value,
    });
  } finally {
    await a?.close();
    assert.equal((await stopStation(child, "SIGTERM")).code, 0);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("stop with a bound: a peer that never closes is left at the bound; the store is committed and closed all the same", async () => {
  const lines: string[] = [];
  const log = {
    debug: () => {},
    info: (m: string) => void lines.push(m),
    warn: (m: string, f?: Readonly<Record<string, unknown>>) =>
      void lines.push(`${m} ${JSON.stringify(f)}`),
    error: (m: string) => void lines.push(m),
  };
  const dir = Deno.makeTempDirSync({ prefix: "dim-lifecycle-" });
  const storePath = `${dir}/dim.db`;
  let stubborn: RawClient | undefined;
  try {
    await withStation(
      { storePath, log, limits: { lingerTimeout: 1000 } },
      async ({ station, port }) => {
        const world = new World();
        world.know(bob);
        const [a] = await online(port, [alice], { world });
        const sent = await a.sendContent(bob.id, TextContent.create("kept"));
        await a.nextReceipt("Message cached.");
        await closeAll([a]);
        // a client that never reads nor closes: it holds the stop until its linger ends
        stubborn = await RawClient.connect(port);
        await stubborn.write(new TextEncoder().encode('{"x":1}\n'));
        while (station.status().connections.total < 1) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(await station.stop({ timeoutMs: 50 }), false);
        assert.ok(
          lines.some((line) =>
            line.startsWith(
              'connections still open at the shutdown bound {"open":1,"bound":0.05}',
            )
          ),
          lines.join("\n"),
        );
        // committed and closed: another process can read the message
        const reopened = Store.open({ path: storePath });
        try {
          assert.deepEqual(
            reopened.messages.load(bob.id.value).map((m) => m.signature),
            [sent.signature],
          );
        } finally {
          reopened.close();
        }
        // the linger ends: the connection goes, the listener finishes
        while (station.status().connections.total > 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    );
  } finally {
    stubborn?.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
