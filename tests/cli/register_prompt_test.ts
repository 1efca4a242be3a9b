/**
 * The interactive paths of `dim register` (what a terminal user sees),
 * driven in-process by scripted answers against a real store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../cli/config.ts";
import { runRegister } from "../../cli/register.ts";
import type { CommandContext } from "../../cli/subcommand.ts";
import { parseId } from "../../dimp/identity/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { tempDir } from "./_dim.ts";
import { scriptedPrompter } from "./_prompter.ts";

function context(dataDir: string): CommandContext {
  return {
    env: {},
    configPath: undefined,
    config: parseConfig(undefined),
    dataDir,
    storePath: join(dataDir, "dim.db"),
  };
}

function read<T>(dataDir: string, fn: (accounts: Accounts) => T): T {
  const store = Store.open({ dataDir });
  try {
    return fn(new Accounts(store));
  } finally {
    store.close();
  }
}

/** Runs with scripted answers; returns the ID printed last. */
async function run(
  dataDir: string,
  args: string[],
  answers: string[],
): Promise<{ id: string; asked: string[] }> {
  const prompter = scriptedPrompter(answers);
  assert.equal(await runRegister(context(dataDir), args, prompter), 0);
  const ids = read(dataDir, (accounts) => accounts.ids());
  return { id: ids.at(-1)!.value, asked: prompter.asked };
}

Deno.test("register prompts: generate asks type, seed and the station fields, again after a bad answer", async () => {
  using dir = tempDir();
  const { id, asked } = await run(dir.path, ["generate"], [
    "9", // no such type: asked again
    "station",
    "", // seed: default test_station
    "My Station",
    "", // host: default
    "many", // not a port: asked again
    "9400",
  ]);
  assert.deepEqual(asked, [
    "please input address type",
    "please input address type",
    "please input ID.name (meta seed)",
    "please input station name",
    "please input station host",
    "please input station port",
    "please input station port",
  ]);
  assert.equal(parseId(id).name, "test_station");
  const visa = read(dir.path, (accounts) => accounts.visa(id)!);
  assert.deepEqual(
    [visa.name, visa.getProperty("host"), visa.getProperty("port")],
    ["My Station", "127.0.0.1", 9400],
  );
});

Deno.test("register prompts: a user chooses its meta type; a group asks for its founder and bot", async () => {
  using dir = tempDir();
  const user = await run(dir.path, ["generate", "user"], [
    "btc",
    "",
    "https://example.com/me.png",
  ]);
  assert.deepEqual(user.asked, [
    "please input meta type (2: BTC, 4: ETH)",
    "please input user name",
    "please input avatar URL",
  ]);
  const meta = read(dir.path, (accounts) => accounts.meta(user.id)!);
  assert.equal(meta.type, 2);
  const visa = read(dir.path, (accounts) => accounts.visa(user.id)!);
  assert.equal(visa.name, "Satoshi Nakamoto");
  assert.equal(visa.getProperty("avatar"), "https://example.com/me.png");

  const bot = "assistant@2PpB6iscuBjA15oTjAsiswoX9qis5V3c1Dq";
  const group = await run(dir.path, ["generate", "group", "--name", "Team"], [
    "", // seed: default test_group
    user.id,
    "not an id", // asked again
    bot,
  ]);
  assert.deepEqual(group.asked, [
    "please input ID.name (meta seed)",
    "please input group founder (an ID whose private key is here)",
    "please input group bot (ID)",
    "please input group bot (ID)",
  ]);
  const bulletin = read(dir.path, (accounts) => accounts.document(group.id)!);
  assert.equal(bulletin.name, "Team");
  assert.equal(bulletin.founder()?.value, user.id);
  assert.deepEqual(bulletin.assistants().map(String), [bot]);
});

Deno.test("register prompts: modify offers the current values; empty answers keep them", async () => {
  using dir = tempDir();
  const { id } = await run(dir.path, [
    "generate",
    "station",
    "--seed",
    "s1",
    "--name",
    "Old",
    "--host",
    "192.0.2.1",
    "--port",
    "9395",
  ], []);
  const before = read(dir.path, (accounts) => accounts.visa(id)!);
  const { asked } = await run(dir.path, ["modify", id], ["", "192.0.2.2", ""]);
  assert.equal(asked.length, 3);
  const after = read(dir.path, (accounts) => accounts.visa(id)!);
  assert.deepEqual(
    [after.name, after.getProperty("host"), after.getProperty("port")],
    ["Old", "192.0.2.2", 9395],
  );
  assert.equal(after.createdTime, before.createdTime);
  assert.ok(after.time! > before.time!);
  assert.ok(after.visaKey()?.equals(before.visaKey()!));
  assert.equal(read(dir.path, (accounts) => accounts.documents(id).length), 1);
});
