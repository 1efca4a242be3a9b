import assert from "node:assert/strict";
import {
  benchUserName,
  ensureBenchUsers,
  findBenchUsers,
  MAX_BENCH_USERS,
} from "../../../cli/bench/mod.ts";
import { tempAccounts } from "../../client/_accounts.ts";
import { newAccount } from "../../client/_accounts.ts";
import { accountRecord } from "../../../store/mod.ts";

Deno.test("bench users: made once in the store, named bench-NNNN, reused and extended by later calls", async () => {
  await using temp = tempAccounts();
  const first = await ensureBenchUsers(temp.accounts, 3);
  assert.equal(first.generated, 3);
  assert.deepEqual(
    first.users.map((u) => temp.accounts.visa(u.id)?.name),
    ["bench-0000", "bench-0001", "bench-0002"],
  );
  const progress: [number, number][] = [];
  const second = await ensureBenchUsers(
    temp.accounts,
    5,
    (done, missing) => progress.push([done, missing]),
  );
  assert.equal(second.generated, 2);
  assert.deepEqual(progress, [[2, 2]]);
  assert.deepEqual(
    second.users.slice(0, 3).map((u) => u.id.value),
    first.users.map((u) => u.id.value),
  );
  for (const user of second.users) {
    assert.equal(user.signKey.algorithm, "ECC");
    assert.ok(user.decryptKeys.length > 0);
    assert.ok(user.visa !== undefined && user.meta !== undefined);
  }
  const again = await ensureBenchUsers(temp.accounts, 5);
  assert.equal(again.generated, 0);
});

Deno.test("bench users: other accounts of the store are not bench users", async () => {
  await using temp = tempAccounts();
  const alice = await newAccount("alice");
  await temp.accounts.saveAccount(accountRecord(alice));
  assert.equal(findBenchUsers(temp.accounts).size, 0);
  await ensureBenchUsers(temp.accounts, 1);
  const found = findBenchUsers(temp.accounts);
  assert.equal(found.size, 1);
  assert.notEqual(found.get(0)?.value, alice.id.value);
});

Deno.test("bench users: a count outside 1 … MAX_BENCH_USERS is a RangeError", async () => {
  await using temp = tempAccounts();
  for (const count of [0, -1, 1.5, MAX_BENCH_USERS + 1]) {
    await assert.rejects(
      () => ensureBenchUsers(temp.accounts, count),
      RangeError,
    );
  }
  assert.equal(benchUserName(7), "bench-0007");
  assert.equal(benchUserName(1234), "bench-1234");
});
