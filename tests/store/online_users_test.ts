import assert from "node:assert/strict";
import { InvalidRecordError } from "../../store/mod.ts";
import { manualClock, withStore } from "./_temp.ts";

const S1 = "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC";
const S2 = "gsp-s002@wpjUWg1oYDnkHh74tHQFPxii6q9j3ymnyW";

Deno.test("online users: added and removed per station, longest online first, paged", async () => {
  const clock = manualClock(1000);
  await withStore((store) => {
    const online = store.onlineUsers;
    assert.equal(online.updatedAt(S1), undefined);
    online.update(S1, ["carol@a", "alice@a"], []);
    clock.set(1010);
    online.update(S1, ["bob@a", "alice@a"], []); // alice stays since 1000
    online.update(S2, ["dave@a"], []);
    assert.equal(online.updatedAt(S1), 1010);
    assert.deepEqual(online.list(S1, 0, 100), ["alice@a", "carol@a", "bob@a"]);
    assert.deepEqual(online.list(S1, 1, 1), ["carol@a"]);
    assert.deepEqual(online.list(S1, 5, 10), []);
    assert.deepEqual(online.list(S1, 0, 0), []);
    clock.set(1020);
    online.update(S1, [], ["carol@a", "nobody@a"]);
    assert.deepEqual(online.list(S1, 0, 100), ["alice@a", "bob@a"]);
    assert.equal(online.updatedAt(S1), 1020);
    assert.deepEqual(online.list(S2, 0, 100), ["dave@a"]);
  }, { now: clock.now });
});

Deno.test("online users: clear keeps or removes the station's heartbeat", async () => {
  const clock = manualClock(1000);
  await withStore((store) => {
    const online = store.onlineUsers;
    online.update(S1, ["alice@a"], []);
    online.update(S2, ["bob@a"], []);
    clock.set(2000);
    online.clear(S1, { keepStation: true });
    assert.deepEqual(online.list(S1, 0, 10), []);
    assert.equal(online.updatedAt(S1), 2000);
    online.clear(S1);
    assert.equal(online.updatedAt(S1), undefined);
    assert.deepEqual(online.list(S2, 0, 10), ["bob@a"]);
  }, { now: clock.now });
});

Deno.test("online users: bad IDs are refused and nothing is written", async () => {
  await withStore((store) => {
    const online = store.onlineUsers;
    assert.throws(
      () => online.update(S1, ["ok@a", ""], []),
      InvalidRecordError,
    );
    assert.throws(
      () => online.update(S1, [], ["alice@a/phone"]),
      InvalidRecordError,
    );
    assert.throws(() => online.update("", ["ok@a"], []), InvalidRecordError);
    assert.deepEqual(online.list(S1, 0, 10), []);
    assert.equal(online.updatedAt(S1), undefined);
  });
});
