/**
 * Issue 19: a full disk. The station's store lives on a small tmpfs (the
 * tests run as root; without the mount the test says so and is skipped);
 * a filler file takes the rest of its space. Messages for an offline user
 * then get no "Message cached." (the sender keeps them to send again) once
 * the room the WAL file already holds is used up, the
 * station keeps running and serving, the store health check says the
 * disk is full; once the filler is gone it stores again by itself. The
 * store passes `PRAGMA integrity_check` and every message acknowledged
 * before, during or after reaches its receiver.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import { storeWritableCheck } from "../../station/ops/health.ts";
import type { Station } from "../../station/mod.ts";
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

const [alice, bob, carol] = await accounts(3);
const isText = (r: Received) => r.instant?.content instanceof TextContent;
const isCached = (r: Received) => receiptText(r) === "Message cached.";

/** Mounts a tmpfs of `mib` MiB; `undefined` when this machine cannot. */
async function mountTmpfs(mib: number): Promise<string | undefined> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-full-disk-" });
  const out = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  if (out?.success !== true) {
    Deno.removeSync(dir);
    return undefined;
  }
  return dir;
}

async function unmount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir] }).output();
  Deno.removeSync(dir, { recursive: true });
}

/** Fills the file system of `dir` with a file; returns its path. */
function fill(dir: string): string {
  const path = `${dir}/filler`;
  const file = Deno.openSync(path, { write: true, create: true });
  const chunk = new Uint8Array(16 * 1024).fill(1);
  try {
    for (;;) file.writeSync(chunk);
  } catch {
    // ENOSPC: full
  } finally {
    file.close();
  }
  return path;
}

/** Sends `count` texts a→b; the signatures the station answered "Message cached.". */
async function sendAll(
  a: TestPeer,
  to: TestPeer["id"],
  count: number,
  label: string,
): Promise<{ sent: string[]; cached: string[] }> {
  const from = a.inbox.length;
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const msg = await a.sendContent(to, TextContent.create(`${label} ${i}`));
    sent.push(msg.signature);
  }
  await a.quiet(() => false, 800);
  const cached = a.inbox.slice(from).filter(isCached).map((r) =>
    (r.instant!.content.dictionary.origin as { signature: string }).signature
  );
  return { sent, cached };
}

/** How a test fills the store's space and gives it back. */
interface Filler {
  /** Where the store lives. */
  readonly storePath: string;
  /** Takes the space; returns what health says without the open store. */
  fill(station: Station): Promise<void>;
  /** Gives it back. */
  free(station: Station): void;
}

async function fullDisk(filler: Filler): Promise<void> {
  await withStation(
    { storePath: filler.storePath },
    async ({ station, port }) => {
      const world = new World();
      const [a, c] = await online(port, [alice, carol], { world });
      world.know(bob);
      const health = storeWritableCheck(filler.storePath, station.store.db);
      assert.equal(await health(), undefined, "healthy at first");

      const before = await sendAll(a, bob.id, 20, "before");
      assert.equal(before.cached.length, 20);

      await filler.fill(station);
      // the WAL's room already on disk may still take a few (it is reused
      // from its start once checkpointed): those are stored and answered;
      // then nothing is answered while full
      const during = { sent: [] as string[], cached: [] as string[] };
      for (let batch = 0;; batch++) {
        assert.ok(batch < 10, "the full store refuses at last");
        const next = await sendAll(a, bob.id, 20, `during ${batch}`);
        during.sent.push(...next.sent);
        during.cached.push(...next.cached);
        if (next.cached.length === 0) break;
      }
      assert.match(
        String(await health()),
        /store writes failing since .*: .*the disk is full/,
      );
      // the station serves on: a live round trip a → c
      const fromC = c.inbox.length;
      const live = await a.sendContent(
        carol.id,
        TextContent.create("still alive"),
      );
      assert.equal(
        (await c.next(isText, 5000, fromC)).msg.signature,
        live.signature,
      );

      filler.free(station);
      const after = await sendAll(a, bob.id, 20, "after");
      assert.equal(after.cached.length, 20, "stores again by itself");
      assert.equal(await health(), undefined, "healthy again");
      assert.deepEqual(station.store.db.integrityCheck(), ["ok"]);

      // every acknowledged message reaches bob, none twice
      const [b] = await online(port, [bob], { world });
      const acked = [...before.cached, ...during.cached, ...after.cached];
      await b.collect(isText, acked.length, 10_000);
      await b.quiet(isText, 300);
      const got = b.inbox.filter(isText).map((r) => r.msg.signature);
      assert.equal(new Set(got).size, got.length, "none twice");
      for (const s of acked) assert.ok(got.includes(s), "acked arrives");
      await closeAll([a, b, c]);
    },
  );
}

const mount = await mountTmpfs(4);

Deno.test({
  name:
    "full disk (a 4 MiB tmpfs filled up): no 'Message cached.' while full, the station serves on, health says why; stores again when space returns; no acked message lost, store intact",
  ignore: mount === undefined,
  fn: async () => {
    const dir = mount!;
    let filler = "";
    try {
      await fullDisk({
        storePath: `${dir}/dim.db`,
        fill: async () => {
          filler = fill(dir);
          // without the open store, the directory probe says it too
          assert.match(
            String(await storeWritableCheck(`${dir}/dim.db`)()),
            /cannot create files in .*: no space left on device/,
          );
        },
        free: () => Deno.removeSync(filler),
      });
    } finally {
      await unmount(dir);
    }
  },
});

Deno.test("a full store (SQLITE_FULL from a page limit, where no tmpfs can be mounted): the same", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-full-store-" });
  const pageLimit = (station: Station, pages: number | "now") => {
    const db = station.store.db;
    const count = Number(
      (db.statement("PRAGMA page_count").get() as { page_count: number })
        .page_count,
    );
    db.statement(
      `PRAGMA max_page_count = ${pages === "now" ? count : pages}`,
    ).get();
  };
  try {
    await fullDisk({
      storePath: `${dir}/dim.db`,
      fill: (station) => Promise.resolve(pageLimit(station, "now")),
      free: (station) => pageLimit(station, 1 << 30),
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
