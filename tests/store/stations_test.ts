import assert from "node:assert/strict";
import { InvalidRecordError } from "../../store/mod.ts";
import { withStore } from "./_temp.ts";

const GSP = "gsp@everywhere";
const S1 = "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC";

Deno.test("stations: providers by preference", async () => {
  await withStore((store) => {
    store.stations.saveProvider("other@everywhere");
    store.stations.saveProvider(GSP, 1);
    assert.deepEqual(store.stations.providers(), [
      { id: GSP, chosen: 1 },
      { id: "other@everywhere", chosen: 0 },
    ]);
    store.stations.saveProvider(GSP, 0);
    assert.deepEqual(store.stations.providers().map((p) => p.chosen), [0, 0]);
  });
});

Deno.test("stations: save is unique by host and port and keeps what is not given", async () => {
  await withStore((store) => {
    store.stations.save({ provider: GSP, host: "10.0.0.1", port: 9394 });
    store.stations.save({
      provider: GSP,
      host: "10.0.0.2",
      port: 9394,
      chosen: 2,
      id: S1,
    });
    store.stations.save({ provider: GSP, host: "10.0.0.2", port: 9394 });
    assert.deepEqual(store.stations.list(GSP), [
      { provider: GSP, host: "10.0.0.2", port: 9394, id: S1, chosen: 2 },
      { provider: GSP, host: "10.0.0.1", port: 9394, chosen: 0 },
    ]);
    store.stations.save({
      provider: GSP,
      host: "10.0.0.2",
      port: 9394,
      chosen: 0,
    });
    assert.equal(store.stations.list(GSP)[1].chosen, 0);
    assert.deepEqual(store.stations.list("nobody@everywhere"), []);
  });
});

Deno.test("stations: sync with a neighbour list keeps learned IDs, adds and removes", async () => {
  await withStore((store) => {
    assert.deepEqual(
      store.stations.sync(GSP, [{ host: "a", port: 1 }, {
        host: "b",
        port: 2,
      }]),
      { added: 2, removed: 0 },
    );
    assert.equal(store.stations.setId(GSP, { host: "a", port: 1 }, S1), true);
    assert.equal(store.stations.setId(GSP, { host: "zz", port: 1 }, S1), false);
    assert.deepEqual(
      store.stations.sync(GSP, [{ host: "a", port: 1 }, {
        host: "c",
        port: 3,
      }]),
      { added: 1, removed: 1 },
    );
    assert.deepEqual(
      store.stations.list(GSP).map((s) => [s.host, s.port, s.id]),
      [["a", 1, S1], ["c", 3, undefined]],
    );
    assert.equal(store.stations.remove(GSP, { host: "c", port: 3 }), true);
    assert.equal(store.stations.remove(GSP, { host: "c", port: 3 }), false);
  });
});

Deno.test("stations: bad input is refused and nothing is written", async () => {
  await withStore((store) => {
    for (const port of [0, 65536, 1.5, Number.NaN]) {
      assert.throws(
        () => store.stations.save({ provider: GSP, host: "a", port }),
        (e: unknown) => e instanceof InvalidRecordError && e.field === "port",
      );
    }
    assert.throws(
      () => store.stations.save({ provider: GSP, host: "", port: 1 }),
      (e: unknown) => e instanceof InvalidRecordError && e.field === "host",
    );
    assert.throws(
      () =>
        store.stations.sync(GSP, [{ host: "a", port: 1 }, {
          host: "b",
          port: -1,
        }]),
      InvalidRecordError,
    );
    assert.throws(
      () => store.stations.saveProvider(GSP, 0.5),
      InvalidRecordError,
    );
    assert.deepEqual(store.stations.list(GSP), []);
    assert.deepEqual(store.stations.providers(), []);
  });
});
