import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import {
  setStationBlock,
  stationBlockList,
} from "../../station/station_blocks.ts";
import { deleteAccount, Store } from "../../store/mod.ts";
import { countStatements } from "../store/_statements.ts";
import { withStore } from "../store/_temp.ts";

const STATION = parseId("station@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR");
const MALLORY = "mallory@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk";
const TRUDY = "trudy@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj";

function blockCommand(list: string[]) {
  return {
    user: STATION.value,
    kind: "block" as const,
    time: Date.now() / 1000,
    cmd: { type: 136, cmd: "block", list },
  };
}

Deno.test("station blocks: the list is read once, not on every handshake", async () => {
  await withStore((store) => {
    setStationBlock(store, STATION, MALLORY, true);
    assert.ok(stationBlockList(store, STATION).has(MALLORY));
    const { result, sql } = countStatements(() =>
      [1, 2, 3].map(() => stationBlockList(store, STATION).has(MALLORY))
    );
    assert.deepEqual(result, [true, true, true]);
    assert.deepEqual(sql, []);
  });
});

Deno.test("station blocks: a write through the same store shows at once", async () => {
  await withStore((store) => {
    assert.equal(stationBlockList(store, STATION).size, 0);
    assert.equal(setStationBlock(store, STATION, MALLORY, true), true);
    assert.deepEqual([...stationBlockList(store, STATION)], [MALLORY]);
    // any save of the row (not through setStationBlock)
    store.userCommands.save(blockCommand([TRUDY]));
    assert.deepEqual([...stationBlockList(store, STATION)], [TRUDY]);
    // an unblock reads the stored list, not a memo
    assert.equal(setStationBlock(store, STATION, TRUDY, false), true);
    assert.equal(stationBlockList(store, STATION).size, 0);
    store.userCommands.save(blockCommand([MALLORY]));
    assert.equal(stationBlockList(store, STATION).size, 1);
    deleteAccount(store, STATION.value);
    assert.equal(stationBlockList(store, STATION).size, 0);
  });
});

Deno.test("station blocks: another connection's write shows after the recheck interval", async () => {
  await withStore((store, dir) => {
    assert.equal(stationBlockList(store, STATION).size, 0);
    const other = Store.open({ dataDir: dir });
    try {
      other.userCommands.save(blockCommand([MALLORY]));
    } finally {
      other.close();
    }
    // within the interval: the memo (the bound the account caches keep)
    assert.equal(stationBlockList(store, STATION).size, 0);
    // the interval over: the other connection's commit is seen
    assert.deepEqual([...stationBlockList(store, STATION, 0)], [MALLORY]);
    // nothing committed since: the memo again, after one version check
    const { sql } = countStatements(() => stationBlockList(store, STATION, 0));
    assert.deepEqual(sql, ["PRAGMA data_version"]);
  });
});
