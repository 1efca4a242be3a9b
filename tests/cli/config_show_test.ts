/**
 * `dim config show` through the real CLI: every setting with the source of
 * its value — default, file line, `DIM_…` variable, flag — and the keys dim
 * does not read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dim, tempDir } from "./_dim.ts";

Deno.test("dim config show: each value with where it came from (default, file:line, DIM_ variable, flag)", async () => {
  using dir = tempDir();
  const ini = join(dir.path, "dim.ini");
  Deno.writeTextFileSync(
    ini,
    "[station]\nport = 9400\nprot = 1\nhost = chat.example.com\n\n[ans]\narchivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9\n",
  );
  const data = join(dir.path, "data");
  const run = await dim(
    ["--config", ini, "--data-dir", data, "config", "show", "--admin", "9395"],
    { env: { DIM_LOG_LEVEL: "debug", DIM_STATION_SIGNERS: "2" } },
  );
  assert.equal(run.code, 0, run.stderr);
  const line = (key: string) => {
    const found = run.stdout.split("\n").find((l) => l.startsWith(`${key} =`));
    assert.ok(found, key);
    return found.replace(/ {2,}/, "  ");
  };
  assert.equal(line("root"), `root = ${data}  # flag --data-dir`);
  assert.equal(
    line("path"),
    `path = ${data}/dim.db  # default (<root>/dim.db)`,
  );
  assert.equal(line("host"), `host = chat.example.com  # ${ini}:4`);
  assert.equal(line("port"), `port = 9400  # ${ini}:2`);
  assert.equal(
    line("signers"),
    "signers = 2  # environment DIM_STATION_SIGNERS",
  );
  assert.equal(line("idle_timeout"), "idle_timeout = 128s  # default");
  assert.equal(line("id"), "id =  # not set");
  assert.equal(
    line("archivist"),
    `archivist = archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9  # ${ini}:7`,
  );
  assert.equal(line("listen"), "listen = 9395  # flag --admin");
  assert.equal(line("level"), "level = debug  # environment DIM_LOG_LEVEL");
  assert.match(
    run.stdout,
    /# not read by dim:\n# {3}.*:3: \[station\] prot is not a dim setting \(did you mean port\?\)/,
  );
  assert.match(run.stderr, /warning: .*prot is not a dim setting/);

  // a flag wins over the file; a config that does not load names every bad value
  const flagged = await dim(["--config", ini, "config", "show", "--port", "1"]);
  assert.match(flagged.stdout, /^port = 1 +# flag --port$/m);
  Deno.writeTextFileSync(ini, "[station]\nport = x\nsigners = y\n");
  const bad = await dim(["--config", ini, "config", "show"]);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr,
    `dim: 2 bad values:\n  ${ini}:2: [station] port must be a number 1..65535, not "x"\n  ${ini}:3: [station] signers must be a count 0..64, not "y"\n`,
  );
});
