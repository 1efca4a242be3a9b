import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

async function dim(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

Deno.test("cli: `dim version` prints the version on stdout and exits 0", async () => {
  const r = await dim("version");
  assert.deepEqual(r.code, 0);
  assert.deepEqual(r.stdout, `dim ${denoJson.version}\n`);
});

Deno.test("cli: an unknown subcommand exits 2 with the reason on stderr only", async () => {
  const r = await dim("no-such-thing");
  assert.deepEqual(r.code, 2);
  assert.deepEqual(r.stdout, "");
  assert.match(r.stderr, /unknown subcommand: no-such-thing/);
});

Deno.test("cli: no subcommand prints usage on stderr and exits 2", async () => {
  const r = await dim();
  assert.deepEqual(r.code, 2);
  assert.match(r.stderr, /usage: dim/);
});

Deno.test("cli: `dim help <subcommand>` prints that subcommand's help; a bad command line points at the subcommand's help", async () => {
  const help = await dim("help", "station");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: dim station /);
  const config = await dim("help", "config");
  assert.match(config.stdout, /^usage: dim config show/);
  const bad = await dim("station", "--no-such-flag");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /\ntry: dim station --help\n$/);
  const unknown = await dim("no-such-thing");
  assert.match(unknown.stderr, /\ntry: dim help\n$/);
});

Deno.test("cli: the top-level help and the README give the same store-path precedence", async () => {
  const usage = (await dim("help")).stdout;
  const readme = Deno.readTextFileSync(
    new URL("../../README.md", import.meta.url),
  );
  const order = (text: string) =>
    text.replace(/`/g, "").replace(/\s+/g, " ").match(
      /--db( FILE)?, else dim\.db in --data-dir, else DIM_DB, else \[database\] path, else dim\.db in the data directory/,
    )?.[0].replace(" FILE", "");
  assert.ok(order(usage), usage);
  assert.equal(order(usage), order(readme));
});
