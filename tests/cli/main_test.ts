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
