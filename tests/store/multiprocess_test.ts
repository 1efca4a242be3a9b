import assert from "node:assert/strict";
import { Store } from "../../store/mod.ts";
import { tempDir } from "./_temp.ts";

function child(script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/** The child's stdout as lines; `next()` resolves with the next line or undefined at the end. */
function lines(process: Deno.ChildProcess): AsyncIterator<string> {
  return process.stdout
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new TransformStream<string, string>(
        {
          buffer: "",
          transform(chunk, controller) {
            this.buffer += chunk;
            const parts = this.buffer.split("\n");
            this.buffer = parts.pop() ?? "";
            for (const line of parts) controller.enqueue(line);
          },
        } as Transformer<string, string> & { buffer: string },
      ),
    )[Symbol.asyncIterator]();
}

Deno.test("multi-process: two processes writing one new file concurrently lose nothing", async () => {
  using dir = tempDir();
  const count = 400;
  const writers = ["a", "b"].map((prefix) =>
    child("./_writer_child.ts", [dir.path, prefix, String(count)])
  );
  const outputs = writers.map(lines);
  for (const output of outputs) {
    assert.equal((await output.next()).value, "ready");
  }
  // both have the file open (and migrated it, whoever came first); start them together
  for (const writer of writers) await writer.stdin.close();
  const spans: number[][] = [];
  for (const output of outputs) {
    const done = /^done (\d+) (\d+)$/.exec((await output.next()).value);
    assert.ok(done);
    spans.push([Number(done[1]), Number(done[2])]);
  }
  // the two write phases really overlapped
  assert.ok(
    spans[0][0] < spans[1][1] && spans[1][0] < spans[0][1],
    JSON.stringify(spans),
  );
  for (const output of outputs) assert.equal((await output.next()).done, true);
  for (const writer of writers) assert.equal((await writer.status).code, 0);

  const store = Store.open({ dataDir: dir.path });
  try {
    const stored = store.messages.load(
      "shared@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR",
      10 * count,
    );
    const signatures = new Set(stored.map((m) => m.signature));
    assert.equal(stored.length, 2 * count);
    for (const prefix of ["a", "b"]) {
      for (let n = 0; n < count; n++) {
        assert.ok(signatures.has(`${prefix}-${n}`), `${prefix}-${n} lost`);
      }
    }
    assert.equal(
      store.messages.count("shared@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR"),
      2 * count,
    );
    assert.deepEqual(Object.keys(store.ans.all()), ["a", "b"]);
    assert.deepEqual(store.db.integrityCheck(), ["ok"]);
  } finally {
    store.close();
  }
});

for (const mode of ["inline", "checkpointer"]) {
  Deno.test(`multi-process: kill -9 loses no message acknowledged as cached (checkpoints ${mode === "inline" ? "inline" : "on a worker"})`, async () => {
    using dir = tempDir();
    const writer = child("./_acking_child.ts", [dir.path, mode]);
    await writer.stdin.close();
    const output = lines(writer);
    const acked: string[] = [];
    let killed = false;
    for (
      let line = await output.next();
      !line.done;
      line = await output.next()
    ) {
      const match = /^acked (\S+)$/.exec(line.value);
      assert.ok(match, `unexpected output: ${line.value}`);
      acked.push(match[1]);
      if (!killed && acked.length >= 300) {
        writer.kill("SIGKILL"); // mid-stream: its producers are still storing
        killed = true;
      }
    }
    const status = await writer.status;
    assert.equal(status.signal, "SIGKILL");

    const store = Store.open({ dataDir: dir.path });
    try {
      assert.deepEqual(store.db.integrityCheck(), ["ok"]);
      const stored = store.messages.load(
        "bob@2PVvMPm1j74HFWAGnDSZFkLsbEgM3KCGkTR",
        1_000_000,
      );
      const signatures = stored.map((m) => m.signature);
      assert.equal(
        new Set(signatures).size,
        signatures.length,
        "a message is stored twice",
      );
      const present = new Set(signatures);
      const lost = acked.filter((signature) => !present.has(signature));
      assert.deepEqual(
        lost,
        [],
        `${lost.length} of ${acked.length} acknowledged messages lost`,
      );
      // whatever else is there was really being stored (committed before its ack was printed)
      for (const signature of signatures) {
        assert.match(signature, /^p[0-3]-\d+$/);
      }
      assert.ok(stored.every((m) => (m.msg.data as string).length === 1000));
      // the file is writable again after the crash
      assert.equal(
        store.messages.store({
          receiver: "bob@x1",
          signature: "after",
          time: 1,
          msg: { signature: "after" },
        }),
        true,
      );
    } finally {
      store.close();
    }
  });
}
