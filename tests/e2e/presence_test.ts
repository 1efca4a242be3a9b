/**
 * Presence (issue 14) with real processes: two `dim station` processes,
 * neighbours both ways; bob listens at S2 and alice sends at S1 with
 * `dim client --no-login` (no login broadcast, like the reference client
 * in its first five minutes). Bob gets alice's text within seconds, and
 * one sent while he is away when he listens at S2 again.
 */
import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import { copyPublicAccount, dim, tempDir } from "../cli/_dim.ts";
import { DimProcess } from "./_processes.ts";
import { Network } from "./_mesh.ts";

async function register(dir: string, name: string): Promise<string> {
  const run = await dim(["--data-dir", dir, "client", "register", name]);
  assert.equal(run.code, 0, run.stderr);
  parseId(run.lastLine);
  return run.lastLine;
}

function client(dir: string, port: number, args: string[]): string[] {
  return [
    "--data-dir",
    dir,
    "client",
    "--station",
    `127.0.0.1:${port}`,
    ...args,
  ];
}

Deno.test("e2e presence: clients without login — bob listening at S2 gets alice's text sent at S1; one sent while he is away comes when he listens at S2 again", async () => {
  const net = await new Network([[1], [0]]).start();
  using aliceDir = tempDir();
  using bobDir = tempDir();
  try {
    const alice = await register(aliceDir.path, "alice");
    const bob = await register(bobDir.path, "bob");
    // alice knows bob's visa (discovery is not what this checks)
    await copyPublicAccount(bob, bobDir.path, aliceDir.path);
    const [p1, p2] = net.ports;

    const listen = () =>
      new DimProcess(client(bobDir.path, p2, [
        "listen",
        "--as",
        "bob",
        "--no-login",
        "--json",
        "--count",
        "1",
        "--timeout",
        "30",
      ]));
    const send = (text: string) =>
      dim(client(aliceDir.path, p1, [
        "send",
        "--no-login",
        "--from",
        "alice",
        "--to",
        bob,
        text,
      ]));

    let listener = listen();
    await listener.until(() => / connected to /.test(listener.stderr), "bob");
    // S1 learns from S2's notice alone (no login was sent)
    await net.logged(0, `presence: 1 user(s) at ${net.ids[1].value}, 1 newest`);
    const sent = await send("hi bob");
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /Message redirected/);
    assert.equal((await listener.finished()).code, 0, listener.stderr);
    const [got] = listener.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(got.text, "hi bob");
    assert.equal(got.sender, alice);

    // away: S1 still sends it to S2, which caches it for him
    const away = await send("while away");
    assert.equal(away.code, 0, away.stderr);
    listener = listen();
    assert.equal((await listener.finished()).code, 0, listener.stderr);
    const [later] = listener.stdout.trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(later.text, "while away");
  } finally {
    await net.stop();
  }
});
